"""The outbox: sending once and never losing a message; channels; the outbox page."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from members.models import Role
from schools.models import Entrance
from strikes import sms
from strikes.models import Notification
from strikes.services.delivery import notification_deliver, notifications_queue_due
from strikes.services.notifications import notification_enqueue
from strikes.services.signups import signup_create
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


@pytest.fixture(autouse=True)
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids handed to the broker (no broker in unit tests)."""
    from strikes.tasks import notification_send

    handed: list[int] = []
    lock = threading.Lock()

    def fake_delay(notification_id: int) -> None:
        with lock:
            handed.append(notification_id)

    monkeypatch.setattr(notification_send, "delay", fake_delay)
    SENT.clear()
    sms.outbox.clear()
    return handed


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
    start = shift.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert "BEGIN:VEVENT" in ics and f"DTSTART:{start}" in ics


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
    assert text.to == "07700900123" and text.idempotency_key == "b:sms"
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
    assert body["to"] == "07700900123" and body["text"] == "On the line at 07:30"


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


def test_sweep_queries_do_not_grow_with_recipients(world, django_assert_max_num_queries):
    for i in range(30):
        _due(_member(world), f"b:{i}")
    with django_assert_max_num_queries(4):  # savepoint, select ids, bulk update, release
        assert notifications_queue_due() == 30


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


def test_sweep_with_the_broker_down_loses_nothing(world, monkeypatch):
    from strikes.tasks import notification_send

    row = _due(_member(world), "b:down")

    def broker_down(notification_id: int) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(notification_send, "delay", broker_down)
    assert notifications_queue_due() == 0
    row.refresh_from_db()
    assert row.status == "due"
    # The broker is back: once the queued mark lapses the next sweep hands it over.
    handed: list[int] = []
    monkeypatch.setattr(notification_send, "delay", handed.append)
    assert notifications_queue_due(now=timezone.now() + dt.timedelta(minutes=6)) == 1
    assert handed == [row.pk]


def test_outbox_counts_failed_messages(client, world, outbox_rows):
    rep = f.RoleFactory(union=world.union, kind=Role.Kind.REP, school=world.s1).user
    client.force_login(rep)
    page = client.get(reverse("strikes:outbox"), {"status": "failed"}).content.decode()
    assert "Failed: 1" in page and "Ada Here" in page
