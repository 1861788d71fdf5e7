"""Junk CSV files through both importers: each bad cell is a bad row named by its line number,
the good rows import, and nothing raises a traceback."""

from __future__ import annotations

import csv
import gzip
import io

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from kernel.errors import DomainError
from members.importer import MemberImportError, members_import_file
from members.models import Membership
from schools.importer import schools_import_gias
from schools.models import School
from tests.junk import fuzz_settings, nasty_text
from tests.schools.test_import_schools import HEADER, row

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

#: Tallies for the run's summary line (tests/conftest.py prints them).
TALLY = {"files": 0, "tracebacks": 0}


def counted(do, *expected: type[BaseException]):
    """Run one import of a junk file, counting it and any exception it should not raise."""
    TALLY["files"] += 1
    try:
        return do()
    except expected:
        raise
    except Exception:
        TALLY["tracebacks"] += 1
        raise


def gias_bytes(rows: list[dict[str, object]], *, header: list[str] = HEADER) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


# --- GIAS: the cells that broke it, each named by its line ----------------------------------


@pytest.mark.parametrize(
    "column, junk, message",
    [
        ("URN", "²", "is not a number"),
        ("URN", "٣٣٣", "is not a number"),
        ("NumberOfPupils", "²", "is not a whole number"),
        ("NumberOfPupils", "2147483648", "more than a school holds"),
        ("EstablishmentName", "Ab\x00bey", "NUL byte"),
        ("Town", "\x00", "NUL byte"),
        ("Postcode", "NE1\x00", "NUL byte"),
        ("LA (name)", "x\x00", "NUL byte"),
    ],
)
def test_gias_bad_cell_is_a_bad_row_and_the_good_rows_import(world, column, junk, message):
    data = gias_bytes([row(100001), row(100002, **{column: junk}), row(100003)])
    result = schools_import_gias(source=data)
    assert [(p.line, message in p.message) for p in result.problems] == [(3, True)]
    assert set(School.objects.filter(urn__gte=100001).values_list("urn", flat=True)) >= {
        100001,
        100003,
    }


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01\x02\xff\xfe" * 100,
        gzip.compress(b"not a csv at all"),
        b"\x1f\x8bbroken gzip",
        b"URN,Name\n1,x\n",
        "URN\n²\n".encode(),
        bytes(range(256)) * 20,
    ],
)
def test_gias_junk_file_is_a_clear_error_or_named_rows(world, data):
    try:
        result = counted(lambda: schools_import_gias(source=data), DomainError)
    except DomainError:
        return
    assert all(p.line >= 2 for p in result.problems)


@fuzz_settings
@given(
    junk=st.lists(st.tuples(st.sampled_from(HEADER), nasty_text), min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8", "cp1252", "gzip"]),
)
def test_gias_fuzz_never_raises_and_good_rows_import(world, junk, encoding):
    good = [row(200000 + i) for i in range(3)]
    bad = [row(300000 + i, **{column: value}) for i, (column, value) in enumerate(junk)]
    rows = [good[0], *bad[: len(bad) // 2], good[1], *bad[len(bad) // 2 :], good[2]]
    text = gias_bytes(rows).decode("utf-8", "surrogatepass")
    if encoding == "cp1252":
        data = text.encode("cp1252", "replace")
    else:
        data = text.encode("utf-8", "surrogatepass")
        if encoding == "gzip":
            data = gzip.compress(data)
    with transaction.atomic():
        result = counted(lambda: schools_import_gias(source=data))
        imported = set(
            School.objects.filter(urn__in=[200000, 200001, 200002]).values_list("urn", flat=True)
        )
        transaction.set_rollback(True)
    assert imported == {200000, 200001, 200002}
    assert all(p.line >= 2 for p in result.problems)


# --- Members ----------------------------------------------------------------------------------

MEMBER_HEADER = ["email", "name", "member_number", "urn", "staff_group", "phone"]


def member_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=MEMBER_HEADER, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def member(n: int, **overrides: str) -> dict[str, str]:
    values = {
        "email": f"m{n}@example.org",
        "name": f"Member {n}",
        "member_number": f"N{n}",
        "urn": "",
        "staff_group": "teacher",
        "phone": "",
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    "column, junk, message",
    [
        ("email", "a" * 250 + "@example.org", "longer than 254"),
        ("urn", "²", "no school has URN"),
        ("urn", "99999999999999999999", "no school has URN"),
        ("name", "Ann\x00", "NUL byte"),
        ("member_number", "\x00", "NUL byte"),
        ("phone", "0770\x00", "NUL byte"),
        ("staff_group", "x" * 5000, "is not one of"),
    ],
)
def test_members_bad_cell_is_a_bad_row_and_the_good_rows_import(
    tmp_path, union, column, junk, message
):
    path = tmp_path / "members.csv"
    path.write_text(
        member_csv([member(1), member(2, **{column: junk}), member(3)]), encoding="utf-8"
    )
    result = members_import_file(path=path, union=union)
    assert [(line, message in text) for line, text in result.problems] == [(3, True)]
    emails = set(Membership.objects.values_list("user__email", flat=True))
    assert emails == {"m1@example.org", "m3@example.org"}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01\x02\xff\xfe" * 100,
        b"email\n" + b"x" * 200_000 + b"\n",
        b'email,name\n"unterminated,x\nb@example.org,B\n',
        b"name,phone\nAnn,1\n",
        bytes(range(256)) * 20,
        "email,name\nc@example.org,Zoë\n".encode("cp1252"),
    ],
)
def test_members_junk_file_is_a_clear_error_or_named_rows(tmp_path, union, data):
    path = tmp_path / "members.csv"
    path.write_bytes(data)
    try:
        result = counted(lambda: members_import_file(path=path, union=union), MemberImportError)
    except MemberImportError:
        return
    assert all(line >= 2 for line, _ in result.problems)


@fuzz_settings
@given(
    junk=st.lists(st.tuples(st.sampled_from(MEMBER_HEADER), nasty_text), min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_members_fuzz_never_raises_and_good_rows_import(tmp_path_factory, union, junk, encoding):
    good = [member(i) for i in range(3)]
    bad = [member(100 + i, **{column: value}) for i, (column, value) in enumerate(junk)]
    rows = [good[0], *bad[: len(bad) // 2], good[1], *bad[len(bad) // 2 :], good[2]]
    path = tmp_path_factory.mktemp("junk") / "members.csv"
    path.write_bytes(
        member_csv(rows).encode(encoding, "replace" if encoding != "utf-8" else "surrogatepass")
    )
    with transaction.atomic():
        result = counted(lambda: members_import_file(path=path, union=union))
        emails = set(Membership.objects.values_list("user__email", flat=True))
        transaction.set_rollback(True)
    assert {"m0@example.org", "m1@example.org", "m2@example.org"} <= emails
    assert all(line >= 2 for line, _ in result.problems)
