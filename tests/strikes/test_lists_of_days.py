"""Every list of strike days says each day's date (a titled day too), and a list with nothing in
it says what to do next."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from schools.models import Entrance
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def titled_day(world):
    date = timezone.localdate() + dt.timedelta(days=9)
    day = f.StrikeDayFactory(dispute__union=world.union, date=date, title="Pay: day one")
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    return day


def _long(date: dt.date) -> str:
    return f"{date:%A} {date.day} {date:%B} {date.year}"


def test_dashboards_list_gives_each_days_date_and_title(client, world, titled_day):
    past = f.StrikeDayFactory(
        dispute=titled_day.dispute, date=timezone.localdate() - dt.timedelta(days=30), title="Old"
    )
    officer = f.RoleFactory(union=world.union, kind="district_officer", district=world.d1).user
    client.force_login(officer)
    body = client.get(reverse("strikes:dashboard-home")).content.decode()
    assert _long(titled_day.date) in body and "Pay: day one" in body
    assert _long(past.date) in body


def test_rep_home_lists_each_days_date_and_title(client, world, titled_day):
    rep = f.RoleFactory(union=world.union, kind="rep", school=world.s1).user
    client.force_login(rep)
    body = client.get(reverse("strikes:rep-home")).content.decode()
    assert _long(titled_day.date) in body and "Pay: day one" in body


def test_a_titled_days_dashboard_and_pages_show_its_date(client, world, titled_day):
    officer = f.RoleFactory(union=world.union, kind="national_organiser").user
    client.force_login(officer)
    for url in (
        reverse("strikes:dashboard", args=[titled_day.pk]),
        reverse("strikes:dashboard-school", args=[titled_day.pk, world.s1.pk]),
    ):
        body = client.get(url).content.decode()
        assert _long(titled_day.date) in body, url


def test_empty_dashboards_list_tells_an_officer_where_to_announce_a_day(client, world):
    officer = f.RoleFactory(union=world.union, kind="district_officer", district=world.d1).user
    client.force_login(officer)
    body = client.get(reverse("strikes:dashboard-home")).content.decode()
    assert "No strike days are announced yet." in body
    assert reverse("strikes:planning-home") in body


def test_empty_dashboards_list_tells_a_rep_what_happens_next(client, world):
    rep = f.RoleFactory(union=world.union, kind="rep", school=world.s1).user
    client.force_login(rep)
    body = client.get(reverse("strikes:dashboard-home")).content.decode()
    assert "When your union announces one" in body


def test_member_with_no_strike_days_is_told_what_happens_next(client, world):
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    client.force_login(member)
    body = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert "When your union announces one" in body
    assert reverse("members:preferences") in body


def test_empty_roster_points_to_the_days_page(client, world, titled_day):
    entrance = Entrance.objects.get(site__school=world.s1, is_main=True)
    line = f.PicketLineFactory(strike_day=titled_day, entrance=entrance)
    rep = f.RoleFactory(union=world.union, kind="rep", school=world.s1).user
    client.force_login(rep)
    body = client.get(reverse("strikes:line-roster", args=[line.pk])).content.decode()
    assert "No shifts at this entrance yet." in body
    assert reverse("strikes:rep-day", args=[titled_day.pk, world.s1.pk]) in body


def test_empty_ballots_page_says_what_happens_next(client, world):
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    client.force_login(member)
    body = client.get(reverse("strikes:turnout-home")).content.decode()
    assert "When your union opens a ballot" in body
