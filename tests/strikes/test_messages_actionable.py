"""Messages people can act on, and the person's choices (email or text; only the essentials)
honoured when a message is sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kernel.models import AuditEntry
from schools.models import Entrance
from strikes import sms
from strikes.models import Notification
from strikes.services.delivery import notification_deliver
from strikes.services.lines import member_nudge
from strikes.services.notifications import notification_enqueue
from tests import factories as f
from tests.factories import london

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear():
    sms.outbox.clear()


def _member(world, school=None, **user):
    return f.MembershipFactory(
        union=world.union, workplace=school or world.s1, user=f.UserFactory(**user)
    ).user


def _day_with_shift(world):
    date = timezone.localdate() + dt.timedelta(days=4)
    day = f.StrikeDayFactory(dispute__union=world.union, date=date)
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    entrance = Entrance.objects.get(site__school=world.s1, is_main=True)
    line = f.PicketLineFactory(strike_day=day, entrance=entrance)
    f.ShiftFactory(
        picket_line=line,
        starts_at=london(date, "07:30"),
        ends_at=london(date, "09:30"),
        capacity=6,
    )
    return day, entrance


def test_nudge_names_the_school_date_and_shifts_and_links_to_sign_up(world):
    day, entrance = _day_with_shift(world)
    member = _member(world)
    rep = f.RoleFactory(union=world.union, kind="rep", school=world.s1).user
    row = member_nudge(strike_day=day, school=world.s1, user=member, acting_user=rep)
    assert notification_deliver(notification_id=row.pk) == "sent"
    (email,) = mail.outbox
    assert world.s1.name in email.subject
    assert day.date.strftime("%-d %B") in email.body
    assert "07:30–09:30" in email.body and entrance.name in email.body
    assert reverse("strikes:my-strike-days") in email.body
    assert reverse("members:preferences") in email.body  # non-essential: the way out
    html = email.alternatives[0][0]
    assert "Sign up for a shift" in html and reverse("strikes:my-strike-days") in html


def test_announcement_has_school_date_times_and_one_tap_link_by_sms(world):
    day, _entrance = _day_with_shift(world)
    member = _member(world, phone="07700900123", preferred_channel="sms")
    row = notification_enqueue(
        key=f"announced:{day.pk}:{member.pk}",
        kind=Notification.Kind.ANNOUNCED,
        user=member,
        strike_day=day,
        school=world.s1,
    )
    with override_settings(SMS_BACKEND="strikes.sms.LocmemBackend"):
        assert notification_deliver(notification_id=row.pk) == "sent"
    (text,) = sms.outbox
    assert world.s1.name in text.text and day.date.strftime("%-d %b") in text.text
    assert "07:30" in text.text and reverse("strikes:my-strike-days") in text.text


def test_broadcast_carries_its_text_and_the_preferences_link(world):
    member = _member(world)
    row = notification_enqueue(
        key="broadcast:x:1",
        kind=Notification.Kind.BROADCAST,
        user=member,
        context={"subject": "Rally on Friday", "text": "Meet at the Civic Centre at noon."},
    )
    assert notification_deliver(notification_id=row.pk) == "sent"
    (email,) = mail.outbox
    assert email.subject == "Rally on Friday"
    assert "Meet at the Civic Centre at noon." in email.body
    assert reverse("members:preferences") in email.body


@pytest.mark.parametrize("kind", ["broadcast", "announced", "nudge", "reminder"])
def test_only_the_essentials_means_non_essential_messages_are_not_sent(world, kind):
    day, _ = _day_with_shift(world)
    member = _member(world)
    row = notification_enqueue(
        key=f"{kind}:1", kind=kind, user=member, strike_day=day, school=world.s1
    )
    member.reminders_opt_out = True  # chosen after the message was queued
    member.save()
    assert notification_deliver(notification_id=row.pk) == "cancelled"
    assert mail.outbox == []


def test_confirmations_and_changes_stay_essential(world):
    member = _member(world, reminders_opt_out=True)
    row = notification_enqueue(
        key="change:1", kind=Notification.Kind.CHANGE, user=member, context={"text": "Moved."}
    )
    assert notification_deliver(notification_id=row.pk) == "sent"
    assert reverse("members:preferences") not in mail.outbox[0].body


def test_channel_chosen_after_queueing_is_honoured(world):
    member = _member(world, phone="07700900123")
    row = notification_enqueue(
        key="b:1", kind="broadcast", user=member, context={"subject": "S", "text": "T"}
    )
    assert row.channel == "email"
    member.preferred_channel = "sms"
    member.save()
    with override_settings(SMS_BACKEND="strikes.sms.LocmemBackend"):
        assert notification_deliver(notification_id=row.pk) == "sent"
    assert len(sms.outbox) == 1 and mail.outbox == []


# --- The preferences page ---------------------------------------------------------------------


def test_preferences_page_saves_the_choice_and_audits_it(client, world):
    member = _member(world, phone="07700900123")
    client.force_login(member)
    url = reverse("members:preferences")
    assert client.get(url).status_code == 200
    response = client.post(url, {"preferred_channel": "sms", "non_essential_opt_out": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.preferred_channel == "sms" and member.reminders_opt_out
    assert AuditEntry.objects.filter(action="user.preferences_update").count() == 1


def test_preferences_refuse_text_messages_without_a_number(client, world):
    member = _member(world, phone="")
    client.force_login(member)
    response = client.post(reverse("members:preferences"), {"preferred_channel": "sms"})
    assert response.status_code == 200
    assert "no mobile number" in response.content.decode()
    member.refresh_from_db()
    assert member.preferred_channel == "email"


@pytest.mark.parametrize("junk", ["fax", "", "x" * 5000])
def test_preferences_junk_is_a_form_error_not_a_500(client, world, junk):
    member = _member(world)
    client.force_login(member)
    response = client.post(reverse("members:preferences"), {"preferred_channel": junk})
    assert response.status_code == 200


def test_preferences_need_sign_in(client):
    response = client.get(reverse("members:preferences"))
    assert response.status_code in (302, 403)
