"""On a phone, every tap target on the member, supporter, rep and dashboard pages is at least
44 × 44 CSS px, and each page stays usable at 200%: no sideways scrolling and nothing clipped,
with the text doubled and with the whole page zoomed. Real Chromium at 390 px, screenshots in
test-results/a11y/.

WCAG 2.5.8 exempts a link inside a sentence (its size is set by the line of text); the check
does too. Tables that scroll sideways in their own frame are exempt from reflow (WCAG 1.4.10
names data tables), so what sits inside a scrolling frame is not counted as off the page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from schools.models import Entrance
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("test-results/a11y")
PHONE = {"width": 390, "height": 844}
ZOOMED = {"width": 195, "height": 422}  # a 390 px phone at 200% zoom


def _script(name: str) -> str:
    """An in-page check from tests/browser/js/, without its leading comment."""
    text = (Path(__file__).parent / "js" / name).read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("//"))


TAP_TARGETS = _script("tap_targets.js")
REFLOW = _script("reflow.js")

DOUBLE_TEXT = "() => { document.documentElement.style.fontSize = '34px'; }"  # 17 px × 2


@pytest.fixture
def pages(world):
    """The pages of each kind of person, and who signs in to see them."""
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union), date=timezone.localdate())
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    entrance = Entrance.objects.get(site__school=world.s1, is_main=True)
    line = f.PicketLineFactory(strike_day=day, entrance=entrance)
    shift = f.ShiftFactory(picket_line=line, capacity=6, minimum_wanted=2)
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    f.SignupFactory(shift=shift, user=member)
    # A day ahead too: its pages offer the forms (sign up, join the supporter rota).
    next_week = timezone.localdate() + dt.timedelta(days=7)
    ahead = f.StrikeDayFactory(dispute=day.dispute, date=next_week)
    f.CalledOutSchoolFactory(strike_day=ahead, school=world.s1)
    ahead_line = f.PicketLineFactory(strike_day=ahead, entrance=entrance)
    f.ShiftFactory(picket_line=ahead_line, capacity=6, minimum_wanted=2)
    supporter = f.SupporterFactory()
    f.SignupFactory(shift=shift, user=None, supporter=supporter, is_supporter=True)
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    officer = f.RoleFactory(union=world.union, kind="district_officer", district=world.d1).user
    return {
        "member": (
            member,
            [
                ("home", reverse("members:home")),
                ("strike-days", reverse("strikes:my-strike-days")),
                ("my-shifts", reverse("strikes:my-shifts")),
                ("messages", reverse("members:preferences")),
            ],
        ),
        "supporter": (
            None,
            [
                ("line", reverse("strikes:line-public", args=[ahead_line.public_token])),
                ("line-today", reverse("strikes:line-public", args=[line.public_token])),
                ("rota", reverse("strikes:supporter-confirmed", args=[supporter.token])),
            ],
        ),
        "rep": (
            rep,
            [
                ("rep-home", reverse("strikes:rep-home")),
                ("rep-day", reverse("strikes:rep-day", args=[day.pk, world.s1.pk])),
                ("check-in", reverse("strikes:line-check-in", args=[line.pk])),
                ("report", reverse("strikes:line-report", args=[line.pk])),
                ("share", reverse("strikes:line-share", args=[line.pk])),
            ],
        ),
        "dashboard": (
            officer,
            [
                ("dashboards", reverse("strikes:dashboard-home")),
                ("day", reverse("strikes:dashboard", args=[day.pk]) + f"?district={world.d1.pk}"),
                ("school", reverse("strikes:dashboard-school", args=[day.pk, world.s1.pk])),
            ],
        ),
    }


def _open(page, live_server, browser_login, who, url):
    page.context.clear_cookies()
    if who is not None:
        browser_login(page, who)
    page.goto(live_server.url + url)
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("group", ["member", "supporter", "rep", "dashboard"])
def test_tap_targets_are_at_least_44_px(page, live_server, browser_login, pages, group):
    who, urls = pages[group]
    page.set_viewport_size(PHONE)
    problems = []
    for name, url in urls:
        _open(page, live_server, browser_login, who, url)
        _shot(page, f"tap-{group}-{name}")
        problems += [f"{name}: {p}" for p in page.evaluate(TAP_TARGETS)]
    assert not problems, "Tap targets under 44 px:\n" + "\n".join(problems)


@pytest.mark.parametrize("group", ["member", "supporter", "rep", "dashboard"])
def test_pages_reflow_at_200_percent(page, live_server, browser_login, pages, group):
    who, urls = pages[group]
    problems = []
    for name, url in urls:
        page.set_viewport_size(PHONE)
        _open(page, live_server, browser_login, who, url)
        page.evaluate(DOUBLE_TEXT)
        _shot(page, f"text200-{group}-{name}")
        problems += [f"{name}, text at 200%: {p}" for p in page.evaluate(REFLOW)]
        page.set_viewport_size(ZOOMED)
        page.reload()
        page.wait_for_load_state("networkidle")
        _shot(page, f"zoom200-{group}-{name}")
        problems += [f"{name}, zoomed to 200%: {p}" for p in page.evaluate(REFLOW)]
    page.set_viewport_size(PHONE)
    assert not problems, "Not usable at 200%:\n" + "\n".join(problems)
