"""What junk and the day's window look like on a phone (390 px): a 2,000-character unbroken
note wraps inside the report page, the check-in page before the window says when it opens, and
the input guard's refusal reads as a page of ours."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from strikes.services.lines import picket_report_create
from tests import factories as f

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _line(world):
    day = f.StrikeDayFactory(
        dispute=f.DisputeFactory(union=world.union),
        date=timezone.localdate() + dt.timedelta(days=2),
    )
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    line = f.PicketLineFactory(strike_day=day, entrance=world.s1.sites.get().entrances.get())
    shift = f.ShiftFactory(picket_line=line)
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    return line, shift, rep


def test_a_long_unbroken_note_wraps_inside_the_page(page, live_server, browser_login, world):
    line, shift, rep = _line(world)
    with f.on_the_day(shift):
        picket_report_create(
            picket_line=line, acting_user=rep, nonce="long", pickets=3, notes="x" * 2000
        )
    browser_login(page, rep)
    with time_machine.travel(shift.starts_at):
        page.goto(live_server.url + reverse("strikes:line-report", args=[line.pk]))
        expect(page.locator(".report-entry")).to_have_count(1)
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(SHOTS / "report-long-note-390.png"), full_page=True)
    assert width <= 390


def test_check_in_before_the_window_says_when_it_opens(page, live_server, browser_login, world):
    line, shift, rep = _line(world)
    browser_login(page, rep)
    page.goto(live_server.url + reverse("strikes:line-check-in", args=[line.pk]))
    opens = timezone.localtime(shift.starts_at - dt.timedelta(hours=1))
    expect(page.locator("#window-closed")).to_contain_text(f"open at {opens:%H:%M}")
    page.screenshot(path=str(SHOTS / "check-in-before-window-390.png"), full_page=True)


def test_a_nul_byte_in_the_address_gets_a_page_that_says_what_to_do(page, live_server, world):
    page.goto(live_server.url + "/my-strike-days/?school=%00")
    expect(page.get_by_role("heading", name="We could not take that")).to_be_visible()
    page.screenshot(path=str(SHOTS / "input-refused-390.png"), full_page=True)
