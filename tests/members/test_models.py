"""Constraints on people: unique emails, one membership per union, roles tied to a place."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from members.models import Role, Supporter, User
from tests import factories as f

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_email_is_unique_whatever_its_case():
    User.objects.create_user("Sam@Example.org")
    assert refused(lambda: User.objects.create(email="sam@example.ORG"))


def test_members_need_no_password():
    user = User.objects.create_user("teacher@example.org")
    assert not user.has_usable_password()


def test_one_membership_per_union():
    membership = f.MembershipFactory()
    assert refused(lambda: f.MembershipFactory(user=membership.user, union=membership.union))
    f.MembershipFactory(user=membership.user, union=f.UnionFactory(short_name="PCS"))


def test_role_must_name_the_place_its_kind_needs(world):
    user = f.UserFactory()
    assert refused(lambda: Role.objects.create(user=user, union=world.union, kind="rep"))
    assert refused(
        lambda: Role.objects.create(
            user=user, union=world.union, kind="district_officer", region=world.north
        )
    )
    assert refused(
        lambda: Role.objects.create(
            user=user, union=world.union, kind="national_organiser", school=world.s1
        )
    )
    Role.objects.create(user=user, union=world.union, kind="rep", school=world.s1)


def test_the_same_role_cannot_be_granted_twice(world):
    role = f.RoleFactory(union=world.union, kind="national_organiser")
    assert refused(
        lambda: Role.objects.create(user=role.user, union=world.union, kind="national_organiser")
    )


def test_sms_channel_needs_a_phone_number():
    assert refused(lambda: f.UserFactory(preferred_channel="sms", phone=""))
    f.UserFactory(preferred_channel="sms", phone="07700900123")


def test_supporter_needs_one_contact():
    from django.utils import timezone

    assert refused(lambda: Supporter.objects.create(name="Pat", consent_at=timezone.now()))
    Supporter.objects.create(name="Pat", phone="07700900456", consent_at=timezone.now())
