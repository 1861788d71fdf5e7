"""Sending what the outbox holds: claim a row with a lease, send it, record the result.

Once, and never lost:

- ``notifications_queue_due`` (the beat sweep) picks due rows with ``SKIP LOCKED``, marks them
  *queued* (a short lease on a ``due`` row) in one bulk update and hands their ids to workers
  in batches of ``NOTIFICATION_BATCH_SIZE`` (one broker message per batch, not per message).
  A second sweep a moment later skips them; if the queue message is lost, the queued lease
  expires and a later sweep queues the row again. At most ``NOTIFICATION_SWEEP_LIMIT`` rows
  wait in the queue at once, so a national evening's backlog never outruns the queued lease.
- ``notifications_deliver`` (the batch task) claims every never-tried row of its batch in one
  ``UPDATE ... RETURNING`` (status ``sending`` and a lease), reads them with what their messages
  show (``strikes.messages.messages_load``: the rows, then what they share, one query a kind),
  hands the emails to the backend over one connection, and marks those the backend took as
  sent in one UPDATE: seven queries a batch of reminders, none a message. One message
  failing, or a database error on one, does not stop the others. Rows tried before (a failed
  send, a dead worker's claim) are claimed one at a time right before each is sent
  (``notification_claim``), so a message that kills its worker fails alone.
- A claim is taken in the database (status ``sending`` and a lease) before anything goes out,
  so two workers or a retried task never send twice.
- Leases are short (``NOTIFICATION_LEASE_SECONDS``, 30 s) and the worker renews them while it
  works (every ``NOTIFICATION_RENEW_SECONDS``, 10 s): the claimed rows it has not sent yet, and
  the batch's waiting rows it has not reached. A worker killed at any point leaves leases that
  run out within 30 s; the next sweep (every ``NOTIFICATION_SWEEP_SECONDS``, 15 s) queues those
  rows again, so its work is taken over within a minute. The only duplicates come from a crash
  after the backend took a message and before the row says so: a batch marks what went at its
  end or every ``NOTIFICATION_MARK_SECONDS`` (0.2 s; 0 marks each message), so that is at
  most what one worker handed over in that time (bench/README.md, "A killed worker").
- A failed send goes back to ``due`` with its ``due_at`` pushed back (exponential backoff) and
  ends as ``failed`` with ``last_error`` after ``NOTIFICATION_MAX_ATTEMPTS`` attempts.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.utils import timezone

from strikes.models import Notification

log = logging.getLogger(__name__)


class Undeliverable(Exception):
    """The message should not go (nobody to send to, no longer relevant): cancel, don't retry."""


class Reschedule(Exception):
    """The shift moved: the message is due at another time."""

    def __init__(self, due_at: datetime) -> None:
        super().__init__(f"Moved to {due_at.isoformat()}")
        self.due_at = due_at


def _lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)


def _renew_every() -> float:
    return float(settings.NOTIFICATION_RENEW_SECONDS)


def _queued_lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_QUEUED_LEASE_SECONDS)


def _max_attempts() -> int:
    return settings.NOTIFICATION_MAX_ATTEMPTS


def _batch_size() -> int:
    return max(1, settings.NOTIFICATION_BATCH_SIZE)


def _backoff(attempts: int) -> timedelta:
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    return timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def _sweepable(now: datetime) -> Q:
    """Due and not already queued by a recent sweep, or held by a lease that has expired."""
    return Q(due_at__lte=now) & (
        Q(status=Notification.Status.DUE, lease_until__isnull=True)
        | Q(status=Notification.Status.DUE, lease_until__lt=now)
        | Q(status=Notification.Status.SENDING, lease_until__lt=now)
    )


_CLAIM_SQL = """
UPDATE strikes_notification
SET status = 'sending', lease_until = %s, attempts = attempts + 1
WHERE id = %s AND due_at <= %s AND attempts < %s
  AND (status = 'due' OR (status = 'sending' AND lease_until < %s))
RETURNING attempts, due_at
"""


def notification_claim(*, notification_id: int) -> Notification | None:
    """Take the row for sending, or None if it is sent, failed, not yet due or held by a live
    sending lease. A ``due`` row marked queued by the sweep may be claimed by its worker.

    One ``UPDATE ... RETURNING``: a second worker claiming the same row waits for the first's
    row lock, then finds it ``sending`` under a live lease and gets nothing. (This runs once per
    message, so it is one short statement rather than a locked read and a save.)
    """
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM_SQL,
            [adapt(now + _lease()), notification_id, adapt(now), _max_attempts(), adapt(now)],
        )
        claimed = cursor.fetchone()
    if claimed is None:
        # Workers kept dying while sending this one: stop, and show it as failed.
        Notification.objects.filter(
            Q(status=Notification.Status.DUE)
            | Q(status=Notification.Status.SENDING, lease_until__lt=now),
            pk=notification_id,
            due_at__lte=now,
            attempts__gte=_max_attempts(),
        ).update(
            status=Notification.Status.FAILED,
            lease_until=None,
            last_error=Case(
                When(last_error="", then=Value("Gave up: the worker stopped while sending.")),
                default=F("last_error"),
                output_field=TextField(),
            ),
        )
        return None
    attempts, due_at = claimed
    if isinstance(due_at, str):  # SQLite hands back text
        due_at = connection.ops.convert_datetimefield_value(due_at, None, connection)
    return Notification(
        pk=notification_id,
        status=Notification.Status.SENDING,
        attempts=attempts,
        due_at=due_at,
        lease_until=now + _lease(),
    )


def _record_failure(row: Notification, exc: Exception) -> str:
    """What a send that raised means for its row: rescheduled, cancelled, retry or failed."""
    if isinstance(exc, Reschedule):
        Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.DUE,
            due_at=exc.due_at,
            lease_until=None,
            attempts=row.attempts - 1,
        )
        return "rescheduled"
    if isinstance(exc, Undeliverable):
        Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.CANCELLED, last_error=str(exc)[:2000], lease_until=None
        )
        return "cancelled"
    error = f"{type(exc).__name__}: {exc}"[:2000]
    failed = row.attempts >= _max_attempts()
    log.warning("Notification %s attempt %s failed: %s", row.pk, row.attempts, error)
    Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
        last_error=error,
        status=Notification.Status.FAILED if failed else Notification.Status.DUE,
        due_at=row.due_at if failed else timezone.now() + _backoff(row.attempts),
        lease_until=None,
    )
    return "failed" if failed else "retry"


def _send_claimed(
    row: Notification, *, loaded: Notification | None = None, mail_connection: Any = None
) -> str:
    """Send a row this worker has claimed. Returns "sent" (the row is left ``sending`` for the
    caller to mark) or what a failure did to the row."""
    from strikes.messages import message_send

    try:
        message_send(row, loaded=loaded, connection=mail_connection)
    except Exception as exc:  # noqa: BLE001 - any backend failure is recorded on the row
        return _record_failure(row, exc)
    return "sent"


def notification_deliver(*, notification_id: int, loaded: Notification | None = None) -> str:
    """Claim, send and record one message. Returns what happened: sent, skipped, retry,
    failed or cancelled. ``loaded``: the row with its related objects, read for a batch."""
    row = notification_claim(notification_id=notification_id)
    if row is None:
        return "skipped"
    outcome = _send_claimed(row, loaded=loaded)
    if outcome == "sent":
        notifications_mark_sent(notification_ids=[row.pk])
    return outcome


def _ids_sql(ids: list[int]) -> tuple[str, list[Any]]:
    """``IN`` for a list of ids: one array parameter on PostgreSQL, one per id elsewhere."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    """The ids in as few statements as the database's cap on parameters allows (SQLite)."""
    cap = connection.features.max_query_params
    step = max(cap - 10, 1) if cap else max(len(ids), 1)
    for start in range(0, len(ids), step):
        yield ids[start : start + step]


_CLAIM_FRESH_SQL = """
UPDATE strikes_notification
SET status = 'sending', lease_until = %s, attempts = 1
WHERE id {ids} AND status = 'due' AND attempts = 0 AND due_at <= %s
RETURNING id, due_at
"""


def notifications_claim(*, notification_ids: list[int]) -> dict[int, Notification]:
    """Take for sending, in one ``UPDATE ... RETURNING``, every row of the list that is due and
    has never been tried (status ``sending``, a short lease, one attempt). A row claimed by
    another worker (or already sent) is not taken: the update waits for its row lock, then
    finds it no longer due.

    Rows tried before (a failed send, or a claim whose worker died) are not taken here but one
    at a time, right before each is sent (``notification_claim``): a message that kills its
    worker then charges its attempts to itself alone, and ends ``failed`` without taking the
    rest of a batch with it.
    """
    if not notification_ids:
        return {}
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    claimed: dict[int, Notification] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(notification_ids):
            where, params = _ids_sql(chunk)
            cursor.execute(
                _CLAIM_FRESH_SQL.format(ids=where),
                [adapt(now + _lease()), *params, adapt(now)],
            )
            for pk, due_at in cursor.fetchall():
                if isinstance(due_at, str):  # SQLite hands back text
                    due_at = connection.ops.convert_datetimefield_value(due_at, None, connection)
                claimed[pk] = Notification(
                    pk=pk,
                    status=Notification.Status.SENDING,
                    attempts=1,
                    due_at=due_at,
                    lease_until=now + _lease(),
                )
    return claimed


def notifications_mark_sent(*, notification_ids: list[int]) -> int:
    """Record that the backend took these messages: one UPDATE for all of them."""
    if not notification_ids:
        return 0
    now = timezone.now()
    marked = 0
    for chunk in _chunks(list(notification_ids)):
        marked += Notification.objects.filter(
            pk__in=chunk, status=Notification.Status.SENDING
        ).update(status=Notification.Status.SENT, sent_at=now, lease_until=None)
    return marked


def _renew_claims(notification_ids: list[int]) -> set[int]:
    """Renew the short lease of rows this worker claimed in bulk and has not finished; returns
    those still held. A row missing from the answer was retaken by another worker (its lease
    ran out: a retake counts a second attempt), so this one must not send it."""
    if not notification_ids:
        return set()
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    held: set[int] = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(notification_ids):
            where, params = _ids_sql(chunk)
            cursor.execute(
                f"UPDATE strikes_notification SET lease_until = %s WHERE id {where} "  # noqa: S608
                f"AND status = 'sending' AND attempts = 1 RETURNING id",
                [adapt(now + _lease()), *params],
            )
            held.update(pk for (pk,) in cursor.fetchall())
    return held


def notifications_hold(*, notification_ids: list[int]) -> int:
    """Hold a batch's rows that are still waiting (due, not yet claimed) under the short lease,
    so that if this worker dies they are free again within ``NOTIFICATION_LEASE_SECONDS``
    instead of waiting out the sweep's longer queued lease. One UPDATE; returns rows held."""
    if not notification_ids:
        return 0
    now = timezone.now()
    return Notification.objects.filter(
        pk__in=notification_ids, status=Notification.Status.DUE, due_at__lte=now
    ).update(lease_until=now + _lease())


def _retakeable(row: Notification, now: datetime) -> bool:
    """Could ``notification_claim`` take (or give up on) this row? Due, and not held by a live
    sending lease."""
    if row.due_at > now:
        return False
    if row.status == Notification.Status.DUE:
        return True
    return (
        row.status == Notification.Status.SENDING
        and row.lease_until is not None
        and row.lease_until < now
    )


class _Batch:
    """A batch's claims and leases while its messages are sent.

    - Claimed rows not finished yet have their short lease renewed every
      ``_renew_every()`` seconds, and so have the waiting rows (tried before, claimed one at a
      time) not reached yet; a claimed row another worker has retaken is dropped.
    - Rows the backend took are marked sent together (``notifications_mark_sent``): at the end
      of the batch, and whenever ``NOTIFICATION_MARK_SECONDS`` have passed since the last mark
      (so a slow backend does not leave a long list unmarked, and a worker killed mid-batch
      resends at most what it handed over in that time).
    """

    def __init__(self, claimed: dict[int, Notification], waiting: list[int]) -> None:
        self.claimed = claimed
        self.waiting = waiting
        self.sent: list[int] = []
        self.every = _renew_every()
        self.mark_every = float(settings.NOTIFICATION_MARK_SECONDS)
        self.last_renew = self.last_mark = time.monotonic()
        notifications_hold(notification_ids=waiting)

    def tick(self, notification_ids: list[int], start: int) -> None:
        """After each message: mark and renew when it is time. ``notification_ids[start:]``
        are the batch's rows not reached yet."""
        now = time.monotonic()
        if self.sent and now - self.last_mark >= self.mark_every:
            self.flush()
        if now - self.last_renew >= self.every:
            self.flush()
            remaining = notification_ids[start:]
            todo = [pk for pk in remaining if pk in self.claimed]
            held = _renew_claims(todo)
            for pk in todo:
                if pk not in held:
                    del self.claimed[pk]
            rest = set(remaining)
            notifications_hold(notification_ids=[pk for pk in self.waiting if pk in rest])
            self.last_renew = time.monotonic()

    def flush(self) -> None:
        if self.sent:
            notifications_mark_sent(notification_ids=self.sent)
            self.sent = []
        self.last_mark = time.monotonic()


class _MailConnection:
    """One connection to the email backend for a whole batch, opened when the first email goes
    (an SMS-only batch opens none). It stands in for the backend (``send_messages``): the
    messages are handed over one at a time on it, so each one's outcome is known and a refused
    address fails alone. After a failed send it is opened afresh for the next message, as a
    mail server that dropped the connection would otherwise fail the rest of the batch."""

    def __init__(self) -> None:
        self.backend: Any = None

    def send_messages(self, email_messages: list[Any]) -> int:
        from django.core.mail import get_connection

        if self.backend is None:
            backend = get_connection()
            try:
                backend.open()
            except Exception:
                log.warning("The email backend could not be opened for a batch", exc_info=True)
                return get_connection().send_messages(email_messages)
            self.backend = backend
        try:
            return self.backend.send_messages(email_messages)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.backend is not None:
            backend, self.backend = self.backend, None
            try:
                backend.close()
            except Exception:
                log.warning("The email backend did not close cleanly", exc_info=True)


@dataclass
class BatchResult:
    """What a batch did: how many of each outcome, and the ids to try again soon."""

    outcomes: Counter[str] = field(default_factory=Counter)
    retry_ids: list[int] = field(default_factory=list)


def notifications_deliver(*, notification_ids: Iterable[int]) -> BatchResult:
    """Deliver a batch from the sweep, sending nothing twice: a retried batch skips what
    already went, and two workers with overlapping batches each send what they claimed.

    A fixed number of queries whatever the batch's size, when none of its messages was tried
    before: one ``UPDATE ... RETURNING`` claims every row (``notifications_claim``), one query
    reads them and one per kind of thing they share (``messages_load``: seven for reminders),
    and one UPDATE marks those sent (``_Batch``). The emails go to the backend over one
    connection (``_MailConnection``); what every message would work out again (templates,
    links) is worked out once a batch (``messages_batch``). Rows tried before are claimed one
    at a time, right before each is sent.

    A failing message is recorded on its row (retry with backoff, then failed) like any other.
    A database error on one id (a dropped connection, a deadlock) puts that id in
    ``retry_ids`` and the batch carries on with a fresh connection; anything else unexpected is
    logged and the row is left to its lease, so a later sweep picks it up: nothing is dropped.
    """
    from strikes.messages import messages_batch, messages_load

    result = BatchResult()
    notification_ids = list(notification_ids)
    try:
        claimed = notifications_claim(notification_ids=notification_ids)
        loaded = messages_load(notification_ids)
        now = timezone.now()
        waiting = [
            pk
            for pk in notification_ids
            if pk not in claimed and pk in loaded and _retakeable(loaded[pk], now)
        ]
        batch: _Batch | None = _Batch(claimed, waiting)
    except (OperationalError, InterfaceError):
        # Claimed or not, each row is now taken one at a time (a row this worker did claim is
        # held by its lease, then retaken by a later sweep): late perhaps, never lost.
        claimed, loaded, batch = {}, {}, None
        connection.close_if_unusable_or_obsolete()
    mail = _MailConnection()
    try:
        with messages_batch():
            _deliver_all(notification_ids, batch, claimed, loaded, mail, result)
    finally:
        mail.close()
        if batch is not None:
            _flush(batch)
    return result


def _deliver_all(
    notification_ids: list[int],
    batch: _Batch | None,
    claimed: dict[int, Notification],
    loaded: dict[int, Notification],
    mail: _MailConnection,
    result: BatchResult,
) -> None:
    for done, notification_id in enumerate(notification_ids):
        try:
            outcome = _deliver_one(notification_id, batch, claimed, loaded, mail)
            if batch is not None:
                batch.tick(notification_ids, done + 1)
        except (OperationalError, InterfaceError) as exc:
            log.warning("Notification %s: database error, retrying: %s", notification_id, exc)
            result.retry_ids.append(notification_id)
            outcome = "error"
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()  # reconnect for the rest
        except Exception:  # one bad row must not stop the batch; logged with its traceback
            log.exception(
                "Notification %s could not be delivered; left for the sweep.", notification_id
            )
            outcome = "error"
        result.outcomes[outcome] += 1


def _deliver_one(
    notification_id: int,
    batch: _Batch | None,
    claimed: dict[int, Notification],
    loaded: dict[int, Notification],
    mail: _MailConnection,
) -> str:
    if batch is None:  # the batch's own queries failed: one at a time, as a single send does
        return notification_deliver(notification_id=notification_id)
    row = claimed.pop(notification_id, None)
    if row is None:
        if notification_id not in batch.waiting:
            return "skipped"
        row = notification_claim(notification_id=notification_id)
        if row is None:
            return "skipped"
    outcome = _send_claimed(row, loaded=loaded.get(notification_id), mail_connection=mail)
    if outcome == "sent":
        batch.sent.append(row.pk)
    return outcome


def _flush(batch: _Batch) -> None:
    """Mark what the backend took; after a database error, once more on a new connection."""
    try:
        batch.flush()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        connection.close_if_unusable_or_obsolete()
        batch.flush()


def _mark_queued(ids: list[int], *, until: datetime) -> None:
    """One bulk update (in chunks only where the database caps query parameters: SQLite)."""
    step = connection.features.max_query_params or len(ids)
    for start in range(0, len(ids), step):
        Notification.objects.filter(pk__in=ids[start : start + step]).update(
            status=Notification.Status.DUE, lease_until=until
        )


def notifications_queue_due(*, limit: int | None = None, now: datetime | None = None) -> int:
    """The beat sweep: hand every due message (and every expired lease) to a worker, in batches.

    Three queries whatever the number of recipients (on PostgreSQL): count what is already
    queued and waiting, pick (and lock) due ids up to ``limit`` minus that, and one bulk update
    marking them queued. The ids go to the broker after the commit, ``NOTIFICATION_BATCH_SIZE``
    to a message. If the broker is down the rest stay marked until the queued lease expires,
    then a later sweep tries again. Returns how many messages were handed over.
    """
    from strikes.tasks import notifications_send

    now = now or timezone.now()
    limit = limit or settings.NOTIFICATION_SWEEP_LIMIT
    ids: list[int] = []
    with transaction.atomic():
        waiting = Notification.objects.filter(
            status=Notification.Status.DUE, due_at__lte=now, lease_until__gt=now
        ).count()
        room = limit - waiting
        if room > 0:
            ids = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(_sweepable(now))
                .order_by("due_at")
                .values_list("pk", flat=True)[:room]
            )
        if ids:
            _mark_queued(ids, until=now + _queued_lease())
    handed = 0
    size = _batch_size()
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        try:
            notifications_send.delay(batch)
        except Exception:  # noqa: BLE001 - broker down: the queued lease expires, a sweep retries
            log.warning(
                "Broker unavailable; %s notifications wait for the next sweep.", len(ids) - handed
            )
            break
        handed += len(batch)
    return handed
