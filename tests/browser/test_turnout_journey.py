"""Get the vote out, on phones: a member taps "I've voted" from the message link; the rep's
chase list shrinks and the school's figure rises; the district officer's board shows it; the
national organiser sees the national board."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from members.models import Role
from strikes.models import Notification
from strikes.services.delivery import notification_deliver
from strikes.services.turnout import tracked_ballot_create
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("test-results/turnout")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_member_votes_from_the_link_and_every_board_shows_it(
    page, browser, browser_context_args, live_server, browser_login, world, settings
):
    settings.SITE_URL = live_server.url
    today = timezone.localdate()
    union = world.union
    ann = f.MembershipFactory(
        union=union, workplace=world.s1, user__full_name="Ann Teacher", staff_group="teacher"
    )
    for name in ("Bob Teacher", "Cat Teacher"):
        f.MembershipFactory(
            union=union, workplace=world.s1, user__full_name=name, staff_group="teacher"
        )
    for school in (world.s2, world.s3, world.s4):
        f.MembershipFactory(union=union, workplace=school, staff_group="teacher")
    national = f.RoleFactory(union=union, kind=Role.Kind.NATIONAL_ORGANISER).user
    rep = f.RoleFactory(union=union, kind=Role.Kind.REP, school=world.s1).user
    district = f.RoleFactory(union=union, kind=Role.Kind.DISTRICT_OFFICER, district=world.d1).user
    tracked = tracked_ballot_create(
        union=union,
        title="Pay ballot 2027",
        opens_on=today - dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=14),
        staff_groups=["teacher"],
        acting_user=national,
    )

    # The rep's chase list: three not yet voted, with how to reach them.
    browser_login(page, rep)
    page.goto(f"{live_server.url}/turnout/")
    page.get_by_role("link", name="Chase list: Heaton Primary").click()
    expect(page.locator('[data-figure="not-yet"]')).to_have_text("3")
    expect(page.locator('[data-figure="voted"]')).to_have_text("0")
    expect(page.locator("#not-yet-list")).to_contain_text("Ann Teacher")
    _shot(page, "1-rep-chase-list")
    page.get_by_role("button", name="Message everyone not yet voted").click()
    expect(page.get_by_text("3 messages queued")).to_be_visible()

    # Ann's message goes out; she opens its link on her phone, signed out.
    row = Notification.objects.get(kind=Notification.Kind.TURNOUT, user=ann.user)
    mail.outbox.clear()
    assert notification_deliver(notification_id=row.pk) == "sent"
    link = re.search(r"https?://\S+/turnout/v/\S+/", mail.outbox[0].body).group(0)
    member = browser.new_context(**browser_context_args).new_page()
    member.goto(link)
    expect(member.get_by_text("We never ask how you voted.")).to_be_visible()
    _shot(member, "2-member-link")
    member.get_by_role("button", name="I've voted").click()
    expect(member.get_by_text("Thank you for voting.")).to_be_visible()
    _shot(member, "3-member-voted")

    # The rep's list shrinks and the school's figure rises.
    page.reload()
    expect(page.locator('[data-figure="not-yet"]')).to_have_text("2")
    expect(page.locator('[data-figure="voted"]')).to_have_text("1")
    expect(page.locator("#not-yet-list")).not_to_contain_text("Ann Teacher")
    # The rep marks Bob (he told them at lunch); the list shrinks again in place.
    page.locator("li.elector", has_text="Bob Teacher").get_by_role("button", name="Voted").click()
    expect(page.locator('[data-figure="not-yet"]')).to_have_text("1")
    expect(page.locator('[data-figure="turnout"]')).to_have_text("66.7%")
    _shot(page, "4-rep-after")

    # The district officer's board: Heaton Primary at 2 of 3.
    officer = browser.new_context(**browser_context_args).new_page()
    browser_login(officer, district)
    officer.goto(f"{live_server.url}/turnout/{tracked.pk}/board/")
    expect(officer.get_by_role("heading", name=re.compile("Newcastle upon Tyne"))).to_be_visible()
    heaton = officer.locator(f'tr[data-place="{world.s1.pk}"]')
    expect(heaton.locator('[data-col="voted"]')).to_have_text("2")
    expect(heaton.locator('[data-col="turnout"]')).to_have_text("66.7%")
    _shot(officer, "5-district-board")

    # The national organiser's board: the whole union, by nation.
    boss = browser.new_context(**browser_context_args).new_page()
    browser_login(boss, national)
    boss.goto(f"{live_server.url}/turnout/{tracked.pk}/board/")
    expect(boss.locator('[data-figure="voted"]')).to_have_text("2")
    expect(boss.locator('[data-figure="turnout"]')).to_have_text("33.3%")
    expect(boss.get_by_role("link", name="England")).to_be_visible()
    _shot(boss, "6-national-board")
    boss.get_by_role("link", name="England").click()
    expect(boss.get_by_role("link", name="Northern")).to_be_visible()
    _shot(boss, "7-nation-board")
