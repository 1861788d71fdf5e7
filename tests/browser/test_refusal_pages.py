"""The 403 and 404 pages on a phone: they say why, what to do next, and offer a way on."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("test-results")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"


def test_member_refused_a_rep_page_sees_why_and_the_way_on(
    page, live_server, browser_login, world, rule_sets
):
    member = f.MembershipFactory(
        workplace=world.s1, union=world.union, user__email="ann.member@example.org"
    ).user
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    browser_login(page, member)

    # A member of the school who is not its rep: told why (403) and what to do.
    response = page.goto(live_server.url + reverse("strikes:rep-day", args=[day.pk, world.s1.pk]))
    assert response.status == 403
    expect(page.get_by_role("heading", name="You can't open this page")).to_be_visible()
    expect(page.get_by_text("ask your district office to add your rep role")).to_be_visible()
    expect(page.get_by_text("ann.member@example.org")).to_be_visible()
    home = page.get_by_role("link", name="Go to your start page")
    switch = page.get_by_role("button", name="Sign in as someone else")
    for target in (home, switch):
        expect(target).to_be_visible()
        assert target.bounding_box()["height"] >= 44  # a tap target
    _no_sideways_scroll(page)
    _shot(page, "refusal-403")

    # Another union's day: a 404 that gives nothing away.
    other = f.StrikeDayFactory(dispute=f.DisputeFactory(union=f.UnionFactory(short_name="PCS")))
    response = page.goto(live_server.url + reverse("strikes:dashboard", args=[other.pk]))
    assert response.status == 404
    expect(page.get_by_role("heading", name="We can't find that page")).to_be_visible()
    assert "PCS" not in page.content()
    _no_sideways_scroll(page)
    _shot(page, "refusal-404")

    # An htmx request refused: a small notice at the top of the page, not a swapped-in page.
    page.goto(live_server.url + reverse("strikes:my-shifts"))
    page.evaluate(
        "url => htmx.ajax('GET', url, {target: '#main', swap: 'innerHTML'})",
        reverse("strikes:planning-home"),
    )
    notice = page.locator("#refusal")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Not allowed.")
    expect(page.locator("#main h1").first).to_be_visible()  # the page itself is still there
    _shot(page, "refusal-htmx")


def test_signed_out_visitor_gets_a_404_with_a_sign_in_link(page, live_server):
    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="We can't find that page")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in", exact=True).last).to_be_visible()
    _no_sideways_scroll(page)
    _shot(page, "refusal-404-signed-out")
