"""An organiser watches the dashboard in real Chromium; a report made elsewhere shows up."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from members.models import Role
from schools.models import Entrance
from strikes.services.lines import picket_report_create
from tests import factories as f

LONDON = ZoneInfo("Europe/London")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organiser_sees_figures_chart_map_and_a_new_report(
    page, live_server, browser_login, world, settings
):
    settings.DASHBOARD_REFRESH_SECONDS = 1
    settings.DASHBOARD_CACHE_SECONDS = 0
    cache.clear()  # ids are reused between tests; no map from an earlier test
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union), date=timezone.localdate())
    lines = {}
    cos = {}
    for school in (world.s1, world.s2, world.s3, world.s4):
        cos[school] = f.CalledOutSchoolFactory(strike_day=day, school=school)
        lines[school] = f.PicketLineFactory(
            strike_day=day,
            entrance=Entrance.objects.get(site__school=school, is_main=True),
            pickets_signed_up=2,
        )
    organiser = f.RoleFactory(union=world.union, kind=Role.Kind.NATIONAL_ORGANISER).user
    browser_login(page, organiser)
    page.goto(f"{live_server.url}/dashboard/{day.pk}/")
    expect(page.locator('[data-figure="called_out"]')).to_have_text("4")
    expect(page.locator('[data-figure="pickets"]')).to_have_text("0")
    expect(page.locator("#chart svg")).to_be_visible()
    expect(page.locator("#dash-map")).to_have_attribute("data-loaded", "4")
    expect(page.get_by_role("link", name="Northern")).to_be_visible()

    # A rep reports from Heaton Primary, elsewhere.
    rep = f.RoleFactory(union=world.union, kind=Role.Kind.REP, school=world.s1).user
    # At 09:00 on the day, when reports are open (whatever the hour this test runs at).
    with time_machine.travel(dt.datetime.combine(day.date, dt.time(9), tzinfo=LONDON), tick=False):
        picket_report_create(
            picket_line=lines[world.s1],
            acting_user=rep,
            nonce="elsewhere-1",
            pickets=5,
            school_status="closed",
        )

    expect(page.locator('[data-figure="pickets"]')).to_have_text("5", timeout=15_000)
    expect(page.locator('[data-figure="closed"]')).to_have_text("1")

    # Drill down to the region: the refresh keeps it.
    page.get_by_role("link", name="Northern").click()
    page.wait_for_url(f"**/dashboard/{day.pk}/?region={world.north.pk}*")
    expect(page.get_by_role("link", name="Newcastle upon Tyne")).to_be_visible()
    page.wait_for_timeout(2500)
    expect(page.get_by_role("link", name="Newcastle upon Tyne")).to_be_visible()
    expect(page.locator('[data-figure="called_out"]')).to_have_text("3")
