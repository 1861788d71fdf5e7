"""An organiser records a ballot, reads the verdict, announces a regional day and cancels it
for one district, in real Chromium."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from strikes.models import CalledOutSchool, PicketLine, Shift, StrikeDay
from strikes.services.planning import dispute_create
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organiser_plans_a_regional_day_and_cancels_it_for_one_district(
    page, live_server, browser_login, world, rule_sets
):
    organiser = f.RoleFactory(union=world.union, kind="national_organiser").user
    dispute_create(
        union=world.union,
        title="Pay 2026",
        nations=[world.nation],
        staff_groups=["teacher"],
        acting_user=organiser,
    )
    today = timezone.localdate()
    strike_date = today + dt.timedelta(days=21)
    browser_login(page, organiser)

    # Record a ballot and read the verdict.
    page.goto(f"{live_server.url}/planning/")
    page.get_by_role("link", name="Pay 2026").click()
    form = page.locator("#ballot-form")
    form.locator("select[name=kind]").select_option("postal")
    form.locator("input[name=opens_on]").fill((today - dt.timedelta(days=50)).isoformat())
    form.locator("input[name=closes_on]").fill((today - dt.timedelta(days=20)).isoformat())
    form.locator("input[name=electorate]").fill("1000")
    form.locator("input[name=votes_cast]").fill("520")
    form.locator("input[name=votes_yes]").fill("470")
    form.locator("input[name=votes_no]").fill("50")
    form.get_by_role("button", name="Record the ballot").click()
    ballot = page.locator("article.ballot").first
    ballot.locator(".verdict").wait_for()
    assert ballot.locator(".verdict").inner_text() == "Mandate"
    assert "Turnout 52% meets the 50% threshold" in ballot.inner_text()
    assert "guidance as at" in ballot.inner_text()

    # Announce a day for the Northern region.
    page.get_by_role("link", name="Announce a strike day").click()
    announce = page.locator("#announce-form")
    announce.locator("input[name=date]").fill(strike_date.isoformat())
    announce.locator("input[name=scope_kind][value=region]").check()
    announce.locator(f"input[name=regions][value='{world.north.pk}']").check()
    announce.get_by_role("button", name="Announce the day").click()
    page.get_by_text("Strike day announced").wait_for()

    # The picket lines appear, with their default shifts, for the region's three schools.
    day = StrikeDay.objects.get()
    assert PicketLine.objects.filter(strike_day=day).count() == 3
    assert Shift.objects.filter(picket_line__strike_day=day).count() == 6
    row = page.locator(f"#areas tr[data-district='{world.d1.pk}']")
    assert row.locator(".lines").inner_text() == "2"
    assert page.locator("#areas").inner_text().count("Northern") == 2
    day_url = page.url

    # A school's page shows its picket line.
    page.goto(f"{live_server.url}/planning/dispute/{day.dispute_id}/calendar/?urn={world.s3.urn}")
    school_day = page.locator(f"article.school-day[data-day='{day.pk}']")
    assert "Called out" in school_day.inner_text()
    assert "Picket line at Main site: Main entrance · 2 shifts" in school_day.inner_text()
    page.goto(day_url)

    # Cancel it for Gateshead only.
    page.get_by_text("Cancel for part of the scope").click()
    cancel = page.locator("#cancel-form")
    cancel.locator("input[name=cancel-part][value=district]").check()
    cancel.locator(f"input[name=cancel-districts][value='{world.d2.pk}']").check()
    page.once("dialog", lambda dialog: dialog.accept())
    cancel.get_by_role("button", name="Cancel the day there").click()
    page.get_by_text("Cancelled for 1 school").wait_for()
    cancelled = CalledOutSchool.objects.filter(strike_day=day, cancelled_at__isnull=False)
    assert list(cancelled.values_list("school_id", flat=True)) == [world.s3.pk]
    page.goto(f"{live_server.url}/planning/dispute/{day.dispute_id}/calendar/?urn={world.s3.urn}")
    assert "Cancelled here" in page.locator(f"article.school-day[data-day='{day.pk}']").inner_text()
