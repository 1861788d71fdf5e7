"""Sign-in by an emailed code: members need no password."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests import factories as f

pytestmark = pytest.mark.django_db


def code_from(message) -> str:
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def member(world):
    membership = f.MembershipFactory(
        union=world.union, workplace=world.s1, user__email="teacher@example.org"
    )
    EmailAddress.objects.create(
        user=membership.user, email="teacher@example.org", primary=True, verified=False
    )
    return membership.user


def test_member_signs_in_with_emailed_code_and_lands_home(client, member):
    response = client.post("/accounts/login/code/", {"email": "teacher@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["teacher@example.org"]
    response = client.post("/accounts/login/code/confirm/", {"code": code_from(mail.outbox[0])})
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.wsgi_request.user == member
    assert b"Strike days at your school" in home.content
    assert EmailAddress.objects.get(user=member).verified


def test_wrong_code_does_not_sign_in(client, member):
    client.post("/accounts/login/code/", {"email": "teacher@example.org"})
    response = client.post("/accounts/login/code/confirm/", {"code": "WRONG1"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_unknown_email_gets_no_account(client, db):
    from members.models import User

    client.post("/accounts/login/code/", {"email": "stranger@example.org"})
    assert not User.objects.filter(email="stranger@example.org").exists()


def test_open_sign_up_is_closed_by_default(client, db):
    response = client.get("/accounts/signup/")
    assert b"closed" in response.content.lower()


@pytest.mark.parametrize(
    ("role", "text"),
    [
        ({"kind": "national_organiser"}, b"Strike-day dashboard"),
        ({"kind": "rep"}, b"Set up shifts, check in and report"),
    ],
)
def test_home_page_fits_the_role(client, world, role, text):
    if role["kind"] == "rep":
        role = {**role, "school": world.s1}
    user = f.RoleFactory(union=world.union, **role).user
    client.force_login(user)
    assert text in client.get("/").content
