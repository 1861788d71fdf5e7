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


def _sign_in_with_first_code(client, email):
    client.post("/accounts/login/code/", {"email": email})
    assert len(mail.outbox) == 1
    return client.post("/accounts/login/code/confirm/", {"code": code_from(mail.outbox[0])})


def _assert_signed_in_once(client, response, user):
    assert response.status_code == 302
    assert "verif" not in response["Location"]
    home = client.get(response["Location"])
    assert home.wsgi_request.user == user
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    address = EmailAddress.objects.get(user=user)
    assert (address.verified, address.primary) == (True, True)


def test_first_code_signs_in_a_member_with_no_email_address_row(client, world):
    """Members seeded or invited have no allauth EmailAddress row: the first right code must
    still sign them in, with no second "verify your email" message."""
    user = f.MembershipFactory(
        union=world.union, workplace=world.s1, user__email="seeded@example.org"
    ).user
    assert not EmailAddress.objects.filter(user=user).exists()
    response = _sign_in_with_first_code(client, "seeded@example.org")
    _assert_signed_in_once(client, response, user)


def test_first_code_signs_in_a_member_from_the_csv_import(client, world, tmp_path):
    from django.core.management import call_command

    from members.models import User

    world.s1.urn = 123456
    world.s1.save(update_fields=["urn"])
    export = tmp_path / "members.csv"
    export.write_text(
        "email,name,member_number,urn,staff_group,phone,branch\n"
        "Imported.Member@example.org,Imogen Imported,N1,123456,teacher,,x\n",
        encoding="utf-8",
    )
    call_command("import_members", str(export), "--union", world.union.short_name)
    user = User.objects.get(email__iexact="imported.member@example.org")
    response = _sign_in_with_first_code(client, "imported.member@example.org")
    _assert_signed_in_once(client, response, user)


def test_a_wrong_code_proves_nothing(client, world):
    user = f.MembershipFactory(
        union=world.union, workplace=world.s1, user__email="unproven@example.org"
    ).user
    client.post("/accounts/login/code/", {"email": "unproven@example.org"})
    client.post("/accounts/login/code/confirm/", {"code": "AAAA-AAAA"})
    assert not EmailAddress.objects.filter(user=user).exists()


def test_unknown_address_is_told_to_ask_the_union_not_to_sign_up(client, db):
    client.post("/accounts/login/code/", {"email": "stranger@example.org"})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "no member with that address" in body
    assert "/accounts/signup/" not in body
