"""Officers announcing days and recording ballot units at the same moment get answers, not 500s.

Six clients at once (as a load test had it) on PostgreSQL, through the real views.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from strikes.models import Ballot, BallotUnit, CalledOutSchool, StrikeDay
from strikes.services.planning import ballot_record, dispute_create
from tests import factories as f

CLIENTS = 6


def run_at_once(jobs) -> list[BaseException]:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(job) -> None:
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


@pytest.fixture
def planning(world, rule_sets, settings):
    settings.OFFICER_MFA_REQUIRED = False
    national = f.RoleFactory(union=world.union, kind="national_organiser").user
    dispute = dispute_create(
        union=world.union,
        title="Pay",
        nations=[world.nation],
        staff_groups=["teacher"],
        acting_user=national,
    )
    ballot_record(
        dispute=dispute,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 11, 2),
        electorate=1000,
        votes_cast=600,
        votes_yes=500,
        votes_no=100,
        acting_user=national,
    )
    academies = dispute_create(
        union=world.union, title="Academies", staff_groups=["teacher"], acting_user=national
    )
    ballot = ballot_record(
        dispute=academies,
        aggregation=Ballot.Aggregation.PER_UNIT,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 11, 2),
        electorate=1000,
        votes_cast=600,
        votes_yes=500,
        votes_no=100,
        acting_user=national,
    )
    return national, dispute, ballot


def client_for(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_six_officers_record_the_same_ballot_unit_at_once(world, planning):
    national, _dispute, ballot = planning
    officers = [national] + [
        f.RoleFactory(union=world.union, kind="national_organiser").user for _ in range(5)
    ]
    clients = [client_for(u) for u in officers]
    url = reverse("strikes:planning-ballot-unit", args=[ballot.pk])
    statuses: list[int] = []

    def post(c, n):
        data = {
            "school": world.s1.urn,
            "electorate": 40,
            "votes_cast": 30 + n,
            "votes_yes": 25,
            "votes_no": 5,
        }
        statuses.append(c.post(url, data).status_code)

    errors = run_at_once([lambda c=c, n=n: post(c, n) for n, c in enumerate(clients)])
    assert errors == []
    assert statuses == [302] * CLIENTS
    assert BallotUnit.objects.filter(ballot=ballot, school=world.s1).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_six_officers_announce_days_at_once(world, planning):
    national, dispute, _ballot = planning
    officers = [national] + [
        f.RoleFactory(union=world.union, kind="national_organiser").user for _ in range(5)
    ]
    clients = [client_for(u) for u in officers]
    url = reverse("strikes:planning-announce", args=[dispute.pk])
    statuses: list[int] = []

    def post(c, n):
        data = {
            "date": (dt.date(2026, 12, 7) + dt.timedelta(days=n % 3)).isoformat(),
            "starts_at": "07:30",
            "ends_at": "16:00",
            "scope_kind": "national",
            "title": f"Day {n}",
        }
        statuses.append(c.post(url, data).status_code)

    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)):
        errors = run_at_once([lambda c=c, n=n: post(c, n) for n, c in enumerate(clients)])
    assert errors == []
    assert sorted(statuses) and 500 not in statuses, statuses
    days = StrikeDay.objects.filter(dispute=dispute)
    assert days.count() == 3
    for day in days:
        assert CalledOutSchool.objects.filter(strike_day=day).count() >= 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_announce_cancel_move_and_units_at_once_never_deadlock(world, planning):
    """The writes that lock a dispute or a day, all at once on the same dispute, several rounds:
    each finishes or gives a domain error, never a deadlock or an integrity error."""
    from kernel.errors import DomainError
    from strikes.services.planning import (
        ballot_unit_record,
        strike_day_announce,
        strike_day_cancel_for,
        strike_day_move_for,
    )

    national, dispute, ballot = planning
    today = dt.date(2026, 11, 23)
    for round_ in range(2):
        base = dt.date(2026, 12, 7) + dt.timedelta(days=7 * round_)
        day = strike_day_announce(
            dispute=dispute, date=base, scope_kind="national", acting_user=national, today=today
        )
        jobs = [
            lambda d=base: strike_day_announce(
                dispute=dispute,
                date=d + dt.timedelta(days=1),
                scope_kind="national",
                acting_user=national,
                today=today,
            ),
            lambda d=base: strike_day_announce(
                dispute=dispute,
                date=d + dt.timedelta(days=2),
                scope_kind="district",
                districts=[world.d1],
                acting_user=national,
                today=today,
            ),
            lambda day=day: strike_day_cancel_for(
                strike_day=StrikeDay.objects.get(pk=day.pk),
                districts=[world.d2],
                acting_user=national,
            ),
            lambda day=day, d=base: strike_day_move_for(
                strike_day=StrikeDay.objects.get(pk=day.pk),
                new_date=d + dt.timedelta(days=3),
                districts=[world.d1],
                acting_user=national,
                today=today,
            ),
            *[
                lambda n=n: ballot_unit_record(
                    ballot=ballot,
                    school=world.s1,
                    electorate=40,
                    votes_cast=30 + n,
                    votes_yes=25,
                    votes_no=5,
                    acting_user=national,
                )
                for n in range(2)
            ],
        ]
        errors = [e for e in run_at_once(jobs) if not isinstance(e, DomainError)]
        assert errors == []
    assert BallotUnit.objects.filter(ballot=ballot).count() == 1
