"""Phone numbers: parsed with phonenumbers, kept and sent as E.164, GB by default."""

from __future__ import annotations

import html
import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from members.models import Supporter, User
from members.phones import InvalidPhone, phone_to_e164
from schools.models import Entrance
from strikes import sms
from tests import factories as f


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("07911 123456", "+447911123456"),
        ("0121 496 0000", "+441214960000"),
        ("+353 85 123 4567", "+353851234567"),
        ("  ", ""),
    ],
)
def test_numbers_become_e164_read_as_british_by_default(typed, e164):
    assert phone_to_e164(typed) == e164


@pytest.mark.parametrize(
    "typed", ["12345", "hello", "07700", "+44 7700 900123 4567 89", "0" * 41, "07700\x00900123"]
)
def test_a_number_that_cannot_be_one_is_refused_with_what_to_type(typed):
    with pytest.raises(InvalidPhone) as err:
        phone_to_e164(typed)
    assert err.value.code == "phone_invalid"
    assert "07700 900123" in err.value.message


def test_a_landline_is_refused_where_we_need_a_mobile():
    assert phone_to_e164("0121 496 0000") == "+441214960000"
    with pytest.raises(InvalidPhone, match="landline"):
        phone_to_e164("0121 496 0000", mobile=True)
    assert phone_to_e164("07911 123456", mobile=True) == "+447911123456"


@pytest.fixture
def line(world):
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    line = f.PicketLineFactory(
        strike_day=day, entrance=Entrance.objects.get(site__school=world.s1, is_main=True)
    )
    line.test_shift = f.ShiftFactory(picket_line=line, capacity=6)
    return line


def _join(client, line, phone):
    return client.post(
        reverse("strikes:line-public", args=[line.public_token]),
        {"shift": line.test_shift.pk, "name": "Pat", "phone": phone, "consent": "on"},
    )


def test_supporter_form_stores_e164(client, line):
    assert _join(client, line, "07700 900 456").status_code == 302
    assert Supporter.objects.get().phone == "+447700900456"


def test_supporter_form_says_what_is_wrong_with_a_number(client, line):
    response = _join(client, line, "12345")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "'12345' cannot be a phone number" in page
    assert not Supporter.objects.exists()
    landline = html.unescape(_join(client, line, "0121 496 0000").content.decode())
    assert "texts need a mobile number" in landline


def test_importer_names_an_unusable_number_by_line_and_imports_the_rest(tmp_path, world, capsys):
    path = tmp_path / "members.csv"
    path.write_text(
        "email,name,phone\n"
        "ann@example.org,Ann,07700 900001\n"
        "bob@example.org,Bob,not a number\n"
        "cat@example.org,Cat,\n",
        encoding="utf-8",
    )
    call_command("import_members", str(path))
    out, err = capsys.readouterr()
    assert User.objects.get(email="ann@example.org").phone == "+447700900001"
    bob = User.objects.get(email="bob@example.org")
    assert bob.phone == "" and bob.full_name == "Bob"
    assert "Line 3: 'not a number' is not a phone number" in err
    assert "imported without the phone number" in err
    assert "3 added" in out and "0 rows skipped" in out


def test_texts_go_to_e164(settings):
    settings.SMS_BACKEND = "strikes.sms.LocmemBackend"
    sms.outbox.clear()
    sms.sms_send(to="07700 900123", text="See you at 07:30", idempotency_key="k")
    assert sms.outbox[-1].to == "+447700900123"


def test_migration_converts_numbers_and_clears_and_lists_the_unusable(db, capsys):
    migration = importlib.import_module("members.migrations.0003_phones_e164")
    member = f.UserFactory(phone="07700 900123")
    texter = f.UserFactory(phone="12345", preferred_channel="sms")
    now = timezone.now()
    with_email = Supporter.objects.create(
        name="A", email="a@example.net", phone="hello", consent_at=now
    )
    phone_only = Supporter.objects.create(name="B", phone="12345", consent_at=now)
    fine = Supporter.objects.create(name="C", phone="+44 7700 900456", consent_at=now)

    migration.forwards(apps, None)

    out = capsys.readouterr().out
    member.refresh_from_db()
    texter.refresh_from_db()
    assert member.phone == "+447700900123"
    assert texter.phone == "" and texter.preferred_channel == "email"
    assert f"members.User {texter.pk}: cleared" in out and "now go by email" in out
    assert Supporter.objects.get(pk=with_email.pk).phone == ""
    assert f"members.Supporter {with_email.pk}: cleared" in out
    assert Supporter.objects.get(pk=phone_only.pk).phone == "12345"
    assert f"members.Supporter {phone_only.pk}: kept" in out
    assert Supporter.objects.get(pk=fine.pk).phone == "+447700900456"
    assert "12345" not in out and "hello" not in out  # ids, never the numbers themselves


def test_the_admin_stores_e164_and_refuses_junk(rf, admin_user):
    from django.contrib import admin

    supporter = Supporter.objects.create(
        name="Pat", phone="+447700900456", consent_at=timezone.now()
    )
    request = rf.get("/")
    request.user = admin_user
    form_class = admin.site._registry[Supporter].get_form(request, supporter)
    data = {
        "name": "Pat",
        "email": "",
        "token": supporter.token,
        "consent_at_0": "2026-12-01",
        "consent_at_1": "10:00:00",
        "created_at_0": "2026-12-01",
        "created_at_1": "10:00:00",
    }
    refused = form_class({**data, "phone": "12345"}, instance=supporter)
    assert not refused.is_valid()
    assert "cannot be a phone number" in refused.errors["phone"][0]
    accepted = form_class({**data, "phone": "07700 900 789"}, instance=supporter)
    assert accepted.is_valid(), accepted.errors
    assert accepted.save().phone == "+447700900789"
