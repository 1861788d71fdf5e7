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


@pytest.mark.browser
def test_organiser_reads_four_ballots_and_who_is_out(page, live_server, browser_login, world):
    wales = f.NationFactory(code="W")
    cardiff = f.DistrictFactory(
        region=f.RegionFactory(nation=wales, name="Wales", slug="wales"), la_code="681"
    )
    f.SchoolFactory(district=cardiff, name="Ysgol Glan Ceubal")
    from strikes.rules import rule_sets_ensure

    rule_sets_ensure()
    national = f.RoleFactory(union=world.union, kind="national_organiser").user
    dispute = dispute_create(
        union=world.union,
        title="Pay 2022-23",
        place_kind="nation",
        nations=[world.nation, wales],
        staff_groups=["teacher", "leader", "support"],
        acting_user=national,
        opened_on=dt.date(2022, 10, 1),
    )
    for nation, groups, cast, yes in (
        (world.nation, ["teacher", "leader"], 5327, 4818),
        (wales, ["teacher", "leader"], 5807, 5359),
        (world.nation, ["support"], 4646, 3909),
        (wales, ["support"], 5130, 4528),
    ):
        ballot_record(
            dispute=dispute,
            nations=[nation],
            staff_groups=groups,
            opens_on=dt.date(2022, 10, 31),
            closes_on=dt.date(2023, 1, 13),
            electorate=10_000,
            votes_cast=cast,
            votes_yes=yes,
            votes_no=cast - yes,
            acting_user=national,
        )
    day = strike_day_announce(
        dispute=dispute,
        date=dt.date(2023, 2, 1),
        scope_kind="national",
        acting_user=national,
        today=dt.date(2023, 1, 16),
    )
    SHOTS.mkdir(exist_ok=True)
    browser_login(page, national)
    page.goto(f"{live_server.url}/planning/dispute/{dispute.pk}/")
    expect(page.locator("#ballots")).to_contain_text("Turnout 46.5% is below the 50% threshold")
    page.screenshot(path=str(SHOTS / "law-dispute-2023.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "law-dispute-2023-top.png"))
    page.goto(f"{live_server.url}/planning/day/{day.pk}/")
    expect(page.locator("#call-outs")).to_contain_text(
        "Teachers and leaders are called out; support staff are not"
    )
    page.screenshot(path=str(SHOTS / "law-day-2023.png"), full_page=True)
    page.goto(f"{live_server.url}/planning/dispute/new/")
    page.screenshot(path=str(SHOTS / "law-dispute-new.png"), full_page=True)
