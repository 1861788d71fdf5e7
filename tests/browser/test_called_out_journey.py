"""On a phone in real Chromium: a support-staff member on a teachers-only day sees why they are
not called out, with no sign-up button; a teacher at the same school signs up; the rep sees the
support-staff member apart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from strikes.services.planning import ballot_record, dispute_create, strike_day_announce
from tests import factories as f

SHOTS = Path("test-results")


@pytest.fixture
def teachers_day(transactional_db, rule_sets, world):
    national = f.RoleFactory(union=world.union, kind="national_organiser").user
    dispute = dispute_create(
        union=world.union,
        title="Pay",
        staff_groups=["teacher", "leader", "support"],
        acting_user=national,
    )
    today = timezone.localdate()
    ballot_record(
        dispute=dispute,
        staff_groups=["teacher", "leader"],
        opens_on=today - dt.timedelta(days=60),
        closes_on=today - dt.timedelta(days=30),
        electorate=1000,
        votes_cast=600,
        votes_yes=540,
        votes_no=60,
        acting_user=national,
    )
    ballot_record(
        dispute=dispute,
        staff_groups=["support"],
        opens_on=today - dt.timedelta(days=60),
        closes_on=today - dt.timedelta(days=30),
        electorate=1000,
        votes_cast=450,
        votes_yes=400,
        votes_no=50,
        acting_user=national,
    )
    return strike_day_announce(
        dispute=dispute,
        date=today + dt.timedelta(days=14),
        scope_kind="schools",
        schools=[world.s1],
        acting_user=national,
    )


@pytest.mark.browser
def test_support_staff_see_why_they_are_not_called_out(
    page, live_server, browser_login, world, teachers_day
):
    SHOTS.mkdir(exist_ok=True)
    support = f.MembershipFactory(union=world.union, workplace=world.s1, staff_group="support").user
    browser_login(page, support)
    page.goto(f"{live_server.url}/my-strike-days/")
    main = page.locator("main")
    expect(main).to_contain_text(
        "Teachers and leaders are called out; support staff are not: their ballot did not meet "
        "the turnout threshold."
    )
    expect(main).to_contain_text("You are not called out on this day.")
    expect(main).to_contain_text("You are not protected as a striker")
    expect(main.get_by_role("button", name="Sign up")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "law-support-not-called-out.png"), full_page=True)

    teacher = f.MembershipFactory(union=world.union, workplace=world.s1).user
    page.context.clear_cookies()
    browser_login(page, teacher)
    page.goto(f"{live_server.url}/my-strike-days/")
    expect(page.locator("main").get_by_role("button", name="Sign up").first).to_be_visible()

    rep = f.RoleFactory(union=world.union, kind="rep", school=world.s1).user
    page.context.clear_cookies()
    browser_login(page, rep)
    page.goto(f"{live_server.url}/rep/day/{teachers_day.pk}/school/{world.s1.pk}/")
    expect(page.locator("#not-called-out")).to_contain_text("Members not called out today")
    page.locator("#not-called-out").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "law-rep-not-called-out.png"), full_page=True)
