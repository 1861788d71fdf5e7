"""Sending what the outbox holds: claim a row with a lease, send it, record the result.

Once, and never lost:

- ``notifications_queue_due`` (the beat sweep) picks due rows with ``SKIP LOCKED``, marks them
  *queued* (a short lease on a ``due`` row) in one bulk update and hands their ids to workers
  in batches of ``NOTIFICATION_BATCH_SIZE`` (one broker message per batch, not per message).
  A second sweep a moment later skips them; if the queue message is lost, the queued lease
  expires and a later sweep queues the row again. At most ``NOTIFICATION_SWEEP_LIMIT`` rows
  wait in the queue at once, so a national evening's backlog never outruns the queued lease.
- ``notifications_deliver`` (the batch task) delivers each id of a batch on its own, exactly as
  the single-id task does: one message failing, or a database error on one, does not stop the
  others.
- ``notification_claim`` takes a row for sending in the database (status ``sending`` and a
  lease) before anything goes out, so two workers or a retried task never send twice.
- Leases are short (``NOTIFICATION_LEASE_SECONDS``, 30 s) and the worker renews them while it
  works: when it starts a batch it holds the batch's waiting rows under the short lease, and
  every ``NOTIFICATION_RENEW_SECONDS`` (10 s) it renews the rows it has not reached yet. A worker
  killed at any point leaves leases that run out within 30 s; the next sweep (every
  ``NOTIFICATION_SWEEP_SECONDS``, 15 s) queues those rows again, so its claimed work is taken
  over within a minute. The only duplicate is a crash after the backend took a message and
  before the row says so (bench/README.md, "A killed worker").
- A failed send goes back to ``due`` with its ``due_at`` pushed back (exponential backoff) and
  ends as ``failed`` with ``last_error`` after ``NOTIFICATION_MAX_ATTEMPTS`` attempts.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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


def notification_deliver(*, notification_id: int, loaded: Notification | None = None) -> str:
    """Claim, send and record one message. Returns what happened: sent, skipped, retry,
    failed or cancelled. ``loaded``: the row with its related objects, read for a batch."""
    row = notification_claim(notification_id=notification_id)
    if row is None:
        return "skipped"
    from strikes.messages import message_send

    try:
        message_send(row, loaded=loaded)
    except Reschedule as exc:
        Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.DUE,
            due_at=exc.due_at,
            lease_until=None,
            attempts=row.attempts - 1,
        )
        return "rescheduled"
    except Undeliverable as exc:
        Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.CANCELLED, last_error=str(exc)[:2000], lease_until=None
        )
        return "cancelled"
    except Exception as exc:  # noqa: BLE001 - any backend failure is recorded on the row
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
    Notification.objects.filter(pk=row.pk).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), lease_until=None
    )
    return "sent"


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


class _Renewer:
    """Renews the leases of the batch's rows not reached yet, every ``_renew_every()`` s."""

    def __init__(self, notification_ids: list[int]) -> None:
        self.ids = notification_ids
        self.every = _renew_every()
        self.last = time.monotonic()
        notifications_hold(notification_ids=notification_ids)

    def tick(self, done: int) -> None:
        if time.monotonic() - self.last >= self.every:
            notifications_hold(notification_ids=self.ids[done:])
            self.last = time.monotonic()


@dataclass
class BatchResult:
    """What a batch did: how many of each outcome, and the ids to try again soon."""

    outcomes: Counter[str] = field(default_factory=Counter)
    retry_ids: list[int] = field(default_factory=list)


def notifications_deliver(*, notification_ids: Iterable[int]) -> BatchResult:
    """Deliver a batch from the sweep: each id claimed, sent and recorded on its own, as
    ``notification_deliver`` does for one, so the batch sends nothing twice and a retried batch
    skips what already went.

    A failing message is recorded on its row (retry with backoff, then failed) like any other.
    A database error on one id (a dropped connection, a deadlock) puts that id in
    ``retry_ids`` and the batch carries on with a fresh connection; anything else unexpected is
    logged and the row is left to its lease, so a later sweep picks it up: nothing is dropped.
    """
    from strikes.messages import messages_load

    result = BatchResult()
    notification_ids = list(notification_ids)
    try:
        renewer = _Renewer(notification_ids)
        loaded = messages_load(notification_ids)
    except (OperationalError, InterfaceError):
        renewer = None
        loaded = {}  # each message reads its own row below, as a single send does
        connection.close_if_unusable_or_obsolete()
    for done, notification_id in enumerate(notification_ids):
        try:
            if renewer is not None:
                renewer.tick(done)
            outcome = notification_deliver(
                notification_id=notification_id, loaded=loaded.get(notification_id)
            )
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
    return result


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
