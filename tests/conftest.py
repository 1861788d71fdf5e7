"""Shared fixtures: the rule sets, a small world, and the real-browser set-up."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from tests import factories as f

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_configure(config: pytest.Config) -> None:
    # Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
    # themselves are still plain synchronous calls, so Django's async guard is lifted for tests.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL")
    skip_browser = pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM}")
    for item in items:
        if "postgres" in item.keywords and not _on_postgres():
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)
        if "browser" in item.keywords and not os.path.exists(CHROMIUM):
            item.add_marker(skip_browser)


@pytest.fixture(scope="session", autouse=True)
def _security_settings() -> None:
    """Officers must have an authenticator app in every test, whatever `.env` says (the
    officer factories give them one: tests/factories.py ``with_totp``). The public-link rate
    limits are raised: they have their own tests (tests/members/test_security.py), and one test
    client posting many times from one address must not trip them elsewhere."""
    # Set on the settings themselves (not override_settings, which hides SETTINGS_MODULE).
    settings.OFFICER_MFA_REQUIRED = True
    settings.PUBLIC_RATE_LIMIT_WRITES = "100000/60"
    settings.PUBLIC_RATE_LIMIT_READS = "100000/60"
    settings.SUPPORTER_JOIN_RATE_LIMIT = "100000/60"
    settings.SUPPORT_MESSAGE_RATE_LIMIT = "100000/60"


@pytest.fixture
def strike_morning():
    """The clock at 10:00 London today, ticking: a strike day "today" is then inside its
    check-in and report window (which opens an hour before the first shift) whenever the suite
    runs, past midnight included."""
    at = dt.datetime.combine(timezone.localdate(), dt.time(10, 0), tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(at, tick=True):
        yield at


@pytest.fixture
def rule_sets(db: None) -> None:
    """The two UK regimes, as the data migration seeds them."""
    from strikes.rules import rule_sets_ensure

    rule_sets_ensure()


@pytest.fixture
def union(db: None):
    return f.UnionFactory()


@pytest.fixture
def world(db: None, union):
    """Two regions, two districts in one and one in the other, a school in each district."""
    england = f.NationFactory(code="E")
    north = f.RegionFactory(nation=england, name="Northern", slug="northern")
    south = f.RegionFactory(nation=england, name="London", slug="london")
    d1 = f.DistrictFactory(region=north, name="Newcastle upon Tyne", la_code="391")
    d2 = f.DistrictFactory(region=north, name="Gateshead", la_code="390")
    d3 = f.DistrictFactory(region=south, name="Camden", la_code="202")
    s1 = f.SchoolFactory(district=d1, name="Heaton Primary")
    s2 = f.SchoolFactory(district=d1, name="Jesmond High")
    s3 = f.SchoolFactory(district=d2, name="Felling Academy")
    s4 = f.SchoolFactory(district=d3, name="Holborn Primary")

    class World:
        pass

    w = World()
    w.union = union
    w.nation = england
    w.north, w.south = north, south
    w.d1, w.d2, w.d3 = d1, d2, d3
    w.s1, w.s2, w.s3, w.s4 = s1, s2, s3, s4
    return w


# --- Real Chromium through Playwright -------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, never a downloaded browser; no calls home."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A phone: the people outside the school gate use one."""
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "locale": "en-GB",
        "timezone_id": "Europe/London",
    }


@pytest.fixture
def allow_sync_orm_in_browser_tests() -> None:
    """Kept for readability in browser tests; the guard is lifted in pytest_configure."""
    assert os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE") == "true"


@pytest.fixture
def browser_login(live_server, allow_sync_orm_in_browser_tests):
    """Sign a user in to a Playwright page by giving it a real session cookie.

    The sign-in journey itself (emailed code) has its own browser test; the other journeys
    start signed in.
    """
    from django.conf import settings as django_settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    def login(page, user) -> None:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        page.context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": live_server.url,
                }
            ]
        )

    return login


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After a fuzz run, say how many junk requests were sent and how many got a 500."""
    import sys

    fuzz = sys.modules.get("tests.test_fuzz_http")
    if fuzz is not None and fuzz.TALLY["requests"]:
        terminalreporter.write_line(
            f"junk requests: {fuzz.TALLY['requests']:,}, "
            f"answered 500: {fuzz.TALLY['server_errors']:,}"
        )
    importers = sys.modules.get("tests.test_importer_junk")
    if importers is not None and importers.TALLY["files"]:
        terminalreporter.write_line(
            f"junk CSV files: {importers.TALLY['files']:,}, tracebacks: "
            f"{importers.TALLY['tracebacks']:,}"
        )


# --- Accessibility: axe-core, vendored from npm into the test tree ---------------------------

AXE_SOURCE = Path(__file__).parent / "browser" / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def axe_check():
    """Run axe-core on a Playwright page and fail on any serious or critical WCAG 2.2 AA
    violation. axe is evaluated through the DevTools protocol, so the page's CSP (no inline
    scripts) needs no exception."""
    source = AXE_SOURCE.read_text(encoding="utf-8")

    def check(page, where: str = "") -> list[dict]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(source + "\n;void 0")
        result = page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))",
            AXE_TAGS,
        )
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        assert not bad, f"axe-core on {where or page.url}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in bad
        )
        return result

    return check
