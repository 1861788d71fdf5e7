"""An officer announces a day and the called-out members' messages wait in the outbox with
their links; axe-core finds no serious or critical WCAG 2.2 AA violation on the member,
supporter, rep and dashboard pages. At 390 px in real Chromium, with screenshots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from schools.models import Entrance
from strikes.messages import message_render
from strikes.models import Notification, StrikeDay
from strikes.services.planning import ballot_record, dispute_create
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("test-results/messages")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_officer_announces_and_the_members_messages_are_in_the_outbox(
    page, live_server, browser_login, world, rule_sets, axe_check
):
    organiser = f.RoleFactory(union=world.union, kind="national_organiser").user
    dispute = dispute_create(
        union=world.union,
        title="Pay 2026",
        nations=[world.nation],
        staff_groups=["teacher"],
        acting_user=organiser,
    )
    today = timezone.localdate()
    ballot_record(
        dispute=dispute,
        kind="postal",
        opens_on=today - dt.timedelta(days=50),
        closes_on=today - dt.timedelta(days=20),
        electorate=1000,
        votes_cast=520,
        votes_yes=470,
        votes_no=50,
        acting_user=organiser,
    )
    ann = f.MembershipFactory(
        union=world.union, workplace=world.s1, staff_group="teacher", user__full_name="Ann Reid"
    ).user
    browser_login(page, organiser)
    page.goto(live_server.url + reverse("strikes:planning-announce", args=[dispute.pk]))
    axe_check(page, "announce form")
    form = page.locator("#announce-form")
    form.locator("input[name=date]").fill((today + dt.timedelta(days=21)).isoformat())
    form.locator("input[name=scope_kind][value=region]").check()
    form.locator(f"input[name=regions][value='{world.north.pk}']").check()
    form.get_by_role("button", name="Announce the day").click()
    page.get_by_text("Strike day announced").wait_for()
    shot(page, "announced")

    day = StrikeDay.objects.get()
    row = Notification.objects.get(kind="announced", user=ann)
    assert row.school_id == world.s1.pk and row.strike_day_id == day.pk
    message = message_render(row)
    assert world.s1.name in message.subject
    assert "/my-strike-days/" in message.text and "07:30" in message.text

    page.goto(live_server.url + reverse("strikes:outbox"))
    shot(page, "outbox")
    axe_check(page, "outbox")

    # Ann follows her one-tap link and sees her school's day.
    page.context.clear_cookies()
    browser_login(page, ann)
    link = next(w for w in message.text.split() if "/my-strike-days/" in w)
    page.goto(live_server.url + link[link.index("/my-strike-days/") :])
    assert world.s1.name in page.locator("main").inner_text()
    shot(page, "member-link")
    axe_check(page, "member's strike days")
    page.goto(live_server.url + reverse("members:preferences"))
    shot(page, "preferences")
    axe_check(page, "message settings")


def test_member_supporter_rep_and_dashboard_pages_pass_axe(
    page, live_server, browser_login, world, axe_check
):
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union), date=timezone.localdate())
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    line = f.PicketLineFactory(
        strike_day=day, entrance=Entrance.objects.get(site__school=world.s1, is_main=True)
    )
    shift = f.ShiftFactory(picket_line=line, capacity=6, minimum_wanted=2)
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    f.SignupFactory(shift=shift, user=member)

    page.goto(f"{live_server.url}/line/{line.public_token}/")
    axe_check(page, "supporter's line page")
    shot(page, "a11y-supporter")

    browser_login(page, member)
    for name, url in (
        ("home", reverse("members:home")),
        ("my-strike-days", reverse("strikes:my-strike-days")),
        ("my-shifts", reverse("strikes:my-shifts")),
    ):
        page.goto(live_server.url + url)
        axe_check(page, name)

    page.context.clear_cookies()
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    browser_login(page, rep)
    for name, url in (
        ("rep home", reverse("strikes:rep-home")),
        ("check-in", reverse("strikes:line-check-in", args=[line.pk])),
        ("report", reverse("strikes:line-report", args=[line.pk])),
    ):
        page.goto(live_server.url + url)
        axe_check(page, name)
    shot(page, "a11y-rep-report")

    page.context.clear_cookies()
    organiser = f.RoleFactory(union=world.union, kind="national_organiser").user
    browser_login(page, organiser)
    page.goto(f"{live_server.url}/dashboard/{day.pk}/")
    page.locator("#chart svg").wait_for()
    axe_check(page, "dashboard")
    shot(page, "a11y-dashboard")
