"""The public face in real Chromium at phone width: a parent opens a shared strike-day link,
sees the map and the lines and sends a message of support; the rep approves it; it shows on
the public page and on the rep's page. An organiser publishes and unpublishes a day's page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from schools.models import Entrance
from strikes.services.public import public_page_publish
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("test-results/public")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def watch_csp(page) -> list[str]:
    """Collect the browser's Content-Security-Policy complaints (there must be none)."""
    found: list[str] = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


def _day(world, date):
    day = f.StrikeDayFactory(
        dispute=f.DisputeFactory(union=world.union, title="Fair pay 2026"),
        date=date,
        title="Strike day one",
    )
    spots = {world.s1: (54.98, -1.60), world.s2: (54.99, -1.59), world.s3: (54.95, -1.55)}
    for school, (lat, lng) in spots.items():
        school.latitude, school.longitude = lat, lng
        school.town, school.postcode = "Newcastle", "NE6 5SQ"
        school.save()
        f.CalledOutSchoolFactory(strike_day=day, school=school)
        line = f.PicketLineFactory(
            strike_day=day, entrance=Entrance.objects.get(site__school=school, is_main=True)
        )
        f.ShiftFactory(picket_line=line)
    return day


def test_parent_sends_support_the_rep_approves_it_and_it_shows(
    page, browser, live_server, browser_login, world
):
    day = _day(world, timezone.localdate())
    organiser = f.RoleFactory(union=world.union, kind="national_organiser").user
    public_page_publish(
        acting_user=organiser,
        strike_day=day,
        about="Teachers have had a real-terms pay cut for ten years. We are striking for a "
        "fully funded pay rise.",
    )
    rep = f.RoleFactory(union=world.union, kind="rep", school=world.s1).user

    # A parent opens the shared link: the map, the lines, how to help.
    csp = watch_csp(page)
    page.goto(f"{live_server.url}/public/day/{day.pk}/")
    expect(page.get_by_role("heading", name="NEU strike:")).to_be_visible()
    expect(page.locator("#pl-map")).to_have_attribute("data-loaded", "3")
    expect(page.locator("#pl-map path.pl-base").first).to_be_attached()
    expect(page.get_by_role("heading", name="Heaton Primary")).to_be_visible()
    expect(page.get_by_text("Main entrance").first).to_be_visible()
    page.wait_for_timeout(500)  # clusters settle
    shot(page, "1-parent-public-day")

    page.get_by_role("link", name="Send a message of support to Heaton Primary").click()
    page.get_by_label("Your name or your organisation").fill("Heaton Primary parents")
    page.get_by_label("Your message").fill("The kids miss you, and we are with you all the way!")
    page.get_by_label("Your email or phone (optional)").fill("parents@example.org")
    page.get_by_label("Show my name and message on the public page").check()
    shot(page, "2-parent-support-form")
    page.get_by_role("button", name="Send my message").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    shot(page, "3-parent-thanks")

    # Not shown before a rep approves it.
    school_url = f"{live_server.url}/public/day/{day.pk}/school/{world.s1.pk}/"
    page.goto(school_url)
    expect(page.get_by_text("we are with you all the way")).to_have_count(0)

    # The rep approves it from the queue.
    rep_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    rep_page = rep_context.new_page()
    browser_login(rep_page, rep)
    rep_page.goto(f"{live_server.url}/support/queue/")
    expect(rep_page.get_by_text("The kids miss you")).to_be_visible()
    shot(rep_page, "4-rep-queue")
    rep_page.get_by_role("button", name="Approve").click()
    expect(rep_page.get_by_text("It now shows on the public page.")).to_be_visible()

    # On the rep's strike-morning page, and in public (never the contact).
    rep_page.goto(f"{live_server.url}/rep/day/{day.pk}/school/{world.s1.pk}/")
    expect(rep_page.get_by_role("heading", name="1 message of support")).to_be_visible()
    expect(rep_page.get_by_text("The kids miss you")).to_be_visible()
    shot(rep_page, "5-rep-day-support")
    rep_context.close()

    # The page was fetched before the approval and may be cached for a minute (Cache-Control:
    # public, max-age=60), as a proxy would; a reload asks again.
    page.goto(school_url)
    page.reload()
    expect(page.get_by_text("The kids miss you")).to_be_visible()
    expect(page.get_by_text("Heaton Primary parents")).to_be_visible()
    assert "parents@example.org" not in page.content()
    shot(page, "6-public-school-with-message")
    assert csp == []


def test_organiser_publishes_and_unpublishes_a_days_page(
    page, live_server, browser_login, world, rule_sets
):
    day = _day(world, timezone.localdate() + dt.timedelta(days=10))
    organiser = f.RoleFactory(union=world.union, kind="national_organiser").user
    public_url = f"{live_server.url}/public/day/{day.pk}/"
    assert page.goto(public_url).status == 404

    browser_login(page, organiser)
    page.goto(f"{live_server.url}/planning/day/{day.pk}/")
    box = page.locator("#public-page")
    expect(box.get_by_text("Not published")).to_be_visible()
    box.get_by_label("What the dispute is about, in the union's words").fill(
        "We are striking for a fully funded pay rise."
    )
    box.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The public page is published")).to_be_visible()
    expect(page.locator("#public-page").get_by_text("Published", exact=True)).to_be_visible()
    shot(page, "7-organiser-published")

    response = page.goto(public_url)
    assert response.status == 200
    assert "public" in response.headers["cache-control"]
    expect(page.get_by_text("fully funded pay rise")).to_be_visible()

    page.goto(f"{live_server.url}/planning/day/{day.pk}/")
    page.locator("#public-page").get_by_role("button", name="Unpublish").click()
    expect(page.get_by_text("The public page is taken down.")).to_be_visible()
    shot(page, "8-organiser-unpublished")
    page.goto(public_url)
    assert page.reload().status == 404  # reload: the browser may keep the page for a minute
