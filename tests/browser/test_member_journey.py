"""Journeys on a phone in real Chromium: a member signs up and cancels; a supporter joins."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from schools.models import Entrance
from strikes.models import Signup
from tests import factories as f


@pytest.fixture
def line(transactional_db, world):
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    line = f.PicketLineFactory(
        strike_day=day, entrance=Entrance.objects.get(site__school=world.s1, is_main=True)
    )
    line.test_shift = f.ShiftFactory(picket_line=line, capacity=6, minimum_wanted=2)
    return line


@pytest.mark.browser
def test_member_signs_up_sees_my_shifts_and_cancels(page, live_server, browser_login, world, line):
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    browser_login(page, member)
    page.goto(f"{live_server.url}/my-strike-days/")
    shift = page.locator(f"#shift-{line.test_shift.pk}")
    expect(shift).to_contain_text("0 of 6 places taken")
    shift.get_by_role("button", name="Sign up").click()
    expect(page.locator(f"#shift-{line.test_shift.pk}")).to_contain_text("You're signed up")
    expect(page.locator(f"#shift-{line.test_shift.pk}")).to_contain_text("1 of 6 places taken")
    # Swapped in place by htmx: no page load, so no flash message.
    expect(page.locator(".messages")).to_have_count(0)

    page.get_by_role("link", name="My shifts").first.click()
    expect(page).to_have_url(re.compile(r"/my-shifts/$"))
    expect(page.locator("main")).to_contain_text(world.s1.name)
    expect(page.get_by_role("link", name="Add to calendar")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("main").get_by_role("button", name="Cancel").click()
    expect(page.locator("main")).to_contain_text("You have no upcoming shifts")
    assert Signup.objects.get(user=member).status == "cancelled"


@pytest.mark.browser
def test_supporter_joins_from_the_public_link(
    page, live_server, allow_sync_orm_in_browser_tests, line
):
    page.goto(f"{live_server.url}/line/{line.public_token}/")
    expect(page.locator("h1")).to_contain_text("Support the picket")
    page.get_by_label("Your name").fill("Pat Neighbour")
    page.get_by_label("Email address").fill("pat@example.net")
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Join the rota").click()
    expect(page.locator("h1")).to_contain_text("Thank you, Pat Neighbour")
    signup = Signup.objects.get(is_supporter=True)
    assert signup.user_id is None
    page.get_by_role("link", name=re.compile("Cancel")).click()
    page.get_by_role("button", name="Yes, cancel").click()
    expect(page.locator("h1")).to_contain_text("off the rota")
    signup.refresh_from_db()
    assert signup.status == "cancelled"


@pytest.mark.browser
def test_district_officer_joins_a_shift_from_the_dashboard_school_page(
    page, live_server, browser_login, world, line
):
    officer = f.RoleFactory(union=world.union, kind="district_officer", district=world.d1).user
    browser_login(page, officer)
    page.goto(f"{live_server.url}/dashboard/{line.strike_day_id}/school/{world.s1.pk}/")
    expect(page.get_by_role("link", name="Run this school's lines")).to_be_visible()
    page.get_by_role("link", name="Join a shift here").click()
    expect(page.locator("h1")).to_have_text(f"Strike days at {world.s1.name}")
    shift = page.locator(f"#shift-{line.test_shift.pk}")
    shift.get_by_role("button", name="Sign up").click()
    expect(page.locator(f"#shift-{line.test_shift.pk}")).to_contain_text("You're signed up")
    # Their own strike-days page now carries the school they joined.
    page.get_by_role("link", name="Back to your strike days").click()
    expect(page.locator("h1")).to_have_text("Your strike days")
    expect(page.locator(f"#shift-{line.test_shift.pk}")).to_contain_text("You're signed up")
    assert Signup.objects.get(user=officer).shift_id == line.test_shift.pk
