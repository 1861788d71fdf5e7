"""Every URL of the app is classified, and nobody who should not see a page gets one.

The walker lists every named URL (admin/ and accounts/ have their own protection). A URL that is
not in ``ACCESS`` fails ``test_every_url_is_classified``: when you add a page, say here who may see
it. Each non-public URL is then requested anonymously (GET and POST) with ids of real rows, and by
people who hold the wrong place or no role, and must refuse without showing anyone's details.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from members.models import Supporter
from strikes.services.signups import signup_create, supporter_signup_create
from tests import factories as f

PUBLIC = "public"  # anyone, no secret: must never show a person's details
TOKEN = "token"  # public to whoever holds a secret token in the URL
SIGNED_IN = "signed_in"  # any signed-in person, about themselves only
ROLE = "role"  # a rep or officer, for their own place (members/permissions.py)
STAFF = "staff"  # the data officer (is_staff + kernel.view_auditentry, or a superuser)

ACCESS: dict[str, str] = {
    "healthz": PUBLIC,
    "favicon": PUBLIC,
    "manifest": PUBLIC,
    "members:home": PUBLIC,  # anonymous visitors get the welcome page
    "members:privacy": PUBLIC,
    "members:erased": PUBLIC,
    "members:my-data": SIGNED_IN,
    "members:my-data-json": SIGNED_IN,
    "members:my-erase": SIGNED_IN,
    "members:supporter-data": TOKEN,
    "members:supporter-erase": TOKEN,
    "members:audit": STAFF,
    "strikes:my-strike-days": SIGNED_IN,
    "strikes:shift-sign-up": SIGNED_IN,
    "strikes:signup-cancel": SIGNED_IN,
    "strikes:signup-ics": SIGNED_IN,
    "strikes:my-shifts": SIGNED_IN,
    "strikes:calendar-reset": SIGNED_IN,
    "strikes:calendar-feed": TOKEN,
    "strikes:line-public": TOKEN,
    "strikes:line-poster": TOKEN,
    "strikes:supporter-confirmed": TOKEN,
    "strikes:supporter-cancel": TOKEN,
    "strikes:signup-link": TOKEN,
    "strikes:rep-home": ROLE,
    "strikes:rep-day": ROLE,
    "strikes:rep-pattern": ROLE,
    "strikes:rep-nudge": ROLE,
    "strikes:rep-shift-edit": ROLE,
    "strikes:rep-shift-remove": ROLE,
    "strikes:line-organiser": ROLE,
    "strikes:line-letter": ROLE,
    "strikes:line-roster": ROLE,
    "strikes:line-check-in": ROLE,
    "strikes:line-report": ROLE,
    "strikes:dashboard-home": ROLE,
    "strikes:dashboard": ROLE,
    "strikes:dashboard-export": ROLE,
    "strikes:dashboard-school": ROLE,
    "strikes:public-rallies": PUBLIC,
    "strikes:planning-home": ROLE,
    "strikes:planning-dispute-new": ROLE,
    "strikes:planning-dispute": ROLE,
    "strikes:planning-ballot-unit": ROLE,
    "strikes:planning-announce": ROLE,
    "strikes:planning-calendar": ROLE,
    "strikes:planning-calendar-ics": ROLE,
    "strikes:planning-day": ROLE,
    "strikes:planning-cancel": ROLE,
    "strikes:planning-move": ROLE,
    "strikes:planning-rally": ROLE,
    "strikes:outbox": ROLE,
    "strikes:broadcast-new": ROLE,
}

SKIPPED_PREFIXES = ("admin/", "accounts/")
REFUSED = {302, 400, 403, 404, 405, 410}

# Names and contacts of the people in the fixture: none may appear on a page they may not see.
SECRETS = [
    "Zebedee Quartermaine",
    "zebedee@example.org",
    "07700900111",
    "Philippa Underhill",
    "philippa@example.net",
    "07700900222",
    "Walter Walkingup",
]


def url_patterns() -> Iterator[tuple[str, str, list[str]]]:
    """(route, namespaced name, parameter names) for every named URL outside the skipped ones."""

    def walk(patterns, prefix: str, namespace: str) -> Iterator[tuple[str, str, list[str]]]:
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}{p.namespace}:"
                yield from walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}{p.name}" if p.name else f"(unnamed) {route}"
                yield route, name, re.findall(r"<(?:\w+:)?(\w+)>", route)

    yield from walk(get_resolver().url_patterns, "", "")


@pytest.fixture
def rows(world, rule_sets):
    """Real rows for every kind of id, at school s1 (district d1), with people on them."""
    union = world.union
    dispute = f.DisputeFactory(union=union)
    ballot = f.BallotFactory(dispute=dispute)
    day = f.StrikeDayFactory(dispute=dispute)
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    line = f.PicketLineFactory(
        strike_day=day, entrance=world.s1.sites.get().entrances.get(is_main=True)
    )
    shift = f.ShiftFactory(picket_line=line)
    member = f.UserFactory(
        full_name="Zebedee Quartermaine", email="zebedee@example.org", phone="07700900111"
    )
    f.MembershipFactory(user=member, union=union, workplace=world.s1)
    signup = signup_create(shift=shift, user=member, acting_user=member)
    supporter_signup_create(
        shift=shift,
        name="Philippa Underhill",
        email="philippa@example.net",
        phone="07700900222",
        consent=True,
    )
    f.SignupFactory(shift=shift, user=None, walk_up_name="Walter Walkingup", status="arrived")
    rep = f.RoleFactory(kind="rep", school=world.s1, union=union).user

    class Rows:
        pass

    r = Rows()
    r.world, r.dispute, r.ballot, r.day, r.line, r.shift = world, dispute, ballot, day, line, shift
    r.member, r.signup, r.rep = member, signup, rep
    r.supporter = Supporter.objects.get(name="Philippa Underhill")
    r.kwargs = {
        "strike_day_id": day.pk,
        "school_id": world.s1.pk,
        "shift_id": shift.pk,
        "signup_id": signup.pk,
        "line_id": line.pk,
        "dispute_id": dispute.pk,
        "ballot_id": ballot.pk,
        "token": "not-a-real-token",
    }
    return r


def _url(name: str, params: list[str], kwargs: dict) -> str:
    return reverse(name, kwargs={p: kwargs.get(p, 999999) for p in params})


def _leaks(body: str) -> list[str]:
    return [s for s in SECRETS if s in body]


def test_every_url_is_classified():
    unclassified = sorted(name for _, name, _ in url_patterns() if name not in ACCESS)
    assert not unclassified, (
        "Classify these URLs in tests/test_url_access.py ACCESS (who may see them?): "
        + ", ".join(unclassified)
    )


def test_classification_has_no_stale_entries():
    names = {name for _, name, _ in url_patterns()}
    assert not sorted(set(ACCESS) - names)


def test_anonymous_is_refused_every_non_public_url(client, rows):
    for _, name, params in url_patterns():
        kind = ACCESS.get(name)
        if kind in (None, PUBLIC):
            continue
        url = _url(name, params, rows.kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in REFUSED, (method, name, response.status_code)
            if response.status_code == 302 and kind != TOKEN:
                assert "/accounts/login/" in response["Location"], (name, response["Location"])
            assert not _leaks(response.content.decode(errors="replace")), name


def test_public_pages_show_nobodys_details(client, rows):
    for _, name, params in url_patterns():
        if ACCESS.get(name) != PUBLIC:
            continue
        response = client.get(_url(name, params, rows.kwargs))
        assert response.status_code in {200, 302, 404}, name
        assert not _leaks(response.content.decode(errors="replace")), name


def test_public_line_pages_with_the_real_token_show_no_names(client, rows):
    for name in ("strikes:line-public", "strikes:line-poster"):
        response = client.get(reverse(name, args=[rows.line.public_token]))
        assert response.status_code == 200, name
        assert not _leaks(response.content.decode(errors="replace")), name


def _wrong_people(rows) -> dict[str, object]:
    w = rows.world
    other_member = f.UserFactory()
    f.MembershipFactory(user=other_member, union=w.union, workplace=w.s2)
    other_rep = f.RoleFactory(kind="rep", school=w.s3, union=w.union).user
    other_district = f.RoleFactory(kind="district_officer", district=w.d3, union=w.union).user
    other_region = f.RoleFactory(kind="regional_officer", region=w.south, union=w.union).user
    other_union = f.RoleFactory(
        kind="national_organiser", union=f.UnionFactory(short_name="PCS")
    ).user
    return {
        "member of another school": other_member,
        "member of the school": rows.member,
        "rep of another school": other_rep,
        "district officer of another district": other_district,
        "regional officer of another region": other_region,
        "organiser of another union": other_union,
        "signed-in stranger": f.UserFactory(),
    }


def test_wrong_people_see_no_names_on_any_role_or_staff_page(client, rows):
    people = _wrong_people(rows)
    for who, user in people.items():
        client.force_login(user)
        for _, name, params in url_patterns():
            if ACCESS.get(name) not in (ROLE, STAFF):
                continue
            url = _url(name, params, rows.kwargs)
            response = client.get(url)
            body = response.content.decode(errors="replace")
            own = {user.full_name, user.email, user.phone}
            leaked = [s for s in _leaks(body) if s not in own]
            assert not leaked, (who, name, response.status_code, leaked)
            if ACCESS[name] == STAFF:
                assert response.status_code == 403, (who, name)


def test_wrong_people_are_refused_another_schools_roster_check_in_and_report(client, rows):
    people = _wrong_people(rows)
    for who, user in people.items():
        client.force_login(user)
        for name in ("strikes:line-roster", "strikes:line-check-in", "strikes:line-report"):
            url = reverse(name, args=[rows.line.pk])
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code in {403, 404}, (who, name, method)
                assert not _leaks(response.content.decode(errors="replace")), (who, name)
    # The school's own rep does see the roster: the refusals above are about place.
    client.force_login(rows.rep)
    response = client.get(reverse("strikes:line-roster", args=[rows.line.pk]))
    assert response.status_code == 200
    assert "Zebedee Quartermaine" in response.content.decode()


def test_signed_in_pages_about_someone_else_are_refused(client, rows):
    """Another person's signup (cancel, calendar file) is not reachable by id."""
    client.force_login(rows.rep)
    for name in ("strikes:signup-cancel", "strikes:signup-ics"):
        url = reverse(name, args=[rows.signup.pk])
        response = client.get(url)
        assert response.status_code in {403, 404, 405}, name
        assert not _leaks(response.content.decode(errors="replace")), name
