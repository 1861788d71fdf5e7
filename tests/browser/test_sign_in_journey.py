"""A real Chromium on a phone-sized screen: sign in by emailed code, land on your role's page."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import Page, expect

from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_signs_in_by_emailed_code_and_lands_on_rep_home(
    page: Page, live_server, world, allow_sync_orm_in_browser_tests
):
    rep = f.RoleFactory(
        union=world.union, kind="rep", school=world.s1, user__email="rep@example.org"
    ).user
    f.MembershipFactory(union=world.union, workplace=world.s1, user=rep)
    EmailAddress.objects.create(user=rep, email="rep@example.org", primary=True, verified=True)

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign in with your email").click()
    page.goto(live_server.url + "/accounts/login/code/")
    page.get_by_label("Email").fill("rep@example.org")
    page.get_by_role("button", name=re.compile("code", re.IGNORECASE)).click()

    expect(page.get_by_label("Code")).to_be_visible()
    code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4})", mail.outbox[-1].body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.get_by_role("link", name="Set up shifts, check in and report")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("My school")
