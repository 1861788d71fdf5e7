"""Nonces are scoped to the person and the action; a rep's report is bounded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kernel.errors import DomainError
from strikes.models import PicketReport, Signup
from strikes.services import lines as svc
from strikes.services.signups import signup_create
from tests import factories as f


@pytest.fixture
def line(world):
    class S:
        pass

    s = S()
    s.w = world
    s.day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=s.day, school=world.s1)
    s.line = f.PicketLineFactory(
        strike_day=s.day, entrance=world.s1.sites.first().entrances.first()
    )
    s.shift = f.ShiftFactory(picket_line=s.line)
    s.rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    s.other_rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    return s


@pytest.fixture
def on_day(line):
    """The same line, on the strike day: check-in and reports are open."""
    with f.on_the_day(line.shift):
        yield line


def member(s):
    return f.MembershipFactory(union=s.w.union, workplace=s.w.s1).user


def test_two_members_sending_the_same_nonce_are_both_signed_up(client, line):
    a, b = member(line), member(line)
    for person in (a, b):
        client.force_login(person)
        response = client.post(
            reverse("strikes:shift-sign-up", args=[line.shift.pk]), {"nonce": "same"}
        )
        assert response.status_code == 302
    assert set(Signup.objects.values_list("user_id", flat=True)) == {a.pk, b.pk}


def test_a_member_repeating_a_nonce_gets_the_first_signup(line):
    a = member(line)
    first = signup_create(shift=line.shift, user=a, acting_user=a, nonce="n")
    again = signup_create(shift=line.shift, user=a, acting_user=a, nonce="n")
    assert first.pk == again.pk and Signup.objects.count() == 1


def test_a_nul_byte_in_a_nonce_is_refused_not_a_server_error(client, line):
    client.force_login(member(line))
    response = client.post(
        reverse("strikes:shift-sign-up", args=[line.shift.pk]), {"nonce": "a\x00b"}
    )
    assert response.status_code == 400
    assert not Signup.objects.exists()


def test_two_reps_walk_ups_with_equal_nonces_are_two_people(on_day):
    line = on_day
    one = svc.signup_walk_up_add(shift=line.shift, name="Ann", nonce="w", acting_user=line.rep)
    two = svc.signup_walk_up_add(
        shift=line.shift, name="Bea", nonce="w", acting_user=line.other_rep
    )
    again = svc.signup_walk_up_add(shift=line.shift, name="Ann", nonce="w", acting_user=line.rep)
    assert one.pk != two.pk and again.pk == one.pk
    assert sorted(Signup.objects.values_list("walk_up_name", flat=True)) == ["Ann", "Bea"]


def test_two_reps_reports_with_equal_nonces_are_two_reports(on_day):
    line = on_day
    one = svc.picket_report_create(
        picket_line=line.line, acting_user=line.rep, nonce="r", pickets=3
    )
    two = svc.picket_report_create(
        picket_line=line.line, acting_user=line.other_rep, nonce="r", pickets=5
    )
    assert one.pk != two.pk and PicketReport.objects.count() == 2


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("pickets", "99999999999", "enter at most 500"),
        ("pickets", "-1", "cannot be negative"),
        ("supporters", "2001", "enter at most 2,000"),
        ("notes", "x" * 2001, "Keep this to 2,000 characters (it has 2001)"),
        ("incident", "y" * 100_000, "Keep this to 2,000 characters"),
    ],
)
def test_a_report_past_its_bounds_is_refused_with_the_limit(client, on_day, field, value, message):
    line = on_day
    client.force_login(line.rep)
    data = {"school_status": "closed", "pickets": "4", "nonce": "n-1", field: value}
    response = client.post(reverse("strikes:line-report", args=[line.line.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PicketReport.objects.exists()


def test_the_report_service_refuses_counts_past_the_limit(on_day):
    line = on_day
    with pytest.raises(DomainError) as refused:
        svc.picket_report_create(
            picket_line=line.line, acting_user=line.rep, nonce="big", pickets=501
        )
    assert refused.value.code == "count_too_big"
