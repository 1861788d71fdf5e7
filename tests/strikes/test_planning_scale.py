"""A national day for 23,000 schools is announced in seconds (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from schools.models import District, Entrance, Region, School, Site
from strikes.models import CalledOutSchool, PicketLine, Shift
from strikes.services.planning import ballot_record, dispute_create, strike_day_announce
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("rule_sets")]

SCHOOLS = 23_000


def test_national_day_for_23000_schools_takes_seconds(union, django_assert_max_num_queries):
    england = f.NationFactory(code="E")
    regions = Region.objects.bulk_create(
        Region(nation=england, name=f"R{i}", slug=f"r{i}") for i in range(9)
    )
    districts = District.objects.bulk_create(
        District(region=regions[i % 9], la_code=f"L{i}", name=f"D{i}") for i in range(150)
    )
    schools = School.objects.bulk_create(
        School(
            urn=100000 + i, name=f"S{i}", district=districts[i % 150], employer_kind="academy_trust"
        )
        for i in range(SCHOOLS)
    )
    sites = Site.objects.bulk_create(Site(school=s, is_main=True) for s in schools)
    Entrance.objects.bulk_create(Entrance(site=s, is_main=True) for s in sites)
    organiser = f.RoleFactory(union=union).user
    dispute = dispute_create(
        union=union, title="Pay", staff_groups=["teacher"], acting_user=organiser
    )
    ballot_record(
        dispute=dispute,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 11, 2),
        electorate=300_000,
        votes_cast=160_000,
        votes_yes=140_000,
        votes_no=20_000,
        acting_user=organiser,
    )
    organiser = type(organiser).objects.get(pk=organiser.pk)
    started = time.perf_counter()
    with django_assert_max_num_queries(20):
        day = strike_day_announce(
            dispute=dispute,
            date=dt.date(2026, 12, 10),
            scope_kind="national",
            acting_user=organiser,
            today=dt.date(2026, 11, 23),
        )
    elapsed = time.perf_counter() - started
    assert CalledOutSchool.objects.filter(strike_day=day).count() == SCHOOLS
    assert PicketLine.objects.filter(strike_day=day).count() == SCHOOLS
    assert Shift.objects.filter(picket_line__strike_day=day).count() == 2 * SCHOOLS
    assert elapsed < 10, f"announcing took {elapsed:.1f}s"
    print(f"national day for {SCHOOLS} schools announced in {elapsed:.2f}s")
