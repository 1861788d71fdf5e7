"""The Content-Security-Policy as it ships, in real Chromium: no violations, htmx still swaps."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from schools.models import Entrance
from tests import factories as f

SHOTS = Path(__file__).resolve().parents[2] / "test-results"

# Record every violation the page reports, from before its first script runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def line(transactional_db, world):
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    line = f.PicketLineFactory(
        strike_day=day, entrance=Entrance.objects.get(site__school=world.s1, is_main=True)
    )
    line.test_shift = f.ShiftFactory(picket_line=line, capacity=6, minimum_wanted=2)
    return line


@pytest.mark.browser
def test_htmx_swaps_under_the_policy_with_no_violations(
    page, live_server, browser_login, world, line
):
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(LISTEN)
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    browser_login(page, member)

    response = page.goto(f"{live_server.url}/my-strike-days/")
    policy = response.headers["content-security-policy"]
    assert "style-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    # htmx has loaded and was told not to inject its own <style> element.
    assert page.evaluate("window.htmx.config.includeIndicatorStyles") is False
    assert page.locator("head style").count() == 0

    shift = page.locator(f"#shift-{line.test_shift.pk}")
    with page.expect_request(lambda request: request.headers.get("hx-request") == "true"):
        shift.get_by_role("button", name="Sign up").click()
    expect(page.locator(f"#shift-{line.test_shift.pk}")).to_contain_text("You're signed up")
    expect(page.locator(".messages")).to_have_count(0)  # swapped in place, no page load
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "csp-htmx-swap.png"), full_page=True)

    assert page.evaluate("window.__cspViolations") == []
    assert [text for text in console if "Content Security Policy" in text] == []


@pytest.mark.browser
def test_the_check_catches_an_inline_style(page, live_server, allow_sync_orm_in_browser_tests):
    """The listener above does see a violation: an inline <style> is refused and reported."""
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>body{color:red}</style>')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__cspViolations")[0].startswith("style-src")
