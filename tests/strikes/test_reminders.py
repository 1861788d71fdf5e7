"""Reminders: scheduled in Europe/London across the clock changes; the signed one-tap links."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail, signing
from django.test import override_settings
from django.urls import reverse

from members.models import Role
from schools.models import Entrance
from strikes.messages import signup_link_token
from strikes.models import Notification, PicketLine, Shift, Signup
from strikes.services.delivery import notification_deliver
from strikes.services.reminders import morning_reminder_at, reminders_schedule
from strikes.services.signups import signup_create, supporter_signup_create
from tests import factories as f
from tests.factories import london

UTC = dt.UTC


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    from strikes.tasks import notification_send

    monkeypatch.setattr(notification_send, "delay", lambda notification_id: None)


def _shift(world, day: dt.date, hhmm: str = "07:30", *, school=None, capacity: int = 6):
    strike_day = f.StrikeDayFactory(dispute__union=world.union, date=day)
    entrance = Entrance.objects.get(site__school=school or world.s1, is_main=True)
    line = f.PicketLineFactory(strike_day=strike_day, entrance=entrance)
    return f.ShiftFactory(
        picket_line=line,
        starts_at=london(day, hhmm),
        ends_at=london(day, hhmm) + dt.timedelta(hours=2),
        capacity=capacity,
    )


def _member(world, school=None, **user):
    return f.MembershipFactory(
        union=world.union, workplace=school or world.s1, user=f.UserFactory(**user)
    ).user


def _sign_up(world, shift, **user) -> Signup:
    person = _member(world, shift.picket_line.school, **user)
    return signup_create(shift=shift, user=person, acting_user=person)


def _due(signup: Signup) -> dict[str, dt.datetime]:
    return {
        n.key.split(":")[0]: n.due_at.astimezone(UTC)
        for n in Notification.objects.filter(signup=signup, kind__in=["evening_before", "reminder"])
    }


# --- Timing across the clock changes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("travel_to", "shift_day", "evening_utc", "morning_utc"),
    [
        # Clocks go forward on Sunday 29 March 2026: the evening before is still GMT.
        ("2026-03-27 12:00Z", dt.date(2026, 3, 29), "2026-03-28 18:00", "2026-03-29 05:30"),
        ("2026-03-28 12:00Z", dt.date(2026, 3, 30), "2026-03-29 17:00", "2026-03-30 05:30"),
        # Clocks go back on Sunday 25 October 2026: the evening before is still BST.
        ("2026-10-23 12:00Z", dt.date(2026, 10, 25), "2026-10-24 17:00", "2026-10-25 06:30"),
        ("2026-10-24 12:00Z", dt.date(2026, 10, 26), "2026-10-25 18:00", "2026-10-26 06:30"),
    ],
)
def test_reminders_fall_due_on_london_time_across_clock_changes(
    world, travel_to, shift_day, evening_utc, morning_utc
):
    with time_machine.travel(travel_to, tick=False):
        signup = _sign_up(world, _shift(world, shift_day, "07:30"))
        reminders_schedule()
    due = _due(signup)
    assert due["evening"] == dt.datetime.fromisoformat(evening_utc).replace(tzinfo=UTC)
    assert due["morning"] == dt.datetime.fromisoformat(morning_utc).replace(tzinfo=UTC)


def test_morning_reminder_never_in_the_night_unless_shift_starts_before_seven():
    day = dt.date(2026, 3, 30)
    assert morning_reminder_at(london(day, "06:30")) == london(day, "05:30")
    with override_settings(MORNING_REMINDER_MINUTES=120):
        assert morning_reminder_at(london(day, "07:30")) == london(day, "06:00")
        assert morning_reminder_at(london(day, "09:00")) == london(day, "07:00")
        assert morning_reminder_at(london(day, "06:45")) == london(day, "04:45")
        assert morning_reminder_at(london(day, "23:30")) == london(day, "21:30")


@override_settings(EVENING_BEFORE_AT="19:30")
def test_evening_before_time_is_configurable(world):
    with time_machine.travel("2026-03-28 12:00Z", tick=False):
        signup = _sign_up(world, _shift(world, dt.date(2026, 3, 30)))
        reminders_schedule()
    assert _due(signup)["evening"] == london(dt.date(2026, 3, 29), "19:30")


# --- What is scheduled, for whom -------------------------------------------------------------


def test_schedule_is_idempotent_and_queries_do_not_grow(world, django_assert_max_num_queries):
    with time_machine.travel("2026-03-28 12:00Z", tick=False):
        shift = _shift(world, dt.date(2026, 3, 30))
        for _ in range(5):
            _sign_up(world, shift)
        with django_assert_max_num_queries(6):
            first = reminders_schedule()
        more = _shift(world, dt.date(2026, 3, 30), "09:00")
        for _ in range(5):
            _sign_up(world, more)
        with django_assert_max_num_queries(6):
            reminders_schedule()
        reminders_schedule()
    assert first["reminders"] == 10
    keys = list(
        Notification.objects.filter(kind__in=["evening_before", "reminder"]).values_list(
            "key", flat=True
        )
    )
    assert len(keys) == 20 == len(set(keys))


def test_opted_out_members_and_cancelled_signups_get_no_reminders(world):
    with time_machine.travel("2026-03-28 12:00Z", tick=False):
        shift = _shift(world, dt.date(2026, 3, 30))
        quiet = _sign_up(world, shift, reminders_opt_out=True)
        gone = _sign_up(world, shift)
        gone.status = Signup.Status.CANCELLED
        gone.save(update_fields=["status"])
        reminders_schedule()
    assert _due(quiet) == {} and _due(gone) == {}


def test_supporters_get_the_morning_reminder_only(world):
    with time_machine.travel("2026-03-28 12:00Z", tick=False):
        shift = _shift(world, dt.date(2026, 3, 30))
        signup = supporter_signup_create(
            shift=shift, name="Pat", email="p@example.net", consent=True
        )
        reminders_schedule()
    assert set(_due(signup)) == {"morning"}


def test_signup_after_the_evening_message_time_gets_it_cancelled_not_sent_late(world):
    with time_machine.travel("2026-03-29 19:00Z", tick=False):
        signup = _sign_up(world, _shift(world, dt.date(2026, 3, 30)))
        reminders_schedule()
    evening = Notification.objects.get(key=f"evening:{signup.pk}")
    morning = Notification.objects.get(key=f"morning:{signup.pk}")
    assert evening.status == "cancelled" and morning.status == "due"


def test_reps_and_district_officers_get_the_evening_digest(world):
    with time_machine.travel("2026-03-28 12:00Z", tick=False):
        day = dt.date(2026, 3, 30)
        staffed = _shift(world, day, school=world.s1)
        _sign_up(world, staffed)
        empty_line = PicketLine.objects.create(
            strike_day=staffed.picket_line.strike_day,
            entrance=Entrance.objects.get(site__school=world.s2, is_main=True),
            school=world.s2,
            district=world.d1,
            region=world.north,
        )
        rep = f.RoleFactory(union=world.union, kind=Role.Kind.REP, school=world.s1).user
        officer = f.RoleFactory(
            union=world.union, kind=Role.Kind.DISTRICT_OFFICER, district=world.d1
        ).user
        f.RoleFactory(union=world.union, kind=Role.Kind.DISTRICT_OFFICER, district=world.d3)
        reminders_schedule()
        reminders_schedule()
    rep_digest = Notification.objects.get(kind="digest", user=rep)
    officer_digest = Notification.objects.get(kind="digest", user=officer)
    assert Notification.objects.filter(kind="digest").count() == 2
    assert rep_digest.due_at == london(dt.date(2026, 3, 29), "18:00")

    with time_machine.travel("2026-03-29 17:05Z", tick=False):
        assert notification_deliver(notification_id=rep_digest.pk) == "sent"
        assert notification_deliver(notification_id=officer_digest.pk) == "sent"
    rep_mail, officer_mail = mail.outbox
    assert "Heaton Primary" in rep_mail.subject
    assert "1 of at least 2 — short" in rep_mail.body
    assert "1 picket line in Newcastle upon Tyne with nobody signed up" in officer_mail.subject
    assert empty_line.school.name in officer_mail.body
    assert "Heaton Primary" not in officer_mail.body


# --- Sending and the one-tap links -----------------------------------------------------------


def _links(body: str) -> tuple[str, str]:
    found = re.findall(r"http://\S+/reply/(\S+)/", body)
    return found[0], found[1]


def test_evening_message_asks_still_coming_and_confirm_link_confirms(client, world):
    with time_machine.travel("2026-03-29 17:01Z", tick=False):
        shift = _shift(world, dt.date(2026, 3, 30))
        with time_machine.travel("2026-03-28 10:00Z", tick=False):
            signup = _sign_up(world, shift)
        reminders_schedule()
        row = Notification.objects.get(key=f"evening:{signup.pk}")
        assert notification_deliver(notification_id=row.pk) == "sent"
        message = mail.outbox[-1]
        assert (
            "You're on the picket at 07:30 at Main entrance, Heaton Primary — still coming?"
            in message.body
        )
        confirm, _cancel = _links(message.body)
        assert "Yes, I'm coming" in message.alternatives[0][0]

        response = client.get(reverse("strikes:signup-link", args=[confirm]))
        assert response.status_code == 200 and "see you there" in response.content.decode()
        response = client.get(reverse("strikes:signup-link", args=[confirm]))
        assert response.status_code == 200
    signup.refresh_from_db()
    assert signup.status == Signup.Status.CONFIRMED


def test_cancel_link_asks_then_frees_the_place_and_promotes_the_waitlist(client, world):
    with time_machine.travel("2026-03-28 10:00Z", tick=False):
        shift = _shift(world, dt.date(2026, 3, 30), capacity=1)
        signup = _sign_up(world, shift)
        waiting = _sign_up(world, shift)
        assert waiting.status == Signup.Status.WAITLISTED
    with time_machine.travel("2026-03-29 17:01Z", tick=False):
        reminders_schedule()
        row = Notification.objects.get(key=f"evening:{signup.pk}")
        assert notification_deliver(notification_id=row.pk) == "sent"
        _, cancel = _links(mail.outbox[-1].body)
        url = reverse("strikes:signup-link", args=[cancel])

        asked = client.get(url)
        assert asked.status_code == 200 and "Yes, cancel my place" in asked.content.decode()
        signup.refresh_from_db()
        assert signup.status == Signup.Status.REGISTERED  # a GET (a link scanner) changes nothing

        done = client.post(url)
        assert done.status_code == 200 and "cancelled" in done.content.decode()
        again = client.post(url)
        assert again.status_code == 200
    signup.refresh_from_db()
    waiting.refresh_from_db()
    shift.refresh_from_db()
    assert signup.status == Signup.Status.CANCELLED
    assert waiting.status == Signup.Status.REGISTERED
    assert shift.booked == 1
    assert PicketLine.objects.get(pk=shift.picket_line_id).pickets_signed_up == 1
    # The cancelled signup's morning reminder is not sent.
    with time_machine.travel("2026-03-30 05:31Z", tick=False):
        morning = Notification.objects.get(key=f"morning:{signup.pk}")
        assert notification_deliver(notification_id=morning.pk) == "cancelled"


def test_expired_or_tampered_link_shows_a_clear_page(client, world):
    with time_machine.travel("2026-03-27 10:00Z", tick=False):
        shift = _shift(world, dt.date(2026, 3, 30))
        signup = _sign_up(world, shift)
        token = signup_link_token(signup_id=signup.pk, action="cancel")
    with time_machine.travel("2026-03-29 17:00Z", tick=False):  # two days and seven hours on
        expired = client.post(reverse("strikes:signup-link", args=[token]))
        tampered = client.get(reverse("strikes:signup-link", args=[token[:-2] + "xx"]))
        forged = signing.dumps({"s": signup.pk, "a": "cancel"}, salt="another-salt")
        other_salt = client.get(reverse("strikes:signup-link", args=[forged]))
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert tampered.status_code == 400 and "does not work" in tampered.content.decode()
    assert other_salt.status_code == 400
    signup.refresh_from_db()
    assert signup.status == Signup.Status.REGISTERED


def test_link_for_a_started_shift_says_so(client, world):
    with time_machine.travel("2026-03-29 17:00Z", tick=False):
        shift = _shift(world, dt.date(2026, 3, 30))
        signup = _sign_up(world, shift)
        token = signup_link_token(signup_id=signup.pk, action="cancel")
    with time_machine.travel("2026-03-30 07:00Z", tick=False):
        response = client.post(reverse("strikes:signup-link", args=[token]))
    assert response.status_code == 409 and "already started" in response.content.decode()
    assert Shift.objects.get(pk=shift.pk).booked == 1


def test_morning_reminder_goes_by_sms_for_those_who_chose_it(world):
    from strikes import sms

    sms.outbox.clear()
    with time_machine.travel("2026-03-29 12:00Z", tick=False):
        signup = _sign_up(
            world, _shift(world, dt.date(2026, 3, 30)), phone="07700900111", preferred_channel="sms"
        )
        reminders_schedule()
    with (
        time_machine.travel("2026-03-30 05:30Z", tick=False),
        override_settings(SMS_BACKEND="strikes.sms.LocmemBackend"),
    ):
        row = Notification.objects.get(key=f"morning:{signup.pk}")
        assert notification_deliver(notification_id=row.pk) == "sent"
    (text,) = sms.outbox
    assert "07:30" in text.text and "Main entrance, Heaton Primary" in text.text
    assert text.idempotency_key == f"morning:{signup.pk}"
    assert text.to == "+447700900111"


def test_evening_check_not_sent_on_the_day_itself_after_an_outage(world):
    with time_machine.travel("2026-03-28 10:00Z", tick=False):
        signup = _sign_up(world, _shift(world, dt.date(2026, 3, 30), "10:00"))
        reminders_schedule()
    # The workers were down all evening; they come back at 07:00 on the strike day.
    with time_machine.travel("2026-03-30 06:00Z", tick=False):
        evening = Notification.objects.get(key=f"evening:{signup.pk}")
        morning = Notification.objects.get(key=f"morning:{signup.pk}")
        assert notification_deliver(notification_id=evening.pk) == "cancelled"
        # The morning reminder is not due until 09:00 BST.
        assert notification_deliver(notification_id=morning.pk) == "skipped"
    with time_machine.travel("2026-03-30 08:00Z", tick=False):
        assert notification_deliver(notification_id=morning.pk) == "sent"
    assert len(mail.outbox) == 1  # only the morning reminder
    assert "Picket at 10:00 today" in mail.outbox[-1].subject


def test_change_notice_from_another_service_is_sent_in_plain_words(world):
    with time_machine.travel("2026-03-28 10:00Z", tick=False):
        signup = _sign_up(world, _shift(world, dt.date(2026, 3, 30)))
        from strikes.services.notifications import notification_enqueue

        row = notification_enqueue(
            key=f"change:shift-removed:{signup.pk}",
            kind="change",
            user=signup.user,
            signup=signup,
            context={"reason": "shift_removed", "shift_id": signup.shift_id},
        )
        assert notification_deliver(notification_id=row.pk) == "sent"
    message = mail.outbox[-1]
    assert message.subject == "Change to your picket shift on Mon 30 Mar"
    assert "has been cancelled by your rep" in message.body


def test_beat_runs_the_sweep_and_the_scheduler():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"strikes.tasks.notifications_sweep", "strikes.tasks.reminders_schedule_task"} <= tasks


def test_reminder_for_a_shift_moved_later_waits_for_the_new_time(world):
    with time_machine.travel("2026-03-28 10:00Z", tick=False):
        shift = _shift(world, dt.date(2026, 3, 30), "07:30")
        signup = _sign_up(world, shift)
        reminders_schedule()
        Shift.objects.filter(pk=shift.pk).update(
            starts_at=london(dt.date(2026, 3, 30), "10:00"),
            ends_at=london(dt.date(2026, 3, 30), "12:00"),
        )
    with time_machine.travel("2026-03-30 05:30Z", tick=False):
        row = Notification.objects.get(key=f"morning:{signup.pk}")
        assert notification_deliver(notification_id=row.pk) == "rescheduled"
    row.refresh_from_db()
    assert row.status == "due" and row.attempts == 0
    assert row.due_at == london(dt.date(2026, 3, 30), "09:00")
    assert mail.outbox == []
