"""A rep's strike morning and sharing a line, on a phone in real Chromium.

Screenshots go to test-results/ (git-ignored) to be looked at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from members.models import Role
from strikes.models import PicketLine, PicketReport, Shift, Signup
from strikes.services import lines as svc
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-results"
NO_SIDEWAYS_SCROLL = (
    "[...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth)"
    " && document.documentElement.scrollWidth <= window.innerWidth"
)


def shot(page, name: str, **kw) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"morning-{name}.png"), full_page=True, **kw)


def _day_with_lines(world, rule_sets, *, date=None, booked=0):
    day = f.StrikeDayFactory(
        dispute=f.DisputeFactory(union=world.union),
        title="Pay strike",
        **({"date": date} if date else {}),
    )
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    svc.shifts_create_from_pattern(
        strike_day=day, school=world.s1, capacity=6, minimum_wanted=2, acting_user=rep
    )
    line = PicketLine.objects.get(strike_day=day, school=world.s1, entrance__is_main=True)
    shift = line.shifts.order_by("starts_at").first()
    names = ["Ann", "Bob", "Cat", "Dev", "Eve", "Fay"][:booked]
    for name in names:
        user = f.MembershipFactory(
            workplace=world.s1, union=world.union, user__full_name=f"{name} Picket"
        ).user
        f.SignupFactory(shift=shift, user=user)
    Shift.objects.filter(pk=shift.pk).update(booked=len(names))
    return day, rep, line, shift


def test_rep_shares_a_line_prints_its_poster_and_a_parent_joins(
    world, rule_sets, live_server, page, browser_login, browser
):
    day, rep, line, shift = _day_with_lines(world, rule_sets)
    browser_login(page, rep)
    page.goto(live_server.url + reverse("strikes:rep-home"))
    shot(page, "home-before-the-day")
    # The "Needs 2" badge sits inside its card at 390 px.
    badge = page.locator(".badge.bad", has_text="Needs 2").first
    card = page.locator("section.school").first
    b, c = badge.bounding_box(), card.bounding_box()
    assert b["x"] + b["width"] <= c["x"] + c["width"]
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # The set-up form: an error beside its field, what was typed kept; overlaps only warn.
    page.get_by_role("link", name="Set up shifts and see who is coming").click()
    page.get_by_label("Shift times").fill("07:00-08:00, half nine")
    page.get_by_role("button", name="Add these shifts").click()
    slots = page.get_by_label("Shift times")
    expect(slots).to_have_value("07:00-08:00, half nine")
    expect(slots).to_have_attribute("aria-describedby", re.compile("id_slots_error"))
    expect(page.locator("#id_slots_error")).to_contain_text("“half nine” is not a time range")
    shot(page, "pattern-error")
    slots.fill("07:00-08:00")
    page.get_by_role("button", name="Add these shifts").click()
    expect(page.get_by_text(re.compile("These shifts overlap"))).to_be_visible()
    shot(page, "pattern-overlap-warning")
    page.goto(live_server.url + reverse("strikes:rep-home"))

    page.get_by_role("link", name="Share and poster").first.click()
    expect(page.get_by_role("heading", name="Share this picket line")).to_be_visible()
    public_url = page.get_by_label("Supporter link").input_value()
    assert public_url.endswith(reverse("strikes:line-public", args=[line.public_token]))
    shot(page, "share")

    page.get_by_role("link", name="Print the supporters' poster").click()
    expect(page.get_by_role("heading", name="Support our picket line")).to_be_visible()
    expect(page.locator(".poster-times")).to_have_text("07:00–08:00 · 07:30–08:30 · 08:30–09:30")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    shot(page, "poster-print")
    pdf = page.pdf(format="A4", print_background=True, path=str(SHOTS / "morning-poster.pdf"))
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one A4 sheet
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 844})

    # The members' poster, from the share page.
    page.go_back()
    page.get_by_role("link", name="Print the members' poster").click()
    expect(page.get_by_role("heading", name="We are on strike")).to_be_visible()
    expect(page.get_by_text(f"{day.date:%A %-d %B %Y}")).to_be_visible()
    shot(page, "member-poster")

    # A parent opens the link on their own phone and joins the supporter rota.
    parent = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = parent.new_page()
    phone.goto(public_url)
    phone.get_by_label("07:30–08:30").check()
    phone.get_by_label("Your name").fill("Pat Parent")
    phone.get_by_label("Email address").fill("pat@example.net")
    phone.get_by_label(re.compile("I agree")).check()
    phone.get_by_role("button", name=re.compile("Join")).click()
    expect(phone.get_by_text(re.compile("Thank you", re.I)).first).to_be_visible()
    shot(phone, "parent-joined")
    parent.close()
    assert Signup.objects.filter(shift=shift, is_supporter=True).count() == 1


def test_strike_morning_check_in_undo_walk_up_and_a_three_tap_report(
    world, rule_sets, strike_morning, live_server, page, browser_login, settings
):
    settings.DASHBOARD_CACHE_SECONDS = 0
    cache.clear()
    day, rep, line, shift = _day_with_lines(world, rule_sets, date=timezone.localdate(), booked=6)
    later = f.StrikeDayFactory(dispute=day.dispute, title="Second strike")
    f.CalledOutSchoolFactory(strike_day=later, school=world.s1)
    browser_login(page, rep)

    # The rep's home opens on today's line, ahead of the later day.
    page.goto(live_server.url + reverse("strikes:rep-home"))
    expect(page.get_by_role("heading", name="Today's picket lines")).to_be_visible()
    expect(page.locator(".today .presence").first).to_contain_text("0 of 6 here")
    shot(page, "home-today")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.locator(".today").get_by_role("link", name="Check in").click()

    section = page.locator(f"#shift-{shift.pk}")
    for name in ("Ann", "Bob", "Cat", "Dev", "Eve", "Fay"):
        row = section.locator("li.person", has_text=f"{name} Picket")
        box = row.get_by_role("button", name=re.compile("Check in")).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        row.get_by_role("button", name=re.compile("Check in")).click()
        expect(row.locator(".state")).to_have_text("Here")
    expect(section.locator(".presence")).to_have_text("6 of 6 here")
    section.locator("li.person", has_text="Cat Picket").get_by_role("button", name="Undo").click()
    expect(section.locator("li.person", has_text="Cat Picket").locator(".state")).to_have_text(
        "Expected"
    )
    expect(section.locator(".presence")).to_have_text("5 of 6 here")
    section.get_by_label("Add a walk-up").fill("Sam Walker")
    section.get_by_role("button", name="Add and check in").click()
    expect(section.locator(".presence")).to_have_text("5 of 6 here (+1 walk-up)")
    expect(section.get_by_label("Add a walk-up")).to_have_value("")
    assert page.evaluate("window.scrollY") > 0  # no reload to the top
    shot(page, "check-in")
    assert Signup.objects.filter(shift=shift, status="arrived").count() == 6

    # The report: three taps (Report, the status, Send), counts already filled in.
    page.get_by_role("link", name="Report").first.click()
    expect(page.get_by_label("Pickets here")).to_have_value("6")
    page.get_by_label("Closed", exact=True).check()
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#timeline")).to_contain_text(re.compile(r"Report sent at \d\d:\d\d"))
    expect(page.locator(".report-entry")).to_have_count(1)
    expect(page.get_by_label("Closed", exact=True)).to_be_checked()
    shot(page, "report")
    report = PicketReport.objects.get(picket_line=line)
    assert report.pickets == 6 and report.school_status == "closed"

    # It shows on the district dashboard.
    officer = f.RoleFactory(union=world.union, kind=Role.Kind.DISTRICT_OFFICER, district=world.d1)
    browser_login(page, officer.user)
    page.goto(live_server.url + reverse("strikes:dashboard-school", args=[day.pk, world.s1.pk]))
    expect(page.get_by_text(re.compile(r"Latest report at \d\d:\d\d"))).to_be_visible()
    expect(page.locator(f"#line-{line.pk}")).to_contain_text("6 pickets")
    shot(page, "dashboard-school")
