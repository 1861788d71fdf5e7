"""Signup services: places, waitlist, promotion, refusals, supporters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kernel.errors import DomainError
from kernel.models import AuditEntry
from members.models import Supporter
from schools.models import Entrance
from strikes.models import Notification, PicketLine, Shift, Signup
from strikes.services.signups import (
    signup_cancel,
    signup_create,
    supporter_signup_cancel,
    supporter_signup_create,
)
from tests import factories as f


@pytest.fixture
def setup(world):
    class S:
        pass

    s = S()
    s.school = world.s1
    s.dispute = f.DisputeFactory(union=world.union)
    s.day = f.StrikeDayFactory(dispute=s.dispute)
    s.called = f.CalledOutSchoolFactory(strike_day=s.day, school=s.school)
    s.line = f.PicketLineFactory(
        strike_day=s.day, entrance=Entrance.objects.get(site__school=s.school, is_main=True)
    )
    s.shift = f.ShiftFactory(picket_line=s.line, capacity=2)
    s.union = world.union

    def member(school=None):
        return f.MembershipFactory(union=world.union, workplace=school or s.school).user

    s.member = member
    return s


def refresh(*objs):
    for obj in objs:
        obj.refresh_from_db()


def test_signup_takes_a_place_and_counts_it(setup):
    user = setup.member()
    signup = signup_create(shift=setup.shift, user=user, acting_user=user)
    refresh(setup.shift, setup.line)
    assert signup.status == Signup.Status.REGISTERED
    assert setup.shift.booked == 1
    assert setup.line.pickets_signed_up == 1
    assert AuditEntry.objects.filter(action="signup.create", object_id=str(signup.pk)).exists()


def test_signup_queues_a_confirmation_after_commit(setup, django_capture_on_commit_callbacks):
    user = setup.member()
    with django_capture_on_commit_callbacks() as callbacks:
        signup = signup_create(shift=setup.shift, user=user, acting_user=user)
    note = Notification.objects.get(signup=signup)
    assert note.kind == "confirmation"
    assert note.key == f"confirmation:{signup.pk}:1"
    assert note.context["shift_id"] == setup.shift.pk
    assert len(callbacks) == 1


def test_signup_goes_to_waitlist_when_shift_full(setup):
    for _ in range(2):
        u = setup.member()
        signup_create(shift=setup.shift, user=u, acting_user=u)
    late = setup.member()
    signup = signup_create(shift=setup.shift, user=late, acting_user=late)
    refresh(setup.shift, setup.line)
    assert signup.status == Signup.Status.WAITLISTED
    assert setup.shift.booked == 2
    assert setup.line.pickets_signed_up == 2


def test_cancel_frees_the_place_and_promotes_the_first_waiting(setup):
    first, second, w1, w2 = (setup.member() for _ in range(4))
    s1 = signup_create(shift=setup.shift, user=first, acting_user=first)
    signup_create(shift=setup.shift, user=second, acting_user=second)
    waiting1 = signup_create(shift=setup.shift, user=w1, acting_user=w1)
    waiting2 = signup_create(shift=setup.shift, user=w2, acting_user=w2)
    signup_cancel(signup=s1, acting_user=first)
    refresh(s1, waiting1, waiting2, setup.shift, setup.line)
    assert s1.status == Signup.Status.CANCELLED
    assert waiting1.status == Signup.Status.REGISTERED
    assert waiting2.status == Signup.Status.WAITLISTED
    assert setup.shift.booked == 2
    assert setup.line.pickets_signed_up == 2
    assert Notification.objects.filter(signup=waiting1, kind="promoted", user=w1).exists()


def test_cancel_twice_changes_nothing_more(setup):
    user = setup.member()
    signup = signup_create(shift=setup.shift, user=user, acting_user=user)
    signup_cancel(signup=signup, acting_user=user)
    signup_cancel(signup=signup, acting_user=user)
    refresh(setup.shift)
    assert setup.shift.booked == 0


def test_someone_else_cannot_cancel_my_signup(setup):
    user, other = setup.member(), setup.member()
    signup = signup_create(shift=setup.shift, user=user, acting_user=user)
    with pytest.raises(DomainError) as err:
        signup_cancel(signup=signup, acting_user=other)
    assert err.value.code == "not_allowed"


def test_double_signup_returns_the_same_row(setup):
    user = setup.member()
    a = signup_create(shift=setup.shift, user=user, acting_user=user)
    b = signup_create(shift=setup.shift, user=user, acting_user=user)
    refresh(setup.shift)
    assert a.pk == b.pk
    assert Signup.objects.filter(shift=setup.shift, user=user).count() == 1
    assert setup.shift.booked == 1


def test_signup_again_after_cancel_reactivates_the_row(setup):
    user = setup.member()
    a = signup_create(shift=setup.shift, user=user, acting_user=user)
    signup_cancel(signup=a, acting_user=user)
    b = signup_create(shift=setup.shift, user=user, acting_user=user)
    refresh(setup.shift)
    assert b.pk == a.pk
    assert b.status == Signup.Status.REGISTERED
    assert setup.shift.booked == 1
    assert Notification.objects.filter(signup=b, kind="confirmation").count() == 2


def test_member_of_another_school_is_refused(setup, world):
    outsider = setup.member(school=world.s2)
    with pytest.raises(DomainError) as err:
        signup_create(shift=setup.shift, user=outsider, acting_user=outsider)
    assert err.value.code == "not_your_school"
    assert not Signup.objects.exists()


def test_member_of_another_union_is_refused(setup):
    other_union = f.UnionFactory(short_name="PCS")
    user = f.MembershipFactory(union=other_union, workplace=setup.school).user
    with pytest.raises(DomainError) as err:
        signup_create(shift=setup.shift, user=user, acting_user=user)
    assert err.value.code == "not_your_school"


def test_district_officer_may_join_a_line_they_represent(setup, world):
    officer = f.RoleFactory(union=world.union, kind="district_officer", district=world.d1).user
    signup = signup_create(shift=setup.shift, user=officer, acting_user=officer)
    assert signup.status == Signup.Status.REGISTERED


def test_cancelled_strike_day_is_refused(setup):
    setup.day.status = "cancelled"
    setup.day.save()
    user = setup.member()
    with pytest.raises(DomainError) as err:
        signup_create(shift=setup.shift, user=user, acting_user=user)
    assert err.value.code == "day_cancelled"


def test_school_called_off_is_refused(setup):
    setup.called.cancelled_at = timezone.now()
    setup.called.save()
    user = setup.member()
    with pytest.raises(DomainError) as err:
        signup_create(shift=setup.shift, user=user, acting_user=user)
    assert err.value.code == "day_cancelled"


def test_started_shift_is_refused(setup):
    shift = f.ShiftFactory(
        picket_line=setup.line,
        starts_at=timezone.now() - dt.timedelta(minutes=5),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )
    user = setup.member()
    with pytest.raises(DomainError) as err:
        signup_create(shift=shift, user=user, acting_user=user)
    assert err.value.code == "started"


def test_cancelled_shift_is_refused(setup):
    Shift.objects.filter(pk=setup.shift.pk).update(cancelled_at=timezone.now())
    user = setup.member()
    with pytest.raises(DomainError) as err:
        signup_create(shift=setup.shift, user=user, acting_user=user)
    assert err.value.code == "shift_cancelled"


def test_supporter_does_not_take_a_picket_place(setup):
    signup = supporter_signup_create(
        shift=setup.shift, name="Pat", email="pat@example.net", consent=True
    )
    refresh(setup.shift, setup.line)
    assert signup.is_supporter and signup.user is None
    assert isinstance(signup.supporter, Supporter)
    assert setup.shift.booked == 0
    assert setup.line.pickets_signed_up == 0
    assert setup.line.supporters_signed_up == 1
    assert Notification.objects.filter(supporter=signup.supporter, kind="confirmation").exists()


def test_supporter_can_join_a_full_shift(setup):
    for _ in range(2):
        u = setup.member()
        signup_create(shift=setup.shift, user=u, acting_user=u)
    signup = supporter_signup_create(
        shift=setup.shift, name="Pat", phone="07700900123", consent=True
    )
    assert signup.status == Signup.Status.REGISTERED


def test_supporter_needs_consent_and_a_contact(setup):
    with pytest.raises(DomainError) as err:
        supporter_signup_create(shift=setup.shift, name="Pat", email="p@example.net", consent=False)
    assert err.value.code == "no_consent"
    with pytest.raises(DomainError) as err:
        supporter_signup_create(shift=setup.shift, name="Pat", consent=True)
    assert err.value.code == "no_contact"
    assert not Supporter.objects.exists()


def test_supporter_cancel_by_token(setup):
    signup = supporter_signup_create(
        shift=setup.shift, name="Pat", email="pat@example.net", consent=True
    )
    supporter_signup_cancel(token=signup.supporter.token)
    supporter_signup_cancel(token=signup.supporter.token)
    refresh(signup, setup.line)
    assert signup.status == Signup.Status.CANCELLED
    assert setup.line.supporters_signed_up == 0


def test_supporter_cannot_use_a_shift_from_another_line(setup):
    other_line = PicketLine.objects.get(pk=f.PicketLineFactory().pk)
    with pytest.raises(DomainError) as err:
        supporter_signup_create(
            shift=setup.shift,
            name="Pat",
            email="p@example.net",
            consent=True,
            picket_line_token=other_line.public_token,
        )
    assert err.value.code == "wrong_line"
