"""Importing schools' former names, so a search by the old name finds the school.

Two shapes of file are read, or both at once:

- GIAS's links file (``links_edubasealldataYYYYMMDD.csv``: URN, LinkURN, LinkName, LinkType,
  LinkEstablishedDate, Windows-1252): each "Predecessor" row gives the school at URN a former
  name (the predecessor's name, its URN and the date of the link). Successor and other links
  are ignored: the successor's own row names its predecessor.
- a list of the union's own: URN and FormerName (or PreviousName).

Other columns are ignored. A row that cannot be used is reported with its line number and the
others still import; a URN the app does not hold (a closed school) is counted, not an error.
Running the same file again changes nothing. A fixed number of queries per 1,000 rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from kernel.audit import audit_log
from kernel.errors import DomainError
from schools.csvfiles import Problem, parse_date, read_rows, whole_number
from schools.models import School, SchoolFormerName

LINK_COLUMNS = ("urn", "linkurn", "linkname", "linktype")
NAME_COLUMNS = ("formername", "previousname")
BATCH = 1000
MAX_NAME = 200


@dataclass
class FormerNamesResult:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    not_predecessors: int = 0
    unknown_schools: int = 0
    same_as_current: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Name:
    line: int
    urn: int
    name: str
    former_urn: int | None
    changed_on: dt.date | None


def _clean_name(text: str) -> str:
    return " ".join(text.split())


def _parse(
    line: int, row: dict[str, str], columns: set[str], result: FormerNamesResult
) -> list[_Name]:
    """The former names a row gives (none when it gives none; a problem is recorded)."""
    if "__error__" in row:
        result.problems.append(Problem(line, row["__error__"]))
        return []
    urn = whole_number(row.get("urn", ""))
    if urn is None:
        result.problems.append(Problem(line, f"URN {row.get('urn', '')[:20]!r} is not a number"))
        return []
    names: list[_Name] = []
    if all(c in columns for c in LINK_COLUMNS):
        if not row["linktype"].lower().startswith("predecessor"):
            result.not_predecessors += 1
        else:
            name = _clean_name(row.get("linkname", ""))
            link_urn_text = row.get("linkurn", "")
            link_urn = whole_number(link_urn_text) if link_urn_text else None
            date_text = row.get("linkestablisheddate", "")
            changed_on = parse_date(date_text) if date_text else None
            if not name:
                result.problems.append(Problem(line, f"URN {urn}: the predecessor has no LinkName"))
            elif len(name) > MAX_NAME:
                result.problems.append(
                    Problem(line, f"URN {urn}: LinkName is longer than {MAX_NAME} characters")
                )
            elif link_urn_text and link_urn is None:
                result.problems.append(
                    Problem(line, f"URN {urn}: LinkURN {link_urn_text[:20]!r} is not a number")
                )
            elif date_text and (
                changed_on is None or not dt.date(1900, 1, 1) <= changed_on <= dt.date(2100, 1, 1)
            ):
                result.problems.append(
                    Problem(
                        line,
                        f"URN {urn}: LinkEstablishedDate {date_text[:20]!r} is not a date like "
                        "01-09-2012",
                    )
                )
            else:
                names.append(_Name(line, urn, name, link_urn, changed_on))
    for column in NAME_COLUMNS:
        name = _clean_name(row.get(column, ""))
        if not name:
            continue
        if len(name) > MAX_NAME:
            result.problems.append(
                Problem(line, f"URN {urn}: the former name is longer than {MAX_NAME} characters")
            )
            continue
        names.append(_Name(line, urn, name, None, None))
    return names


@transaction.atomic
def former_names_import(
    *, source: str | Path | bytes, acting_user: Any = None
) -> FormerNamesResult:
    """Import former names from a GIAS links file or a URN + FormerName list (see above).

    Raises ``DomainError`` (``file_missing``, ``bad_gzip``, ``not_csv``, ``not_links``), changing
    nothing, when the file cannot be used at all."""
    columns, rows = read_rows(source, what="former names")
    has_links = all(c in columns for c in LINK_COLUMNS)
    has_names = "urn" in columns and any(c in columns for c in NAME_COLUMNS)
    if not (has_links or has_names):
        raise DomainError(
            "This is neither a GIAS links file (columns URN, LinkURN, LinkName and LinkType) nor "
            "a list of former names (columns URN and FormerName).",
            code="not_links",
        )
    result = FormerNamesResult()
    wanted: dict[tuple[int, str], _Name] = {}
    for line, row in rows:
        result.rows += 1
        for item in _parse(line, row, columns, result):
            wanted.setdefault((item.urn, item.name.casefold()), item)

    schools: dict[int, tuple[int, str]] = {}
    urns = sorted({urn for urn, _name in wanted})
    for start in range(0, len(urns), BATCH):
        chunk = urns[start : start + BATCH]
        for pk, urn, name in School.objects.filter(urn__in=chunk).values_list("pk", "urn", "name"):
            schools[urn] = (pk, name)
    existing: set[tuple[int, str]] = set()
    ids = sorted(pk for pk, _name in schools.values())
    for start in range(0, len(ids), BATCH):
        existing.update(
            (school_id, name.casefold())
            for school_id, name in SchoolFormerName.objects.filter(
                school_id__in=ids[start : start + BATCH]
            ).values_list("school_id", "name")
        )

    new: list[SchoolFormerName] = []
    for (urn, folded), item in wanted.items():
        found = schools.get(urn)
        if found is None:
            result.unknown_schools += 1
            continue
        school_id, current = found
        if folded == _clean_name(current).casefold():
            result.same_as_current += 1
        elif (school_id, folded) in existing:
            result.unchanged += 1
        else:
            new.append(
                SchoolFormerName(
                    school_id=school_id,
                    name=item.name,
                    former_urn=item.former_urn,
                    changed_on=item.changed_on,
                )
            )
    SchoolFormerName.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    result.created = len(new)
    if new:
        audit_log(
            actor=acting_user,
            action="schools.import_former_names",
            created=result.created,
            skipped=len(result.problems),
        )
    return result
