"""Every kind of message people can act on: each has its own email (text and HTML) and text
message naming the school, the entrance, the date and the times, with a one-tap link that works
for the person it goes to. Non-essential kinds carry the link to the person's message settings;
sign-up confirmations and changes to their own shifts do not (they always go)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from schools.models import Entrance
from strikes.messages import NON_ESSENTIAL_KINDS, message_render
from strikes.models import Notification, Signup
from strikes.services.lines import shift_remove
from strikes.services.notifications import notification_enqueue
from strikes.sms import sms_length
from tests import factories as f
from tests.factories import london

pytestmark = pytest.mark.django_db

KINDS = ["confirmation", "promoted", "reminder", "evening_before", "change", "escalation", "digest"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_its_own_templates(kind):
    for name in ("subject.txt", "body.txt", "body.html", "sms.txt"):
        get_template(f"strikes/email/{kind}/{name}")  # raises if missing


@dataclass
class Case:
    row: Notification
    person: object  # a user to sign in as, or None for a supporter's private link
    facts: list[str]  # what the email and the text message must both say
    link: str  # the path of the one-tap link (with its #fragment, if any)
    page_has: str  # what the page behind the link shows for this person
    sms_link: str | None = None  # where the text message links elsewhere, the part it holds


@pytest.fixture
def day(world):
    date = timezone.localdate() + dt.timedelta(days=4)
    day = f.StrikeDayFactory(dispute__union=world.union, date=date)
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    entrance = Entrance.objects.get(site__school=world.s1, is_main=True)
    entrance.name = "Back gate"
    entrance.save()
    day.line = f.PicketLineFactory(strike_day=day, entrance=entrance)
    day.shift = f.ShiftFactory(
        picket_line=day.line,
        starts_at=london(date, "07:30"),
        ends_at=london(date, "09:30"),
        capacity=6,
    )
    return day


def _date_facts(day):
    # The text message says "Tue 8 Dec"; the email "Tuesday 8 December". Both hold "8 Dec".
    return [day.date.strftime("%-d %b")]


def _member(world, **user):
    return f.MembershipFactory(
        union=world.union, workplace=world.s1, user=f.UserFactory(**user)
    ).user


def _shift_case(world, day, kind, *, status="registered"):
    member = _member(world)
    signup = f.SignupFactory(shift=day.shift, user=member, status=status)
    row = notification_enqueue(key=f"{kind}:{signup.pk}", kind=kind, user=member, signup=signup)
    return Case(
        row=row,
        person=member,
        facts=[world.s1.name, "Back gate", "07:30", "09:30", *_date_facts(day)],
        link=reverse("strikes:my-shifts") + f"#signup-{signup.pk}",
        page_has=f'id="signup-{signup.pk}"',
    )


def _supporter_case(world, day, kind):
    supporter = f.SupporterFactory()
    signup = f.SignupFactory(shift=day.shift, user=None, supporter=supporter, is_supporter=True)
    row = notification_enqueue(
        key=f"{kind}:s:{signup.pk}", kind=kind, supporter=supporter, signup=signup
    )
    return Case(
        row=row,
        person=None,
        facts=[world.s1.name, "Back gate", "07:30", *_date_facts(day)],
        link=reverse("strikes:supporter-confirmed", args=[supporter.token]),
        page_has=world.s1.name,
    )


def _change_removed(world, day):
    member = _member(world)
    signup = f.SignupFactory(shift=day.shift, user=member)
    rep = f.RoleFactory(union=world.union, kind="rep", school=world.s1).user
    shift_remove(shift=day.shift, acting_user=rep)
    row = Notification.objects.get(kind="change", signup=signup)
    return Case(
        row=row,
        person=member,
        facts=[world.s1.name, "Back gate", "07:30", *_date_facts(day)],
        link=reverse("strikes:my-strike-days") + f"#line-{day.line.pk}",
        page_has=f'id="line-{day.line.pk}"',
    )


def _change_called_off(world, day):
    member = _member(world)
    signup = f.SignupFactory(shift=day.shift, user=member, status=Signup.Status.CANCELLED)
    row = notification_enqueue(
        key=f"change:cancel:{day.pk}:{signup.pk}",
        kind="change",
        user=member,
        signup=signup,
        strike_day=day,
        school=world.s1,
        context={"reason": "day_cancelled", "text": "The strike day has been called off."},
    )
    return Case(
        row=row,
        person=member,
        facts=[world.s1.name, "Back gate", "07:30", *_date_facts(day)],
        link=reverse("strikes:my-shifts"),
        page_has="My shifts",
    )


def _escalation(world, day):
    officer = f.RoleFactory(union=world.union, kind="district_officer", district=world.d1).user
    report = f.PicketReportFactory(
        picket_line=day.line,
        escalate=True,
        incident="A car drove at the line",
        reported_at=london(day.date, "08:05"),
    )
    row = notification_enqueue(
        key=f"escalation:{report.pk}:{officer.pk}",
        kind="escalation",
        user=officer,
        strike_day=day,
        school=world.s1,
        district=world.d1,
        context={"report_id": report.pk, "picket_line_id": day.line.pk},
    )
    return Case(
        row=row,
        person=officer,
        facts=[world.s1.name, "Back gate", "08:05", *_date_facts(day)],
        link=reverse("strikes:dashboard-school", args=[day.pk, world.s1.pk]),
        page_has=world.s1.name,
    )


def _digest_rep(world, day):
    rep = f.RoleFactory(union=world.union, kind="rep", school=world.s1).user
    row = notification_enqueue(
        key=f"digest:rep:{day.pk}:{world.s1.pk}:{rep.pk}",
        kind="digest",
        user=rep,
        strike_day=day,
        school=world.s1,
        district=world.d1,
        context={"digest": "rep"},
    )
    return Case(
        row=row,
        person=rep,
        facts=[world.s1.name, "Back gate", "07:30", *_date_facts(day)],
        link=reverse("strikes:rep-day", args=[day.pk, world.s1.pk]),
        page_has="Back gate",
    )


def _digest_district(world, day):
    officer = f.RoleFactory(union=world.union, kind="district_officer", district=world.d1).user
    row = notification_enqueue(
        key=f"digest:district:{day.pk}:{world.d1.pk}:{officer.pk}",
        kind="digest",
        user=officer,
        strike_day=day,
        district=world.d1,
        context={"digest": "district"},
    )
    return Case(
        row=row,
        person=officer,
        facts=[world.s1.name, "Back gate", world.d1.name, *_date_facts(day)],
        link=reverse("strikes:dashboard", args=[day.pk]) + f"?district={world.d1.pk}",
        page_has=world.d1.name,
    )


def _with_sms_link(case: Case, sms_link: str) -> Case:
    """The evening-before text message links to its one-tap answers (yes, I'm coming; no, I
    can't), which act on the shift, rather than to the shift itself."""
    case.sms_link = sms_link
    return case


CASES = {
    "confirmation": lambda w, d: _shift_case(w, d, "confirmation"),
    "confirmation (waitlist)": lambda w, d: _shift_case(
        w, d, "confirmation", status=Signup.Status.WAITLISTED
    ),
    "confirmation (supporter)": lambda w, d: _supporter_case(w, d, "confirmation"),
    "promoted": lambda w, d: _shift_case(w, d, "promoted"),
    "reminder": lambda w, d: _shift_case(w, d, "reminder"),
    "reminder (supporter)": lambda w, d: _supporter_case(w, d, "reminder"),
    "evening_before": lambda w, d: _with_sms_link(
        _shift_case(w, d, "evening_before"), settings.SITE_URL.rstrip("/") + "/reply/"
    ),
    "evening_before (supporter)": lambda w, d: _supporter_case(w, d, "evening_before"),
    "change (shift removed)": _change_removed,
    "change (day called off)": _change_called_off,
    "escalation": _escalation,
    "digest (rep)": _digest_rep,
    "digest (district)": _digest_district,
}


def _path(url: str) -> str:
    """A link as a path and query, checked to point at this site."""
    assert url.startswith(settings.SITE_URL.rstrip("/") + "/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("case_name", list(CASES))
def test_message_names_the_facts_and_its_link_works_for_that_person(client, world, day, case_name):
    case = CASES[case_name](world, day)
    message = message_render(Notification.objects.get(pk=case.row.pk))
    link = settings.SITE_URL.rstrip("/") + case.link
    for form, text in (
        ("subject and text", message.subject + "\n" + message.text),
        ("HTML", message.html),
        ("text message", message.sms),
    ):
        for fact in case.facts:
            assert fact in text, f"{case_name}: {fact!r} missing from the {form}"
        wanted = case.sms_link if form == "text message" and case.sms_link else link
        assert wanted in text, f"{case_name}: the link is missing from the {form}"
    assert "{{" not in message.text + message.html + message.sms
    length = sms_length(message.sms)
    assert length.encoding == "GSM" and length.segments <= 3, f"{case_name}: {length}"

    if case.person is not None:
        client.force_login(case.person)
    response = client.get(_path(link.split("#")[0]))
    assert response.status_code == 200, f"{case_name}: {link} gave {response.status_code}"
    assert case.page_has in response.content.decode()


@pytest.mark.parametrize("case_name", list(CASES))
def test_non_essential_kinds_carry_the_settings_link_and_essential_ones_do_not(
    world, day, case_name
):
    case = CASES[case_name](world, day)
    message = message_render(Notification.objects.get(pk=case.row.pk))
    settings_link = reverse("members:preferences")
    wanted = case.row.kind in NON_ESSENTIAL_KINDS and case.row.user_id is not None
    for text in (message.text, message.html, message.sms):
        assert (settings_link in text) == wanted, case_name


def test_the_evening_before_check_keeps_its_one_tap_answers(world, day):
    case = _shift_case(world, day, "evening_before")
    message = message_render(case.row)
    assert message.text.count("/reply/") == 2 and message.sms.count("/reply/") == 2


def test_a_link_to_someone_elses_shift_shows_them_nothing_of_it(client, world, day):
    case = _shift_case(world, day, "reminder")
    other = _member(world)
    client.force_login(other)
    response = client.get(reverse("strikes:my-shifts"))
    assert response.status_code == 200
    assert f'id="signup-{case.row.signup_id}"' not in response.content.decode()


def test_digest_is_not_sent_to_someone_who_chose_only_the_essentials(world, day, mailoutbox):
    from strikes.services.delivery import notification_deliver

    case = _digest_rep(world, day)
    case.person.reminders_opt_out = True
    case.person.save()
    assert notification_deliver(notification_id=case.row.pk) == "cancelled"
    assert mailoutbox == []
