"""Junk sent to every URL and form of the app never gets a 500, and a refusal changes nothing.

Each named URL (as tests/test_url_access.py walks them) gets requests from people who may use it
and people who may not, with junk in the query string and the form: huge, empty, unicode, NUL,
negative, wrong type, duplicated and unknown fields, with and without the htmx header. Field
names are harvested from the page's own forms so the junk reaches the form code. The suite runs
a few examples per URL; ``make fuzz`` (``FUZZ_EXAMPLES``) runs thousands.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from strikes.messages import signup_link_token
from tests import factories as f
from tests.junk import EXAMPLES, fuzz_settings, nasty_text
from tests.test_url_access import (
    rows,  # noqa: F401  (a fixture; the tests take it by name)
    url_patterns,
)

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

#: Pages of allauth's that anyone reaches: sign-in by emailed code, and its confirmation.
ACCOUNT_PATHS = ["/accounts/login/", "/accounts/login/code/confirm/", "/accounts/logout/"]

#: Tallies for the run's summary line (tests/conftest.py prints them).
TALLY = {"requests": 0, "server_errors": 0}

# Rows that a refused request must leave alone.
WATCHED = [
    ("strikes", "Signup"),
    ("strikes", "PicketReport"),
    ("strikes", "Shift"),
    ("strikes", "StrikeDay"),
    ("strikes", "Ballot"),
    ("strikes", "BallotUnit"),
    ("strikes", "Dispute"),
    ("strikes", "Rally"),
    ("strikes", "Notification"),
    ("members", "Supporter"),
    ("members", "Membership"),
    ("members", "User"),
]


def _counts() -> tuple[int, ...]:
    return tuple(apps.get_model(a, m).objects.count() for a, m in WATCHED)


@pytest.fixture
def people(rows, settings):  # noqa: F811
    settings.OFFICER_MFA_REQUIRED = False
    settings.PUBLIC_RATE_LIMIT_READS = "100000/60"
    settings.PUBLIC_RATE_LIMIT_WRITES = "100000/60"
    union = rows.world.union
    staff = f.UserFactory(is_staff=True, is_superuser=True)
    return {
        "anonymous": None,
        "member": rows.member,
        "rep": rows.rep,
        "district officer": f.RoleFactory(
            kind="district_officer", district=rows.world.d1, union=union
        ).user,
        "national organiser": f.RoleFactory(kind="national_organiser", union=union).user,
        "staff": staff,
    }


def _path_for(name: str, rows) -> str:  # noqa: F811
    params = next(p for _, n, p, _ in url_patterns() if n == name)
    tokens = {
        "strikes:calendar-feed": rows.member.calendar_token,
        "strikes:signup-link": signup_link_token(signup_id=rows.signup.pk, action="cancel"),
        "members:supporter-data": rows.supporter.token,
        "members:supporter-erase": rows.supporter.token,
        "strikes:supporter-confirmed": rows.supporter.token,
        "strikes:supporter-cancel": rows.supporter.token,
    }
    kwargs = {**rows.kwargs, "token": tokens.get(name, rows.line.public_token)}
    return reverse(name, kwargs={p: kwargs.get(p, 999999) for p in params})


def _field_names(client: Client, path: str, people: dict) -> list[str]:
    """The names of the inputs on the page, as the people allowed to see it get it."""
    names: set[str] = set()
    for who in ("member", "rep", "national organiser", "staff"):
        user = people[who]
        client.logout()
        if user is not None:
            client.force_login(user)
        body = client.get(path).content.decode(errors="replace")
        names.update(re.findall(r'name="([^"]{1,60})"', body))
    names.discard("csrfmiddlewaretoken")
    return sorted(names) or ["q"]


junk_values = st.one_of(nasty_text, st.lists(nasty_text, min_size=2, max_size=3))


def _send(client: Client, path: str, method: str, fields: dict, htmx: bool) -> int:
    headers = {"HX-Request": "true"} if htmx else {}
    if method == "GET":
        response = client.get(path, fields, headers=headers)
    elif method == "POST":
        response = client.post(path, fields, headers=headers)
    else:
        body = "&".join(f"{k}={v}" for k, v in fields.items() if isinstance(v, str))
        response = client.generic(
            "POST",
            path,
            body.encode("utf-8", "surrogatepass"),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )
    TALLY["requests"] += 1
    if response.status_code >= 500:
        TALLY["server_errors"] += 1
    return response.status_code


def _fuzz(path: str, people: dict, examples: int) -> None:
    client = Client(raise_request_exception=False)
    names = _field_names(client, path, people)

    @fuzz_settings.__class__(parent=fuzz_settings, max_examples=examples)
    @given(
        who=st.sampled_from(sorted(people)),
        method=st.sampled_from(["GET", "POST", "RAW"]),
        fields=st.dictionaries(
            st.one_of(st.sampled_from(names), st.text(max_size=20)), junk_values, max_size=8
        ),
        htmx=st.booleans(),
    )
    def run(who, method, fields, htmx):
        client.logout()
        if people[who] is not None:
            client.force_login(people[who])
        fields = {k.replace("\x00", ""): v for k, v in fields.items()}
        before = _counts()
        status = _send(client, path, method, fields, htmx)
        assert status < 500, (path, who, method, fields)
        if status >= 400:
            assert _counts() == before, (path, who, method, status, "changed rows")

    run()


# A few examples per URL in the suite; FUZZ_EXAMPLES (make fuzz) scales them up.
PER_URL = max(3, EXAMPLES // 8)


# Every named URL of the app, as the access walker in tests/test_url_access.py finds them.
NAMES = sorted(name for _, name, _, _ in url_patterns() if not name.startswith("(unnamed)"))


@pytest.mark.parametrize("name", NAMES)
def test_junk_to_every_url_never_gets_a_500(rows, people, name):  # noqa: F811
    _fuzz(_path_for(name, rows), people, PER_URL)


@pytest.mark.parametrize("path", ACCOUNT_PATHS)
def test_junk_to_the_sign_in_pages_never_gets_a_500(people, path):
    _fuzz(path, people, PER_URL)


@pytest.mark.parametrize(
    "path",
    [
        "/line/%00/",
        "/supporter/%00/",
        "/calendar/%00.ics",
        "/reply/%00/",
        "/shifts/99999999999999999999/sign-up/",
        "/dashboard/%C2%B2/",
        "/" + "a" * 5000,
        "/%ff%fe/",
    ],
)
def test_junk_paths_never_get_a_500(people, path):
    _fuzz(path, people, max(2, PER_URL // 2))
