"""Constraints on the action: the database refuses impossible rows, whatever the form said."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from strikes.models import Ballot, BallotUnit, Notification, RuleSet, Shift, Signup
from tests import factories as f

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_ballot_votes_must_fit_the_electorate():
    dispute = f.DisputeFactory()
    kwargs = {
        "dispute": dispute,
        "opens_on": dt.date(2026, 3, 1),
        "closes_on": dt.date(2026, 3, 20),
        "electorate": 100,
    }
    assert refused(lambda: Ballot.objects.create(**kwargs, votes_cast=101))
    assert refused(
        lambda: Ballot.objects.create(**kwargs, votes_cast=50, votes_yes=40, votes_no=11)
    )
    assert refused(lambda: Ballot.objects.create(**{**kwargs, "closes_on": dt.date(2026, 2, 1)}))
    Ballot.objects.create(**kwargs, votes_cast=50, votes_yes=40, votes_no=10)


def test_ballot_unit_is_exactly_one_place(world):
    ballot = f.BallotFactory()
    counts = {"electorate": 10, "votes_cast": 8, "votes_yes": 6, "votes_no": 2}
    assert refused(lambda: BallotUnit.objects.create(ballot=ballot, **counts))
    assert refused(
        lambda: BallotUnit.objects.create(
            ballot=ballot, school=world.s1, district=world.d1, **counts
        )
    )
    BallotUnit.objects.create(ballot=ballot, school=world.s1, **counts)
    assert refused(lambda: BallotUnit.objects.create(ballot=ballot, school=world.s1, **counts))


def test_strike_day_ends_after_it_starts():
    assert refused(lambda: f.StrikeDayFactory(starts_at=dt.time(9), ends_at=dt.time(8)))


def test_a_school_is_called_out_once_per_day():
    called = f.CalledOutSchoolFactory()
    assert refused(
        lambda: f.CalledOutSchoolFactory(strike_day=called.strike_day, school=called.school)
    )


def test_one_picket_line_per_entrance_per_day():
    line = f.PicketLineFactory()
    assert refused(lambda: f.PicketLineFactory(strike_day=line.strike_day, entrance=line.entrance))


def test_shift_is_never_overbooked_in_the_database():
    shift = f.ShiftFactory(capacity=2)
    assert refused(lambda: Shift.objects.filter(pk=shift.pk).update(booked=3))
    assert refused(lambda: f.ShiftFactory(picket_line=shift.picket_line, capacity=0))
    assert refused(lambda: f.ShiftFactory(picket_line=shift.picket_line, ends_at=shift.starts_at))


def test_one_signup_per_person_per_shift():
    signup = f.SignupFactory()
    assert refused(lambda: f.SignupFactory(shift=signup.shift, user=signup.user))


def test_signup_is_a_member_a_supporter_or_a_walk_up():
    shift = f.ShiftFactory()
    supporter = f.SupporterFactory()
    user = f.UserFactory()
    assert refused(lambda: Signup.objects.create(shift=shift))
    assert refused(lambda: Signup.objects.create(shift=shift, user=user, supporter=supporter))
    assert refused(lambda: Signup.objects.create(shift=shift, supporter=supporter))
    Signup.objects.create(shift=shift, supporter=supporter, is_supporter=True)
    Signup.objects.create(shift=shift, walk_up_name="Jo at the gate", status="arrived")


def test_report_nonce_makes_a_retry_harmless():
    report = f.PicketReportFactory(nonce="abc")
    assert refused(lambda: f.PicketReportFactory(picket_line=report.picket_line, nonce="abc"))


def test_escalation_needs_an_incident():
    assert refused(lambda: f.PicketReportFactory(escalate=True, incident=""))


def test_notification_key_is_sent_once():
    user = f.UserFactory()
    Notification.objects.create(key="reminder:1", kind="reminder", user=user)
    assert refused(
        lambda: Notification.objects.create(key="reminder:1", kind="reminder", user=user)
    )


def test_notification_has_exactly_one_recipient():
    assert refused(lambda: Notification.objects.create(key="x", kind="reminder"))


def test_rule_set_is_chosen_by_date(rule_sets):
    assert RuleSet.in_force_on(dt.date(2026, 2, 17)).name == "Trade Union Act 2016"
    assert RuleSet.in_force_on(dt.date(2026, 2, 18)).name == "Employment Rights Act 2025"
    with pytest.raises(RuleSet.DoesNotExist):
        RuleSet.in_force_on(dt.date(2000, 1, 1))


def test_rule_set_seed_is_idempotent(rule_sets):
    from strikes.rules import rule_sets_ensure

    assert rule_sets_ensure() == 3
