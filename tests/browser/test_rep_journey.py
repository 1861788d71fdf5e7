"""A rep's morning on a phone: shifts from a pattern, check-in, a walk-up and two reports."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from strikes.models import PicketReport, Shift, Signup
from tests import factories as f


@pytest.mark.browser
def test_rep_sets_up_shifts_checks_in_and_reports(
    transactional_db, world, rule_sets, live_server, page, browser_login, request
):
    union = world.union
    day = f.StrikeDayFactory(
        dispute=f.DisputeFactory(union=union),
        title="Pay strike",
        date=timezone.localdate() + dt.timedelta(days=2),
    )
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    rep = f.RoleFactory(kind="rep", school=world.s1, union=union).user
    ann = f.MembershipFactory(workplace=world.s1, union=union, user__full_name="Ann Picket").user
    bob = f.MembershipFactory(workplace=world.s1, union=union, user__full_name="Bob Picket").user
    browser_login(page, rep)

    # Before the day: the rep's page, then shifts from the pattern.
    page.goto(live_server.url + reverse("strikes:rep-home"))
    expect(page.get_by_role("heading", name="Heaton Primary")).to_be_visible()
    page.get_by_role("link", name="Set up shifts and see who is coming").click()
    page.get_by_role("button", name="Add these shifts").click()
    expect(page.get_by_text("2 shifts added.")).to_be_visible()
    assert Shift.objects.filter(picket_line__school=world.s1).count() == 2
    # The members not signed up come in after the page (htmx on load), each with a nudge.
    nudges = page.locator("#not-signed-up")
    expect(nudges).to_contain_text("2 members have not signed up.")
    expect(nudges.get_by_role("button", name="Nudge", exact=True)).to_have_count(2)
    first = Shift.objects.order_by("starts_at").first()
    for person in (ann, bob):
        f.SignupFactory(shift=first, user=person)
    Shift.objects.filter(pk=first.pk).update(booked=2)

    # On the day (check-in and reports open an hour before the first shift): check two people
    # in (htmx swaps the rows), add a walk-up.
    morning = time_machine.travel(first.starts_at - dt.timedelta(minutes=30))
    morning.start()
    request.addfinalizer(morning.stop)
    line = first.picket_line
    page.goto(live_server.url + reverse("strikes:line-check-in", args=[line.pk]))
    for person in ("Ann Picket", "Bob Picket"):
        row = page.locator("li.person", has_text=person)
        row.get_by_role("button", name="Check in").click()
        expect(page.locator("li.person", has_text=person).locator(".state")).to_have_text("Here")
    assert Signup.objects.filter(shift=first, status="arrived").count() == 2
    section = page.locator(f"#shift-{first.pk}")
    section.get_by_label("Add a walk-up").fill("Sam Walker")
    section.get_by_role("button", name="Add and check in").click()
    expect(section.locator("li.person", has_text="Sam Walker")).to_be_visible()
    expect(section.locator(".presence")).to_have_text("2 of 2 here (+1 walk-up)")

    # Two reports; the timeline shows both, newest first.
    page.goto(live_server.url + reverse("strikes:line-report", args=[line.pk]))
    page.get_by_label("Open with restricted attendance").check()
    page.get_by_label("Pickets here").fill("3")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#timeline")).to_contain_text(re.compile(r"Report sent at \d\d:\d\d"))
    expect(page.locator(".report-entry")).to_have_count(1)
    page.get_by_label("Closed").check()
    page.get_by_label("Pickets here").fill("5")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".report-entry")).to_have_count(2)
    expect(page.locator(".report-entry").first).to_contain_text("Closed")
    expect(page.locator(".report-entry").last).to_contain_text("restricted attendance")
    assert PicketReport.objects.filter(picket_line=line).count() == 2
