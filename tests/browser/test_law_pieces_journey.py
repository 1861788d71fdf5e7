"""An organiser announces a day in a recorded school holiday with notice given earlier than
today, reads the warnings and the notice on the day's page, and finds a school by its former
name with the type-ahead, in real Chromium at phone size."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.utils import timezone

from schools.models import SchoolFormerName, SchoolHoliday
from strikes.models import StrikeDay
from strikes.services.planning import ballot_record, dispute_create
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR", "")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_holiday_warning_notice_date_and_former_name_search(
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
        opens_on=today - dt.timedelta(days=50),
        closes_on=today - dt.timedelta(days=20),
        electorate=1000,
        votes_cast=600,
        votes_yes=500,
        votes_no=100,
        acting_user=organiser,
    )
    strike_date = today + dt.timedelta(days=7)
    notice_on = today - dt.timedelta(days=5)  # 12 days' notice: enough under the 2025 Act
    SchoolHoliday.objects.create(
        name="winter break",
        first_day=strike_date,
        last_day=strike_date + dt.timedelta(days=2),
        district=world.d1,
    )
    SchoolFormerName.objects.create(school=world.s3, name="Felling Grammar School")
    browser_login(page, organiser)

    page.goto(f"{live_server.url}/planning/dispute/{dispute.pk}/announce/")
    announce = page.locator("#announce-form")
    assert announce.locator("input[name=notice_given_on]").input_value() == today.isoformat()
    announce.locator("input[name=date]").fill(strike_date.isoformat())
    announce.locator("input[name=notice_given_on]").fill(notice_on.isoformat())
    announce.locator("input[name=scope_kind][value=national]").check()
    shot(page, "law-announce-form")

    # The type-ahead finds Felling Academy by the name it had before.
    page.locator("#school-q").fill("grammar")
    results = page.locator("#school-results")
    results.get_by_text("formerly Felling Grammar School").wait_for()
    assert "Felling Academy" in results.inner_text()
    shot(page, "law-former-name-search")

    announce.get_by_role("button", name="Announce the day").click()
    page.get_by_text("Strike day announced").wait_for()
    day = StrikeDay.objects.get()
    assert day.notice_given_on == notice_on
    box = page.locator("#holiday-warnings")
    assert "is in the winter break for 2 of the 4 schools called out (Newcastle upon Tyne)" in (
        box.inner_text()
    )
    assert "No school term dates are recorded" in box.inner_text()
    notice = page.locator("#notice").inner_text()
    assert f"Notice given to the employers on {notice_on.day} {notice_on:%B %Y}" in notice
    assert "12 days before the day" in notice
    axe_check(page, "strike day page with holiday warnings")
    shot(page, "law-day-page")
