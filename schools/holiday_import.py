"""Importing school holidays (term dates) from a CSV file, as a data officer gathers them from
the local authorities' published term dates.

Columns (any case, other columns ignored): ``la_code`` (the DfE's local-authority code, as in
GIAS) or ``nation`` (``E``/``England``, ``W``/``Wales``) for a holiday the whole nation shares;
``name`` ("Easter holiday"); ``first_day`` and ``last_day`` (2027-03-29 or 29/03/2027). Each
holiday is kept once per area, name and first day: a second run changes nothing, and a changed
last day updates the row. Rows that cannot be used are reported with their line numbers; the
others still import."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from kernel.audit import audit_log
from kernel.errors import DomainError
from schools.csvfiles import Problem, parse_date, read_rows
from schools.models import District, Nation, SchoolHoliday, holiday_problems

NATION_WORDS = {"e": "E", "england": "E", "w": "W", "wales": "W"}
MAX_NAME = 100


@dataclass
class HolidayImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


@transaction.atomic
def school_holidays_import(
    *, source: str | Path | bytes, acting_user: Any = None
) -> HolidayImportResult:
    """Import (upsert) school holidays; see the module docstring. Raises ``DomainError``
    (``file_missing``, ``bad_gzip``, ``not_csv``, ``not_term_dates``), changing nothing, when
    the file cannot be used at all."""
    columns, rows = read_rows(source, what="term dates")
    missing = [c for c in ("name", "firstday", "lastday") if c not in columns]
    if missing or not ({"lacode", "nation"} & columns):
        raise DomainError(
            "This is not a term-dates file: it needs the columns name, first_day, last_day and "
            "la_code (or nation).",
            code="not_term_dates",
        )
    districts = dict(District.objects.values_list("la_code", "pk"))
    nations = dict(Nation.objects.values_list("code", "pk"))
    result = HolidayImportResult()
    wanted: dict[tuple[str, int, str, Any], tuple[int, Any]] = {}
    first_line: dict[tuple[str, int, str, Any], int] = {}
    for line, row in rows:
        result.rows += 1
        if "__error__" in row:
            result.problems.append(Problem(line, row["__error__"]))
            continue
        la_code, nation_text = row.get("lacode", ""), row.get("nation", "")
        name = " ".join(row.get("name", "").split())
        if la_code and nation_text:
            result.problems.append(
                Problem(
                    line,
                    "give la_code or nation, not both (a local authority's row is "
                    "for its schools only)",
                )
            )
            continue
        if la_code:
            area: tuple[str, int | None] = ("district", districts.get(la_code))
            if area[1] is None:
                result.problems.append(
                    Problem(
                        line,
                        f"no local authority with LA code {la_code[:20]!r}: import "
                        "the schools first",
                    )
                )
                continue
        elif nation_text:
            code = NATION_WORDS.get(nation_text.lower())
            area = ("nation", nations.get(code) if code else None)
            if code is None:
                result.problems.append(
                    Problem(line, f"unknown nation {nation_text[:20]!r} (England or Wales)")
                )
                continue
            if area[1] is None:
                result.problems.append(
                    Problem(line, f"no schools in {nation_text} are held yet: import them first")
                )
                continue
        else:
            result.problems.append(Problem(line, "no la_code or nation"))
            continue
        if not name:
            result.problems.append(Problem(line, "the holiday has no name"))
            continue
        if len(name) > MAX_NAME:
            result.problems.append(Problem(line, f"the name is longer than {MAX_NAME} characters"))
            continue
        first_text, last_text = row.get("firstday", ""), row.get("lastday", "")
        first, last = parse_date(first_text), parse_date(last_text)
        bad = [t for t, d in ((first_text, first), (last_text, last)) if d is None]
        if bad:
            result.problems.append(
                Problem(line, f"{bad[0][:20]!r} is not a date like 2027-03-29 or 29/03/2027")
            )
            continue
        problems = holiday_problems(
            first_day=first, last_day=last, has_district=True, has_nation=False
        )
        if problems:
            result.problems.append(Problem(line, " ".join(problems)))
            continue
        assert area[1] is not None
        key = (area[0], area[1], name, first)
        if key in wanted:
            result.problems.append(
                Problem(
                    line,
                    f"{name} from {first.isoformat()} appears again (first on line "
                    f"{first_line[key]})",
                )
            )
            continue
        wanted[key] = (line, last)
        first_line[key] = line

    existing: dict[tuple[str, int, str, Any], tuple[int, Any]] = {}
    firsts = sorted({key[3] for key in wanted})
    for pk, district_id, nation_id, name, first, last in SchoolHoliday.objects.filter(
        first_day__in=firsts
    ).values_list("pk", "district_id", "nation_id", "name", "first_day", "last_day"):
        area_key = ("district", district_id) if district_id else ("nation", nation_id)
        existing[(*area_key, name, first)] = (pk, last)
    new: list[SchoolHoliday] = []
    changed: list[SchoolHoliday] = []
    for key, (_line, last) in wanted.items():
        kind, area_id, name, first = key
        found = existing.get(key)
        if found is None:
            new.append(
                SchoolHoliday(
                    district_id=area_id if kind == "district" else None,
                    nation_id=area_id if kind == "nation" else None,
                    name=name,
                    first_day=first,
                    last_day=last,
                )
            )
        elif found[1] != last:
            changed.append(SchoolHoliday(pk=found[0], last_day=last))
        else:
            result.unchanged += 1
    SchoolHoliday.objects.bulk_create(new, batch_size=1000)
    SchoolHoliday.objects.bulk_update(changed, ["last_day"], batch_size=1000)
    result.created, result.updated = len(new), len(changed)
    if new or changed:
        audit_log(
            actor=acting_user,
            action="schools.import_holidays",
            created=result.created,
            updated=result.updated,
            skipped=len(result.problems),
        )
    return result
