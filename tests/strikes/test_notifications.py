"""The outbox: sending once and never losing a message; channels; the outbox page."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from members.models import Role
from schools.models import Entrance
from strikes import sms
from strikes.models import Notification
from strikes.services.delivery import (
    notification_deliver,
    notifications_deliver,
    notifications_queue_due,
)
from strikes.services.notifications import notification_enqueue
from strikes.services.signups import signup_create
from strikes.tasks import notifications_send
from tests import factories as f
from tests.factories import london

# --- Test email backends --------------------------------------------------------------------

SENT: list[str] = []
_sent_lock = threading.Lock()


class SlowCountingBackend(BaseEmailBackend):
    """Takes a while to send, so two senders overlap; records every message handed over."""

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        with _sent_lock:
            SENT.extend(m.to[0] for m in messages)
        return len(messages)


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        raise SMTPException("451 mail server is having a bad day")


class FailingForSomeBackend(BaseEmailBackend):
    """Refuses mail to addresses starting with "bounce", sends the rest."""

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        for m in messages:
            if m.to[0].startswith("bounce"):
                raise SMTPException(f"550 no such mailbox: {m.to[0]}")
        with _sent_lock:
            SENT.extend(m.to[0] for m in messages)
        return len(messages)


class ConnectionCuttingBackend(BaseEmailBackend):
    """For an address starting with "cut", the database connection drops mid-send (the server
    ends it), as when PostgreSQL restarts under a worker; other mail is sent."""

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        if messages[0].to[0].startswith("cut"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        with _sent_lock:
            SENT.extend(m.to[0] for m in messages)
        return len(messages)


class Broker:
    """What was handed to the broker: every id (single sends and batches) and the batches."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.batches: list[list[int]] = []
        self.lock = threading.Lock()

    def send_one(self, notification_id: int) -> None:
        with self.lock:
            self.ids.append(notification_id)

    def send_batch(self, notification_ids: list[int]) -> None:
        with self.lock:
            self.batches.append(list(notification_ids))
            self.ids.extend(notification_ids)


@pytest.fixture(autouse=True)
def broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    """No broker in unit tests: record what would be published."""
    from strikes.tasks import notification_send, notifications_send

    handed = Broker()
    monkeypatch.setattr(notification_send, "delay", handed.send_one)
    monkeypatch.setattr(notifications_send, "delay", handed.send_batch)
    SENT.clear()
    sms.outbox.clear()
    return handed


@pytest.fixture
def queued(broker: Broker) -> list[int]:
    """Ids handed to the broker, single or in batches."""
    return broker.ids


def _main_entrance(school):
    return Entrance.objects.get(site__school=school, is_main=True)


def _shift(world, *, days: int = 3, hhmm: str = "07:30", school=None, capacity: int = 6):
    day = timezone.localdate() + dt.timedelta(days=days)
    strike_day = f.StrikeDayFactory(dispute__union=world.union, date=day)
    line = f.PicketLineFactory(strike_day=strike_day, entrance=_main_entrance(school or world.s1))
    return f.ShiftFactory(picket_line=line, starts_at=london(day, hhmm), capacity=capacity)


def _member(world, school=None, **user):
    return f.MembershipFactory(
        union=world.union, workplace=school or world.s1, user=f.UserFactory(**user)
    ).user


def _due(user, key: str, **kw) -> Notification:
    return notification_enqueue(
        key=key, kind=Notification.Kind.BROADCAST, user=user, context={"text": "Hello"}, **kw
    )


# --- Sending ------------------------------------------------------------------------------


def test_deliver_sends_email_with_text_and_html_and_marks_sent(world):
    user = _member(world)
    shift = _shift(world)
    signup = signup_create(shift=shift, user=user, acting_user=user)
    row = Notification.objects.get(signup=signup, kind="confirmation")

    assert notification_deliver(notification_id=row.pk) == "sent"

    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert "signed up" in message.subject
    assert "Main entrance" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "<strong>" in html
    name, ics, ics_type = message.attachments[0]
    assert name == "picket.ics" and ics_type == "text/calendar"
    (event,) = Calendar.from_ical(ics).events
    assert event.start == shift.starts_at and event.start.tzname() in ("GMT", "BST")


def test_deliver_twice_sends_once(world):
    row = _due(_member(world), "b:1")
    assert notification_deliver(notification_id=row.pk) == "sent"
    assert notification_deliver(notification_id=row.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_failed_send_is_retried_later_with_backoff(world):
    row = _due(_member(world), "b:1")
    with override_settings(EMAIL_BACKEND=f"{__name__}.FailingBackend"):
        assert notification_deliver(notification_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == "due" and row.attempts == 1
    assert row.due_at > timezone.now() + dt.timedelta(seconds=50)
    assert "bad day" in row.last_error
    # Not due yet: the sweep leaves it alone, a stray task does not send it.
    assert notifications_queue_due() == 0
    assert notification_deliver(notification_id=row.pk) == "skipped"


def test_sms_channel_goes_through_sms_backend_with_idempotency_key(world):
    user = _member(world, phone="07700900123", preferred_channel="sms")
    row = _due(user, "b:sms")
    assert row.channel == "sms"
    with override_settings(SMS_BACKEND="strikes.sms.LocmemBackend"):
        assert notification_deliver(notification_id=row.pk) == "sent"
    (text,) = sms.outbox
    assert text.to == "+447700900123" and text.idempotency_key == "b:sms"  # E.164
    assert "Hello" in text.text
    assert mail.outbox == []


def test_http_sms_backend_posts_json_with_idempotency_key_header():
    received: list[tuple[dict, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), json.loads(body)))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/messages"
    with override_settings(SMS_BACKEND="strikes.sms.HttpBackend", SMS_API_URL=url, SMS_API_KEY="k"):
        sms.sms_send(to="07700900123", text="On the line at 07:30", idempotency_key="morning:9")
    thread.join(5)
    server.server_close()
    headers, body = received[0]
    assert headers["Idempotency-Key"] == "morning:9"
    assert headers["Authorization"] == "Bearer k"
    assert body["to"] == "+447700900123" and body["text"] == "On the line at 07:30"


def test_http_sms_backend_error_is_recorded_and_retried(world):
    user = _member(world, phone="07700900123", preferred_channel="sms")
    row = _due(user, "b:sms")
    with override_settings(
        SMS_BACKEND="strikes.sms.HttpBackend", SMS_API_URL="http://127.0.0.1:9/nothing"
    ):
        assert notification_deliver(notification_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == "due" and "SmsError" in row.last_error


def test_supporter_gets_no_broadcast(world):
    supporter = f.SupporterFactory()
    row = notification_enqueue(key="b:s", kind="broadcast", supporter=supporter, context={})
    assert notification_deliver(notification_id=row.pk) == "cancelled"
    row.refresh_from_db()
    assert row.status == "cancelled" and "own shift" in row.last_error
    assert mail.outbox == []


def test_opted_out_member_gets_confirmation_but_not_nudge(world):
    user = _member(world, reminders_opt_out=True)
    signup = signup_create(shift=_shift(world), user=user, acting_user=user)
    confirmation = Notification.objects.get(signup=signup, kind="confirmation")
    nudge = notification_enqueue(key="n:1", kind="nudge", user=user, context={})
    assert notification_deliver(notification_id=confirmation.pk) == "sent"
    assert notification_deliver(notification_id=nudge.pk) == "cancelled"
    assert len(mail.outbox) == 1


# --- The sweep ------------------------------------------------------------------------------


def test_sweep_queues_due_rows_once_until_the_queued_lease_expires(world, queued):
    user = _member(world)
    rows = [_due(user, f"b:{i}") for i in range(3)]
    queued.clear()  # notification_enqueue handed them over at once; now the broker "lost" them
    later = _due(user, "b:later", due_at=timezone.now() + dt.timedelta(hours=1))

    assert notifications_queue_due() == 3
    assert sorted(queued) == sorted(r.pk for r in rows)
    assert notifications_queue_due() == 0  # a second sweep a moment later queues nothing

    # The queue message was lost: after the queued lease the next sweep queues them again.
    assert notifications_queue_due(now=timezone.now() + dt.timedelta(minutes=6)) == 3
    assert later.pk not in queued


@override_settings(NOTIFICATION_BATCH_SIZE=4)
def test_sweep_queries_do_not_grow_with_recipients(world, broker):
    def sweep_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            handed = notifications_queue_due(now=timezone.now() + dt.timedelta(hours=1))
        assert handed == Notification.objects.filter(status="due").count()
        return len(ctx.captured_queries)

    _due(_member(world), "b:first")
    few = sweep_queries()
    Notification.objects.update(status="sent")
    for i in range(30):
        _due(_member(world), f"b:{i}")
    many = sweep_queries()
    # savepoint, count what waits, select ids, bulk update, release: for 1 or 30 recipients.
    assert few == many <= 5
    assert [len(b) for b in broker.batches[-8:]] == [4, 4, 4, 4, 4, 4, 4, 2]


# --- Once and never lost, on PostgreSQL ------------------------------------------------------


def _in_thread(target, results: list, *args: object) -> threading.Thread:
    def run() -> None:
        try:
            results.append(target(*args))
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_message_send_it_once(world):
    row = _due(_member(world), "b:race")
    results: list[str] = []
    with override_settings(EMAIL_BACKEND=f"{__name__}.SlowCountingBackend"):
        threads = [
            _in_thread(lambda: notification_deliver(notification_id=row.pk), results)
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    assert sorted(results) == ["sent", "skipped"]
    assert len(SENT) == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_queue_each_message_once(world, queued):
    user = _member(world)
    ids = {_due(user, f"b:{i}").pk for i in range(40)}
    queued.clear()
    barrier = threading.Barrier(2)
    results: list[int] = []

    def sweep() -> int:
        barrier.wait(5)
        return notifications_queue_due()

    threads = [_in_thread(sweep, results) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sum(results) == 40
    assert len(queued) == 40 and set(queued) == ids


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_expired_lease_of_a_killed_worker_is_sent_by_a_later_sweep(world, queued):
    row = _due(_member(world), "b:crash")
    queued.clear()
    # A worker claimed it and died mid-send: status sending, lease still live.
    Notification.objects.filter(pk=row.pk).update(
        status="sending", attempts=1, lease_until=timezone.now() + dt.timedelta(minutes=10)
    )
    assert notifications_queue_due() == 0
    assert notification_deliver(notification_id=row.pk) == "skipped"

    Notification.objects.filter(pk=row.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert notifications_queue_due() == 1 and queued == [row.pk]
    assert notification_deliver(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(
    EMAIL_BACKEND=f"{__name__}.FailingBackend",
    NOTIFICATION_MAX_ATTEMPTS=3,
    NOTIFICATION_RETRY_BASE_SECONDS=0,
)
def test_failing_backend_ends_failed_with_error_after_retries(world, queued):
    row = _due(_member(world), "b:fail")
    outcomes = []
    for _ in range(4):
        notifications_queue_due()
        outcomes.append(notification_deliver(notification_id=row.pk))
    assert outcomes == ["retry", "retry", "failed", "skipped"]
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error == "SMTPException: 451 mail server is having a bad day"
    assert notifications_queue_due() == 0  # failed rows are not swept again


# --- Batches from the sweep ------------------------------------------------------------------


@override_settings(NOTIFICATION_BATCH_SIZE=3)
def test_sweep_hands_due_ids_over_in_batches_oldest_first(world, broker):
    user = _member(world)
    now = timezone.now()
    rows = [_due(user, f"b:{i}", due_at=now - dt.timedelta(minutes=10 - i)) for i in range(7)]
    broker.ids.clear()
    assert notifications_queue_due() == 7
    ids = [r.pk for r in rows]
    assert broker.batches == [ids[0:3], ids[3:6], ids[6:7]]


@override_settings(NOTIFICATION_BATCH_SIZE=2)
def test_sweep_keeps_no_more_than_the_limit_waiting_in_the_queue(world, broker):
    user = _member(world)
    rows = [_due(user, f"b:{i}") for i in range(8)]
    broker.ids.clear()
    assert notifications_queue_due(limit=5) == 5
    # Nothing was sent yet: five wait in the queue, so the next sweep adds none.
    assert notifications_queue_due(limit=5) == 0
    # A worker sends a batch of two: there is room for two more.
    notifications_deliver(notification_ids=broker.batches[0])
    assert notifications_queue_due(limit=5) == 2
    assert set(broker.ids) == {r.pk for r in rows[:7]}


@override_settings(NOTIFICATION_BATCH_SIZE=2)
def test_broker_failing_mid_sweep_leaves_the_rest_for_a_later_sweep(world, monkeypatch, broker):
    user = _member(world)
    ids = [_due(user, f"b:{i}").pk for i in range(5)]
    broker.ids.clear()

    def first_then_down(notification_ids: list[int]) -> None:
        if broker.batches:
            raise ConnectionRefusedError("broker down")
        broker.send_batch(notification_ids)

    monkeypatch.setattr(notifications_send, "delay", first_then_down)
    assert notifications_queue_due() == 2
    assert broker.batches == [ids[:2]]
    assert Notification.objects.filter(status="due").count() == 5
    monkeypatch.setattr(notifications_send, "delay", broker.send_batch)
    later = notifications_queue_due(now=timezone.now() + dt.timedelta(minutes=6))
    assert later == 5 and set(ids[2:]) <= set(broker.ids[2:])


@override_settings(EMAIL_BACKEND=f"{__name__}.FailingForSomeBackend")
def test_batch_sends_the_others_when_one_message_fails(world):
    good = [_due(_member(world, email=f"ok{i}@example.org"), f"b:ok{i}") for i in range(2)]
    bad = _due(_member(world, email="bounce@example.org"), "b:bounce")

    outcomes = notifications_send([good[0].pk, bad.pk, good[1].pk])

    assert outcomes == {"sent": 2, "retry": 1}
    assert sorted(SENT) == ["ok0@example.org", "ok1@example.org"]
    bad.refresh_from_db()
    assert bad.status == "due" and bad.attempts == 1
    assert bad.last_error == "SMTPException: 550 no such mailbox: bounce@example.org"
    assert all(Notification.objects.get(pk=r.pk).status == "sent" for r in good)


def test_batch_delivered_twice_sends_each_message_once(world):
    rows = [_due(_member(world), f"b:{i}") for i in range(3)]
    ids = [r.pk for r in rows]
    gone = _due(_member(world), "b:gone")
    ids.append(gone.pk)
    gone.delete()

    assert notifications_send(ids) == {"sent": 3, "skipped": 1}
    # The broker redelivers the batch (the worker died before acknowledging it).
    assert notifications_send(ids) == {"skipped": 4}
    assert len(mail.outbox) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_with_overlapping_batches_send_each_message_once(world):
    users = [_member(world, email=f"p{i}@example.org") for i in range(6)]
    ids = [_due(user, f"b:{i}").pk for i, user in enumerate(users)]
    results: list = []
    with override_settings(EMAIL_BACKEND=f"{__name__}.SlowCountingBackend"):
        threads = [
            _in_thread(lambda: notifications_deliver(notification_ids=ids[:4]), results),
            _in_thread(lambda: notifications_deliver(notification_ids=ids[2:][::-1]), results),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    assert sorted(SENT) == sorted(u.email for u in users)
    assert sum(r.outcomes["sent"] for r in results) == 6
    assert sum(r.outcomes["skipped"] for r in results) == 2
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(EMAIL_BACKEND=f"{__name__}.ConnectionCuttingBackend")
def test_database_connection_lost_mid_batch_loses_nothing(world, queued, caplog):
    before = _due(_member(world, email="a@example.org"), "b:a")
    cut = _due(_member(world, email="cut@example.org"), "b:cut")
    after = _due(_member(world, email="z@example.org"), "b:z")
    queued.clear()

    # Run as a worker would (eagerly, retries included): the lost connection does not stop
    # the batch, and the retried id finds its claim held.
    notifications_send.apply(args=[[before.pk, cut.pk, after.pk]])

    assert f"Notification {cut.pk}: database error, retrying" in caplog.text

    assert Notification.objects.get(pk=before.pk).status == "sent"
    assert Notification.objects.get(pk=after.pk).status == "sent"
    cut.refresh_from_db()
    assert cut.status == "sending" and cut.attempts == 1 and cut.sent_at is None
    # Its lease lapses and a later sweep sends it again (perhaps once more than needed: the
    # backend may have taken it before the connection dropped), but never lost.
    assert notifications_queue_due(now=cut.lease_until + dt.timedelta(seconds=1)) == 1
    assert queued == [cut.pk]
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        assert notification_deliver(notification_id=cut.pk) == "sent"
    cut.refresh_from_db()
    assert cut.status == "sent" and cut.attempts == 2


# --- The outbox page ------------------------------------------------------------------------


@pytest.fixture
def outbox_rows(world):
    here = _member(world, world.s1, full_name="Ada Here")
    there = _member(world, world.s3, full_name="Bob There")
    signup_create(shift=_shift(world, school=world.s1), user=here, acting_user=here)
    signup_create(shift=_shift(world, school=world.s3), user=there, acting_user=there)
    row = Notification.objects.get(user=here)
    Notification.objects.filter(pk=row.pk).update(
        status="failed", attempts=5, last_error=f"SMTPRecipientsRefused: {here.email} unknown"
    )
    return here, there


def test_outbox_refuses_anonymous_and_members(client, world, outbox_rows):
    url = reverse("strikes:outbox")
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(_member(world))
    assert client.get(url).status_code == 403


def test_rep_sees_own_school_messages_with_status_and_error_but_no_contact(
    client, world, outbox_rows, django_assert_max_num_queries
):
    here, _there = outbox_rows
    rep = f.RoleFactory(union=world.union, kind=Role.Kind.REP, school=world.s1).user
    client.force_login(rep)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("strikes:outbox"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ada Here" in page and "Bob There" not in page
    assert "Failed" in page and "SMTPRecipientsRefused" in page
    assert here.email not in page


def test_district_officer_sees_their_district_only(client, world, outbox_rows):
    officer = f.RoleFactory(
        union=world.union, kind=Role.Kind.DISTRICT_OFFICER, district=world.d2
    ).user
    client.force_login(officer)
    page = client.get(reverse("strikes:outbox"), {"status": "due"}).content.decode()
    assert "Bob There" in page and "Ada Here" not in page


def test_other_unions_officer_sees_nothing(client, world, outbox_rows):
    other = f.UnionFactory(short_name="PCS")
    officer = f.RoleFactory(union=other, kind=Role.Kind.NATIONAL_ORGANISER).user
    client.force_login(officer)
    page = client.get(reverse("strikes:outbox")).content.decode()
    assert "Ada Here" not in page and "Bob There" not in page
    assert "No messages yet" in page


@override_settings(NOTIFICATION_MAX_ATTEMPTS=2)
def test_a_message_that_keeps_killing_workers_ends_failed_not_looping(world, queued):
    row = _due(_member(world), "b:poison")
    Notification.objects.filter(pk=row.pk).update(
        status="sending", attempts=2, lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert notifications_queue_due() == 1
    assert notification_deliver(notification_id=row.pk) == "skipped"
    row.refresh_from_db()
    assert row.status == "failed" and "worker stopped" in row.last_error
    assert mail.outbox == []


def test_sweep_with_the_broker_down_loses_nothing(world, monkeypatch, broker):
    from strikes.tasks import notifications_send

    row = _due(_member(world), "b:down")

    def broker_down(notification_ids: list[int]) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(notifications_send, "delay", broker_down)
    assert notifications_queue_due() == 0
    row.refresh_from_db()
    assert row.status == "due"
    # The broker is back: once the queued mark lapses the next sweep hands it over.
    monkeypatch.setattr(notifications_send, "delay", broker.send_batch)
    assert notifications_queue_due(now=timezone.now() + dt.timedelta(minutes=6)) == 1
    assert broker.batches == [[row.pk]]


def test_outbox_counts_failed_messages(client, world, outbox_rows):
    rep = f.RoleFactory(union=world.union, kind=Role.Kind.REP, school=world.s1).user
    client.force_login(rep)
    page = client.get(reverse("strikes:outbox"), {"status": "failed"}).content.decode()
    assert "Failed: 1" in page and "Ada Here" in page


# --- Short leases, renewed while a worker works ---------------------------------------------


class LeaseRecordingBackend(BaseEmailBackend):
    """Records, at each send, how long the batch's rows not sent yet are held for (claimed, or
    waiting to be claimed)."""

    seen: list[float] = []

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        now = timezone.now()
        leases = Notification.objects.filter(
            status__in=["due", "sending"], lease_until__isnull=False
        )
        LeaseRecordingBackend.seen += [
            (r - now).total_seconds() for r in leases.values_list("lease_until", flat=True)
        ]
        return len(email_messages)


@override_settings(
    EMAIL_BACKEND=f"{__name__}.LeaseRecordingBackend",
    NOTIFICATION_LEASE_SECONDS=30,
    NOTIFICATION_QUEUED_LEASE_SECONDS=300,
    NOTIFICATION_RENEW_SECONDS=0,
)
def test_a_worker_holds_its_batch_under_the_short_lease_so_a_crash_frees_it_soon(world, queued):
    rows = [_due(_member(world), f"b:hold-{i}") for i in range(4)]
    queued.clear()
    assert notifications_queue_due() == 4
    # Marked queued for the broker: the long lease (a lost queue message is retried after it).
    leases = Notification.objects.values_list("lease_until", flat=True)
    assert all(lease > timezone.now() + dt.timedelta(seconds=200) for lease in leases)
    LeaseRecordingBackend.seen = []
    outcome = notifications_deliver(notification_ids=[r.pk for r in rows])
    assert outcome.outcomes["sent"] == 4
    # While the worker sent, the rows it had not reached were held for at most 30 s: had it
    # died, the next sweep would have queued them again within the lease, not 5 minutes later.
    assert LeaseRecordingBackend.seen and max(LeaseRecordingBackend.seen) <= 30


@override_settings(NOTIFICATION_LEASE_SECONDS=30)
def test_a_claim_is_held_for_the_short_lease(world):
    row = _due(_member(world), "b:claim")
    from strikes.services.delivery import notification_claim

    claimed = notification_claim(notification_id=row.pk)
    row.refresh_from_db()
    assert claimed is not None and row.status == "sending"
    assert row.lease_until <= timezone.now() + dt.timedelta(seconds=30)


# --- Batches: a fixed number of queries, one mail connection, each message once --------------


class ConnectionCountingBackend(BaseEmailBackend):
    """Counts the connections opened and the messages handed over on each."""

    opened = 0
    closed = 0
    handed: list[str] = []

    def open(self):  # type: ignore[no-untyped-def]
        ConnectionCountingBackend.opened += 1
        return True

    def close(self) -> None:
        ConnectionCountingBackend.closed += 1

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        ConnectionCountingBackend.handed += [m.to[0] for m in email_messages]
        return len(email_messages)


def _reminders(world, shift, count: int, start: int = 0) -> list[int]:
    """``count`` morning reminders for ``shift``, due now, as ``reminders_schedule`` writes
    them."""
    line = shift.picket_line
    ids = []
    for i in range(start, start + count):
        user = _member(world, email=f"r{i}@example.org")
        signup = signup_create(shift=shift, user=user, acting_user=user)
        ids.append(
            Notification.objects.create(
                key=f"morning:{signup.pk}",
                kind=Notification.Kind.REMINDER,
                user=user,
                signup=signup,
                strike_day_id=line.strike_day_id,
                school_id=line.school_id,
                district_id=line.district_id,
                context={"signup_id": signup.pk, "shift_id": shift.pk},
            ).pk
        )
    return ids


def _batch_queries(ids: list[int]) -> tuple[int, dict[str, int]]:
    with CaptureQueriesContext(connection) as ctx:
        result = notifications_deliver(notification_ids=ids)
    return len(ctx.captured_queries), dict(result.outcomes)


# A batch this small is marked sent once, at its end, however slow the machine.
@override_settings(MORNING_REMINDER_MINUTES=240, NOTIFICATION_MARK_SECONDS=3600)
def test_a_batch_of_reminders_runs_a_fixed_number_of_queries_whatever_its_size(world):
    day = timezone.localdate() + dt.timedelta(days=2)
    with time_machine.travel(london(day, "12:00"), tick=True):
        shift = _shift(world, days=0, hhmm="15:00", capacity=40)  # reminded at 11:00
        one = _reminders(world, shift, 1)
        many = _reminders(world, shift, 30, start=1)
        mail.outbox.clear()

        # Claim them all (one UPDATE ... RETURNING); read the rows with their recipients,
        # signups, shifts and lines, then the schools, entrances, days and districts they
        # share (one query each); mark them sent (one UPDATE): seven for 1 or 30.
        assert _batch_queries(one) == (7, {"sent": 1})
        assert _batch_queries(many) == (7, {"sent": 30})
        rows = Notification.objects.filter(pk__in=one + many)
        assert set(rows.values_list("status", "attempts")) == {("sent", 1)}
        assert len(mail.outbox) == 31 and "Picket at 15:00 today" in mail.outbox[0].subject
        # The broker delivers the batch again: nothing goes twice, still no query a message.
        queries, outcomes = _batch_queries(many)
        assert outcomes == {"skipped": 30} and queries <= 7
        assert len(mail.outbox) == 31


@override_settings(EMAIL_BACKEND=f"{__name__}.ConnectionCountingBackend")
def test_a_batch_hands_its_emails_to_the_backend_over_one_connection(world):
    ids = [_due(_member(world, email=f"c{i}@example.org"), f"b:c{i}").pk for i in range(6)]
    ConnectionCountingBackend.opened = ConnectionCountingBackend.closed = 0
    ConnectionCountingBackend.handed = []

    assert notifications_send(ids) == {"sent": 6}

    assert ConnectionCountingBackend.opened == 1 and ConnectionCountingBackend.closed == 1
    assert sorted(ConnectionCountingBackend.handed) == [f"c{i}@example.org" for i in range(6)]


class Killed(BaseException):
    """The worker process dying (SIGKILL) while the backend has the message."""


class KillingBackend(BaseEmailBackend):
    """Kills the worker whenever it sends to an address starting with "poison"."""

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        for m in messages:
            if m.to[0].startswith("poison"):
                raise Killed
        with _sent_lock:
            SENT.extend(m.to[0] for m in messages)
        return len(messages)


@override_settings(EMAIL_BACKEND=f"{__name__}.KillingBackend", NOTIFICATION_MAX_ATTEMPTS=3)
def test_a_message_that_kills_its_worker_mid_batch_fails_alone_and_the_rest_go_once(world, queued):
    users = [_member(world, email=f"m{i}@example.org") for i in range(2)]
    users.insert(1, _member(world, email="poison@example.org"))
    users += [_member(world, email=f"m{i}@example.org") for i in range(2, 5)]
    ids = [_due(user, f"b:k{i}").pk for i, user in enumerate(users)]
    poison = ids[1]

    for _ in range(5):  # each time: the worker dies, its leases run out, a sweep requeues
        queued.clear()
        notifications_queue_due()
        if not queued:
            break
        try:
            notifications_deliver(notification_ids=list(queued))
        except Killed:
            Notification.objects.filter(status__in=["due", "sending"]).update(
                lease_until=timezone.now() - dt.timedelta(seconds=1)
            )

    rows = {r.pk: r for r in Notification.objects.filter(pk__in=ids)}
    assert rows[poison].status == "failed" and rows[poison].attempts == 3
    assert "worker stopped" in rows[poison].last_error
    others = [pk for pk in ids if pk != poison]
    assert all(rows[pk].status == "sent" for pk in others)
    # Each went once; a row the dead worker had claimed but not reached was charged that one
    # attempt and then taken on its own.
    assert sorted(SENT) == sorted(u.email for u in users if u.email != "poison@example.org")
    assert all(rows[pk].attempts <= 2 for pk in others)


class RetakingBackend(BaseEmailBackend):
    """While the first message is being sent, the batch's last row is retaken by another
    worker (as if this one had stalled past its lease)."""

    retake: int = 0

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        if RetakingBackend.retake:
            Notification.objects.filter(pk=RetakingBackend.retake).update(
                attempts=2, lease_until=timezone.now() + dt.timedelta(seconds=30)
            )
            RetakingBackend.retake = 0
        with _sent_lock:
            SENT.extend(m.to[0] for m in messages)
        return len(messages)


@override_settings(EMAIL_BACKEND=f"{__name__}.RetakingBackend", NOTIFICATION_RENEW_SECONDS=0)
def test_a_worker_renewing_its_leases_does_not_send_a_row_another_worker_retook(world):
    ids = [_due(_member(world, email=f"t{i}@example.org"), f"b:t{i}").pk for i in range(3)]
    RetakingBackend.retake = ids[-1]

    result = notifications_deliver(notification_ids=ids)

    assert dict(result.outcomes) == {"sent": 2, "skipped": 1}
    assert sorted(SENT) == ["t0@example.org", "t1@example.org"]
    retaken = Notification.objects.get(pk=ids[-1])
    assert retaken.status == "sending" and retaken.attempts == 2  # the other worker's to send
