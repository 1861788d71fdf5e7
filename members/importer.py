"""Importing members from the union's own export (CSV).

Columns (header names, any order; others are ignored): ``email`` (required), ``name``,
``member_number``, ``urn`` (the workplace's DfE URN), ``staff_group`` (teacher, leader,
support), ``phone``. Upserts by email within the union; rows it cannot use are reported with their
line numbers and the good rows still import. A phone number that cannot be one is reported by
line too, and the row imports without it (its membership matters more than one optional cell);
numbers are stored as E.164, read as British when they have no country code. Each row is its
own small unit: a bad row never leaves half a person behind.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from kernel.audit import audit_log
from members.models import Membership, Union, User
from members.phones import InvalidPhone, phone_to_e164
from schools.models import School

STAFF_GROUPS = {"teacher", "leader", "support"}
MAX_EMAIL = 254  # the longest address SMTP carries, and User.email's length
URN_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: "²".isdigit() is True but int() fails
REQUIRED_COLUMNS = {"email"}


@dataclass
class MemberImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # rows skipped
    # Rows imported with one field left out (a phone number that cannot be one).
    notes: list[tuple[int, str]] = field(default_factory=list)


class MemberImportError(Exception):
    """The file as a whole cannot be read (missing, wrong format)."""


def _open(path: Path) -> TextIO:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return io.StringIO(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise MemberImportError(f"{path.name} is neither UTF-8 nor Windows-1252 text.")


def members_import_file(
    *, path: Path, union: Union, acting_user: Any = None, stdout: TextIO | None = None
) -> MemberImportResult:
    if not path.exists():
        raise MemberImportError(f"No such file: {path}")
    reader = csv.DictReader(_open(path))
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise MemberImportError(f"{path.name} is not a CSV file ({exc}).") from exc
    headers = {h.strip().lower() for h in fieldnames}
    missing = REQUIRED_COLUMNS - headers
    if missing:
        raise MemberImportError(
            f"{path.name} has no {', '.join(sorted(missing))} column; the first line must name "
            "the columns (email, name, member_number, urn, staff_group, phone)."
        )
    result = members_import_rows(rows=_rows(reader), union=union, stdout=stdout)
    audit_log(
        actor=acting_user,
        action="members.import",
        obj=union,
        created=result.created,
        updated=result.updated,
        problems=len(result.problems),
    )
    return result


def _rows(reader: csv.DictReader) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row by its line number; a line the CSV reader cannot parse comes back as a problem
    (``__error__``) so the rows after it still import."""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, {"__error__": f"unreadable CSV ({exc})"}
            continue
        cells: dict[str, str] = {}
        for k, v in row.items():
            if not k:
                continue
            # A row longer than the header gathers its extra cells in a list under None (skipped
            # above); a short row has None for the missing cells.
            cells[k.strip().lower()] = v.strip() if isinstance(v, str) else ""
        yield start, cells


def members_import_rows(
    *, rows: Iterable[tuple[int, dict[str, str]]], union: Union, stdout: TextIO | None = None
) -> MemberImportResult:
    result = MemberImportResult()
    schools = dict(School.objects.values_list("urn", "pk"))
    seen: set[str] = set()
    for line, row in rows:
        unreadable = _unreadable(row)
        if unreadable:
            result.problems.append((line, unreadable))
            continue
        phone_note = ""
        try:
            row["phone"] = phone_to_e164(row.get("phone", ""))
        except InvalidPhone as exc:
            row["phone"], phone_note = "", exc.message
        problem = _import_row(row, union=union, schools=schools, seen=seen, result=result)
        if problem:
            result.problems.append((line, problem))
        elif phone_note:
            result.notes.append((line, phone_note))
        if stdout is not None and (line - 1) % 1000 == 0:
            stdout.write(f"  {line - 1} rows read ...\n")
    return result


def _unreadable(row: dict[str, str]) -> str | None:
    """Why a row cannot be read at all: a line the CSV reader could not parse, or a NUL byte
    (which no text column can store), before any cell is looked at."""
    if "__error__" in row:
        return row["__error__"]
    for column, cell in row.items():
        if "\x00" in cell:
            return f"the {column[:40]} cell holds a NUL byte (the file may be damaged)"
    return None


def _import_row(
    row: dict[str, str],
    *,
    union: Union,
    schools: dict[int, int],
    seen: set[str],
    result: MemberImportResult,
) -> str | None:
    email = row.get("email", "").lower()
    if len(email) > MAX_EMAIL:
        return f"the email address is longer than {MAX_EMAIL} characters"
    try:
        validate_email(email)
    except ValidationError:
        return f"'{email or '(empty)'}' is not an email address"
    if email in seen:
        return f"{email} appears twice in the file"
    seen.add(email)
    workplace_id = None
    if row.get("urn"):
        urn = int(row["urn"]) if URN_DIGITS.fullmatch(row["urn"]) else None
        if urn not in schools:
            return f"no school has URN '{row['urn'][:20]}' (import the schools first)"
        workplace_id = schools[urn]
    staff_group = (row.get("staff_group") or "teacher").lower()
    if staff_group not in STAFF_GROUPS:
        return f"staff group '{staff_group[:20]}' is not one of teacher, leader, support"
    name, phone = row.get("name", "")[:150], row.get("phone", "")  # phone: E.164 or ""
    number = row.get("member_number", "")[:40]
    with transaction.atomic():
        user, user_created = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "phone": phone}
        )
        if user_created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"primary": True, "verified": False}
            )
        elif (name and user.full_name != name) or (phone and user.phone != phone):
            user.full_name = name or user.full_name
            user.phone = phone or user.phone
            user.save(update_fields=["full_name", "phone"])
        wanted = {
            "workplace_id": workplace_id,
            "member_number": number,
            "staff_group": staff_group,
            "is_active": True,
        }
        membership = Membership.objects.filter(user=user, union=union).first()
        if membership is None:
            if number and Membership.objects.filter(union=union, member_number=number).exists():
                transaction.set_rollback(True)
                return f"member number {number} belongs to someone else"
            Membership.objects.create(user=user, union=union, **wanted)
            result.created += 1
        elif any(getattr(membership, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(membership, k, v)
            membership.save(update_fields=list(wanted))
            result.updated += 1
        else:
            result.unchanged += 1
    return None
