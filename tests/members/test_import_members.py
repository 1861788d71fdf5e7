"""Importing the union's member export: upsert by email, bad rows named by line number."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from kernel.models import AuditEntry
from members.models import Membership, User
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(tmp_path, world):
    world.s1.urn = 111111
    world.s1.save(update_fields=["urn"])
    path = tmp_path / "members.csv"
    path.write_text(
        "email,name,member_number,urn,staff_group,phone,branch\n"
        "ann@example.org,Ann Teacher,N1,111111,teacher,07700900001,x\n"
        "not-an-email,Bad Row,N2,111111,teacher,,x\n"
        "bob@example.org,Bob Support,N3,999999,support,,x\n"
        "cat@example.org,Cat Head,N4,111111,leader,,x\n"
        "ann@example.org,Ann Again,N5,111111,teacher,,x\n"
        "dan@example.org,Dan,N6,111111,janitor,,x\n",
        encoding="utf-8",
    )
    return path


def test_good_rows_import_and_bad_rows_are_named(export, world, capsys):
    call_command("import_members", str(export), "--union", "NEU")
    out, err = capsys.readouterr()
    assert set(Membership.objects.values_list("user__email", flat=True)) == {
        "ann@example.org",
        "cat@example.org",
    }
    assert "Line 3: 'not-an-email' is not an email address" in err
    assert "Line 4: no school has URN '999999'" in err
    assert "Line 6: ann@example.org appears twice" in err
    assert "Line 7: staff group 'janitor'" in err
    assert "2 added, 0 updated, 0 unchanged, 4 rows skipped" in out
    assert not User.objects.filter(email="bob@example.org").exists()
    ann = Membership.objects.get(user__email="ann@example.org")
    assert ann.workplace == world.s1 and ann.member_number == "N1"
    assert not ann.user.has_usable_password()


def test_second_run_changes_nothing(export, capsys):
    call_command("import_members", str(export))
    call_command("import_members", str(export))
    out, _ = capsys.readouterr()
    assert "0 added, 0 updated, 2 unchanged" in out
    assert Membership.objects.count() == 2


def test_each_import_is_audited_without_personal_data(export):
    call_command("import_members", str(export))
    entry = AuditEntry.objects.get(action="members.import")
    assert entry.detail == {"created": 2, "updated": 0, "problems": 4}


def test_windows_1252_file_is_read(tmp_path, world):
    path = tmp_path / "cp1252.csv"
    path.write_bytes("email,name\nzoe@example.org,Zoë Brontë\n".encode("cp1252"))
    call_command("import_members", str(path))
    assert User.objects.get(email="zoe@example.org").full_name == "Zoë Brontë"


def test_missing_file_and_wrong_columns_are_clear_errors(tmp_path, union):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_members", str(tmp_path / "nope.csv"))
    path = tmp_path / "wrong.csv"
    path.write_text("URN,EstablishmentName\n1,School\n")
    with pytest.raises(CommandError, match="has no email column"):
        call_command("import_members", str(path))
    assert User.objects.count() == 0


def test_unknown_union_is_a_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="No union called PCS"):
        call_command("import_members", str(tmp_path / "x.csv"), "--union", "PCS")


def test_someone_elses_member_number_is_refused(tmp_path, union):
    f.MembershipFactory(union=union, member_number="N9")
    path = tmp_path / "dup.csv"
    path.write_text("email,member_number\nnew@example.org,N9\n")
    call_command("import_members", str(path))
    assert not Membership.objects.filter(user__email="new@example.org").exists()
