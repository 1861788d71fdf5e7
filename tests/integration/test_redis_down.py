"""Redis unreachable: sign-in, sign-up, cancel, check-in, report, the public supporter page and
the dashboard still answer (never a 500), and messages wait in the outbox for the beat sweep.

The app runs in gunicorn in its own process with Redis pointed at a closed port, against the
test's PostgreSQL database, and is driven over HTTP.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from schools.models import Entrance
from strikes.models import Notification, PicketReport, Signup
from tests import factories as f

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


class Browser:
    """Just enough of a browser: cookies, the CSRF token, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def set_session(self, key: str) -> None:
        host = urllib.parse.urlparse(self.base).hostname
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0,
                "sessionid",
                key,
                None,
                False,
                host,
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        headers = {"Referer": self.base + path}
        if data is not None:
            body = urllib.parse.urlencode(
                {**data, "csrfmiddlewaretoken": self.cookie("csrftoken")}
            ).encode()
        # Our own server on 127.0.0.1 over http, never a file: URL.
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    processes: list[subprocess.Popen] = []

    def start(**extra: str) -> Browser:
        port = _free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "CELERY_", "EMAIL_", "PYTEST", "REDIS_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DJANGO_DEBUG="false",
            SECRET_KEY=settings.SECRET_KEY,  # the sessions made here must be valid there
            DATABASE_URL=_database_url(),
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(tmp_path / "mail"),
            OFFICER_MFA_REQUIRED="false",
            CONN_MAX_AGE="0",
            **extra,
        )
        log = (tmp_path / "gunicorn.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        return Browser(f"http://127.0.0.1:{port}")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def _rows(world):
    union = world.union
    start = timezone.now() + dt.timedelta(minutes=30)
    day = f.StrikeDayFactory(
        dispute=f.DisputeFactory(union=union), date=timezone.localtime(start).date()
    )
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    line = f.PicketLineFactory(
        strike_day=day, entrance=Entrance.objects.get(site__school=world.s1, is_main=True)
    )
    shift = f.ShiftFactory(picket_line=line, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    member = f.MembershipFactory(union=union, workplace=world.s1).user
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    rep = f.RoleFactory(kind="rep", school=world.s1, union=union).user
    f.MembershipFactory(user=rep, union=union, workplace=world.s1)
    officer = f.RoleFactory(kind="national_organiser", union=union).user
    return day, line, shift, member, rep, officer


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _journey(browser: Browser, world) -> dict[str, int]:
    """Every request the issue lists, by what it is; returns each status."""
    day, line, shift, member, rep, officer = _rows(world)
    status: dict[str, int] = {}

    status["sign-in page"], _ = browser.request("/accounts/login/")
    status["login code request"], _ = browser.request(
        "/accounts/login/code/", {"email": member.email}
    )
    status["public line page"], _ = browser.request(f"/line/{line.public_token}/")
    status["supporter joins"], _ = browser.request(
        f"/line/{line.public_token}/",
        {"shift": shift.pk, "name": "Pat Parent", "email": "pat@example.net", "consent": "on"},
    )

    browser.set_session(_session(member))
    browser.request("/my-strike-days/")
    status["sign-up"], _ = browser.request(f"/shifts/{shift.pk}/sign-up/", {"nonce": "n1"})
    signup = Signup.objects.get(shift=shift, user=member)
    status["cancel"], _ = browser.request(f"/signups/{signup.pk}/cancel/", {})
    status["sign-up again"], _ = browser.request(f"/shifts/{shift.pk}/sign-up/", {"nonce": "n2"})

    browser.set_session(_session(rep))
    signup.refresh_from_db()
    if timezone.localdate() == day.date:  # the check-in window opens on the day itself
        status["check-in"], _ = browser.request(
            f"/line/{line.pk}/check-in/", {"action": "arrived", "signup": signup.pk, "nonce": "c"}
        )
        status["report"], _ = browser.request(
            f"/line/{line.pk}/report/", {"school_status": "closed", "pickets": "3", "nonce": "r"}
        )

    browser.set_session(_session(officer))
    status["dashboard"], _ = browser.request(f"/dashboard/{day.pk}/")
    status["dashboard map"], _ = browser.request(f"/dashboard/{day.pk}/?part=map")
    return status


def _assert_all_answered(status: dict[str, int]) -> None:
    assert all(code < 500 for code in status.values()), status
    assert status["login code request"] in (200, 302), status
    assert status["supporter joins"] == 302, status
    assert status["sign-up"] == 302 and status["cancel"] == 302, status
    assert status["dashboard"] == 200, status


def test_broker_down_every_action_answers_and_messages_wait_for_the_sweep(serve, world):
    browser = serve(CELERY_BROKER_URL=CLOSED)
    status = _journey(browser, world)
    _assert_all_answered(status)
    assert Signup.objects.filter(supporter__email="pat@example.net").exists()
    # Queued after commit, the broker refused: the rows stay due for the beat sweep.
    waiting = Notification.objects.filter(status=Notification.Status.DUE)
    assert waiting.filter(supporter__email="pat@example.net").exists()
    if "report" in status:
        assert status["check-in"] == 302 and status["report"] == 302, status
        assert PicketReport.objects.exists()


@pytest.mark.skipif(
    importlib.util.find_spec("config.cache") is None,
    reason="The cache's own Redis-down fallback (config.cache, the rate limiter's) has not "
    "landed: without it every cache read raises.",
)
def test_redis_down_for_cache_and_broker_every_action_answers(serve, world):
    browser = serve(REDIS_URL=CLOSED)
    _assert_all_answered(_journey(browser, world))
