"""A school with many shifts: the member's page folds the lines they are not on into a summary
each, opens the rest on request (plain link or htmx), and stays the same number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from schools.models import Entrance, Site
from strikes.models import Shift
from strikes.selectors.signups import INLINE_SHIFTS
from strikes.services.signups import signup_create
from tests import factories as f

pytestmark = pytest.mark.django_db

ENTRANCES = 4


@pytest.fixture
def big_day(world):
    """Four entrances with 20 shifts each (80 > INLINE_SHIFTS) at the member's school."""
    assert ENTRANCES * 20 > INLINE_SHIFTS
    school = world.s1
    site = Site.objects.get(school=school, is_main=True)
    entrances = [Entrance.objects.get(site=site, is_main=True)] + [
        Entrance.objects.create(site=site, name=f"Gate {i}") for i in range(2, ENTRANCES + 1)
    ]
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=day, school=school)
    lines = [f.PicketLineFactory(strike_day=day, entrance=e) for e in entrances]
    for line in lines:
        start = f.london(day.date, "07:00")
        Shift.objects.bulk_create(
            Shift(
                picket_line=line,
                starts_at=start + dt.timedelta(minutes=15 * k),
                ends_at=start + dt.timedelta(minutes=15 * (k + 1)),
                capacity=6,
                minimum_wanted=2,
            )
            for k in range(20)
        )
    member = f.MembershipFactory(union=world.union, workplace=school).user
    return day, lines, member


def _shift_ids_on_page(body: str, line) -> int:
    return sum(f'id="shift-{s.pk}"' in body for s in line.shifts.all())


def test_only_the_first_line_is_open_when_the_member_is_on_none(client, big_day):
    _, lines, member = big_day
    client.force_login(member)
    body = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert _shift_ids_on_page(body, lines[0]) == 20
    for line in lines[1:]:
        assert _shift_ids_on_page(body, line) == 0
        assert f"line={line.pk}#line-{line.pk}" in body  # the no-JavaScript way in
    assert "20 shifts, 120 places free, " in body
    assert "20 short of people" in body


def test_the_lines_the_member_is_on_are_open(client, big_day):
    _, lines, member = big_day
    shift = lines[2].shifts.order_by("starts_at").first()
    signup_create(shift=shift, user=member, acting_user=member)
    client.force_login(member)
    body = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert _shift_ids_on_page(body, lines[2]) == 20
    assert _shift_ids_on_page(body, lines[0]) == 0
    assert "You&#x27;re signed up" in body or "You're signed up" in body


def test_a_folded_line_opens_by_link_and_by_htmx(client, big_day):
    _, lines, member = big_day
    client.force_login(member)
    url = reverse("strikes:my-strike-days") + f"?line={lines[3].pk}"
    page = client.get(url).content.decode()
    assert _shift_ids_on_page(page, lines[3]) == 20
    assert "<html" in page

    part = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in part
    assert f'id="line-{lines[3].pk}"' in part
    assert _shift_ids_on_page(part, lines[3]) == 20
    assert _shift_ids_on_page(part, lines[0]) == 0


def test_another_schools_line_is_not_opened(client, big_day, world):
    _, lines, _ = big_day
    outsider = f.MembershipFactory(union=world.union, workplace=world.s2).user
    client.force_login(outsider)
    url = reverse("strikes:my-strike-days") + f"?line={lines[1].pk}"
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    page = client.get(url).content.decode()
    assert _shift_ids_on_page(page, lines[1]) == 0


@pytest.mark.parametrize("junk", ["abc", "-1", "9" * 40, "1%00"])
def test_a_junk_line_parameter_is_ignored(client, big_day, junk):
    member = big_day[2]
    client.force_login(member)
    response = client.get(reverse("strikes:my-strike-days") + f"?line={junk}")
    # A NUL byte is refused with a message by the input guard (config/middleware.py).
    assert response.status_code == (400 if "%00" in junk else 200)


def test_the_page_costs_the_same_queries_at_any_size(
    client, big_day, django_assert_max_num_queries
):
    day, lines, member = big_day
    client.force_login(member)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("strikes:my-strike-days"))
    site = Site.objects.get(school=lines[0].school, is_main=True)
    for i in range(20):  # six times the entrances and shifts
        line = f.PicketLineFactory(
            strike_day=day, entrance=Entrance.objects.create(site=site, name=f"Door {i}")
        )
        start = f.london(day.date, "07:00")
        Shift.objects.bulk_create(
            Shift(
                picket_line=line,
                starts_at=start + dt.timedelta(minutes=15 * k),
                ends_at=start + dt.timedelta(minutes=15 * (k + 1)),
                capacity=6,
                minimum_wanted=2,
            )
            for k in range(20)
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert len(body) < 60_000
