"""An officer writes a broadcast, sees the email and the text message as they will go and how
many people they reach, sends a copy to themselves, then sends it once. At 390 px in real
Chromium, with screenshots in test-results/broadcast/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from strikes.models import Notification
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("test-results/broadcast")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_officer_previews_sends_to_themselves_then_sends_once(
    page, live_server, browser_login, world, axe_check
):
    officer = f.RoleFactory(union=world.union, kind="district_officer", district=world.d1).user
    members = [f.MembershipFactory(union=world.union, workplace=world.s1).user for _ in range(3)]
    f.MembershipFactory(union=world.union, workplace=world.s2, user__reminders_opt_out=True)
    browser_login(page, officer)
    page.goto(live_server.url + reverse("strikes:broadcast-new"))
    page.get_by_label("members").check()
    page.get_by_label("Subject").fill("Rally on Friday")
    page.get_by_label("Message").fill("Meet at the Civic Centre at noon.\nBring a banner.")
    shot(page, "compose")
    axe_check(page, "broadcast form")
    page.get_by_role("button", name="Preview the message").click()

    count = page.locator("#recipient-count")
    count.wait_for()
    assert "This goes to 3 members in Newcastle upon Tyne district" in count.inner_text()
    assert "Bring a banner." in page.locator("main").inner_text()
    assert "characters: one text message" in page.locator("#sms-length").inner_text()
    assert not Notification.objects.exists()
    shot(page, "preview")
    axe_check(page, "broadcast preview")

    page.get_by_role("button", name="Send to myself first").click()
    page.get_by_text("on its way to you only").wait_for()
    assert list(Notification.objects.values_list("user_id", flat=True)) == [officer.pk]
    shot(page, "sent-to-myself")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Send to 3 members").click()
    page.get_by_text("on its way to 3 members").wait_for()
    shot(page, "sent")
    sent = set(Notification.objects.exclude(user=officer).values_list("user_id", flat=True))
    assert sent == {m.pk for m in members}
