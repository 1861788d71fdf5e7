"""Fixtures shared by the strikes tests."""

from __future__ import annotations

import datetime as dt

import pytest

from strikes.services.planning import ballot_record, dispute_create
from tests import factories as f


@pytest.fixture
def national(world):
    """A national organiser of the world's union."""
    return f.RoleFactory(union=world.union, kind="national_organiser").user


@pytest.fixture
def dispute(world, national, rule_sets):
    """A teachers' pay dispute in the world's nation, with a passing postal ballot (60% turnout,
    83% yes) that closed on 2 Nov 2026: its mandate covers December 2026."""
    d = dispute_create(
        union=world.union,
        title="Pay 2026",
        nations=[world.nation],
        staff_groups=["teacher"],
        acting_user=national,
    )
    ballot_record(
        dispute=d,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 11, 2),
        electorate=1000,
        votes_cast=600,
        votes_yes=500,
        votes_no=100,
        acting_user=national,
    )
    return d
