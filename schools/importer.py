"""Importing schools from the DfE's "Get Information about Schools" (GIAS) extract.

``schools_import_gias`` reads the file (UTF-8 or Windows-1252, plain or gzipped, any number of
columns as long as GIAS's own names are used), checks every row, and then upserts by URN in bulk,
in one transaction: nations, the NEU's regions, districts (one per local authority) and academy
trusts are created as they are first seen, and every new school gets a main site with a main
entrance. Rows it cannot use are reported with their line numbers and the others still import.
The work is a fixed number of queries per batch, never per row, so the national file of 23,466
schools imports in seconds.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError
from schools import regions
from schools.models import (
    AcademyTrust,
    District,
    Entrance,
    Nation,
    Region,
    School,
    SchoolFormerName,
    Site,
)

REQUIRED_COLUMNS = ("URN", "LA (code)", "LA (name)", "EstablishmentName")

# Columns we read; every other column of a GIAS download is ignored.
COL_URN = "URN"
COL_LA_CODE = "LA (code)"
COL_LA_NAME = "LA (name)"
COL_NAME = "EstablishmentName"
COL_TYPE = "TypeOfEstablishment (name)"
COL_TYPE_GROUP = "EstablishmentTypeGroup (name)"
COL_STATUS = "EstablishmentStatus (name)"
COL_PHASE = "PhaseOfEducation (name)"
COL_TOWN = "Town"
COL_POSTCODE = "Postcode"
COL_TRUST = "Trusts (name)"
COL_GOR = "GOR (name)"
COL_COUNTRY = "Country (name)"
COL_PUPILS = "NumberOfPupils"
COL_LAT = "Latitude"
COL_LON = "Longitude"

# The fields of School the importer owns; a school whose values all match is "unchanged".
SCHOOL_FIELDS = (
    "name",
    "district_id",
    "trust_id",
    "type_name",
    "type_group",
    "phase",
    "employer_kind",
    "town",
    "postcode",
    "pupils",
    "latitude",
    "longitude",
)
UPDATE_FIELDS = [f.removesuffix("_id") if f.endswith("_id") else f for f in SCHOOL_FIELDS]

MAX_LENGTHS = {
    "name": 200,
    "type_name": 100,
    "type_group": 100,
    "phase": 50,
    "town": 100,
    "postcode": 10,
    "trust_name": 200,
    "la_name": 100,
}

GOVERNING_BODY_TYPES = frozenset(
    {"voluntary aided school", "foundation school", "foundation special school"}
)
ACADEMY_GROUPS = frozenset({"academies", "free schools"})
ACADEMY_TYPES = frozenset({"university technical college", "studio schools"})

BATCH_SIZE = 1000
NOT_IMPORTED_STATUSES = frozenset({"closed"})


INDEPENDENT_TYPES = frozenset({"non-maintained special school"})
OTHER_GROUPS = frozenset({"other types", "online provider"})


def employer_kind_for(*, type_name: str, type_group: str) -> str:
    """Who employs the staff: an academy trust, the governing body or the local authority for
    state-funded schools; independent schools, colleges, universities and the rest apart, so a
    dispute about maintained schools and academies never calls them out."""
    t, g = type_name.strip().lower(), type_group.strip().lower()
    if g == "independent schools" or "independent" in t or t in INDEPENDENT_TYPES:
        return School.EmployerKind.INDEPENDENT
    if g == "colleges" or t in ("further education", "sixth form centres"):
        return School.EmployerKind.FURTHER_EDUCATION
    if g == "universities" or t == "higher education institutions":
        return School.EmployerKind.HIGHER_EDUCATION
    if g in OTHER_GROUPS:
        return School.EmployerKind.OTHER
    if g in ACADEMY_GROUPS or "academy" in t or "free school" in t or t in ACADEMY_TYPES:
        return School.EmployerKind.ACADEMY_TRUST
    if t in GOVERNING_BODY_TYPES:
        return School.EmployerKind.GOVERNING_BODY
    return School.EmployerKind.LOCAL_AUTHORITY


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    closed: int = 0
    outside: int = 0
    nations_created: int = 0
    regions_created: int = 0
    districts_created: int = 0
    trusts_created: int = 0
    sites_created: int = 0
    entrances_created: int = 0
    renamed: int = 0
    seconds: float = 0.0

    @property
    def skipped(self) -> int:
        return len(self.problems) + self.closed + self.outside

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.nations_created
            or self.regions_created
            or self.districts_created
            or self.trusts_created
            or self.sites_created
            or self.entrances_created
        )


@dataclass
class _Row:
    line: int
    urn: int
    la_code: str
    la_name: str
    gor: str
    country: str
    trust_name: str
    values: dict[str, Any]


class _Out:
    def __init__(self, stdout: IO[str] | None) -> None:
        self.stdout = stdout

    def __call__(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")


# --- Reading the file ---------------------------------------------------------------------


def _read_text(source: str | Path | bytes) -> str:
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise DomainError(
                f"There is no file at {path}. Give the path of a GIAS CSV extract "
                "(.csv or .csv.gz).",
                code="file_missing",
            )
        data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise DomainError(
                f"The file looks gzipped but cannot be unpacked ({exc}).", code="bad_gzip"
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # A GIAS download from the DfE's site is Windows-1252.
        return data.decode("cp1252", errors="replace")


def _records(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise DomainError(f"This is not a CSV file ({exc}).", code="not_gias") from exc
    if COL_URN not in header:
        raise DomainError(
            "This is not a GIAS schools extract: it has no URN column. Download the "
            "establishment fields CSV from Get Information about Schools.",
            code="not_gias",
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DomainError(
            "This GIAS extract lacks the column(s) " + ", ".join(missing) + ".", code="not_gias"
        )
    index = {name: i for i, name in enumerate(header)}
    return header, csv_rows(reader, index)


def csv_rows(reader: Any, index: dict[str, int]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows after the header as {column: cell}, each with the line it starts on (a quoted
    cell may span lines); blank rows are skipped, and a row the CSV reader cannot read comes as
    {"__error__": why} so the import goes on and names its line."""
    line = reader.line_num
    while True:
        start = line + 1
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            yield start, {"__error__": f"unreadable CSV ({exc})"}
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in raw):
            continue
        yield start, {name: (raw[i].strip() if i < len(raw) else "") for name, i in index.items()}


def _coordinate(value: str, low: float, high: float, what: str) -> float | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a number") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{what} {value!r} is out of range")
    return number


# The most pupils one establishment has had in England and Wales is about 4,000; past this a
# figure is junk (and past 2,147,483,647 it would not fit the column at all).
MAX_PUPILS = 50_000
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def _whole_number(text: str) -> int | None:
    """``text`` as a whole number when it is ASCII digits only. ``str.isdigit`` is not enough:
    it accepts ``²`` and other digits that ``int`` refuses."""
    return int(text) if _ASCII_DIGITS.fullmatch(text) else None


def _parse(line: int, rec: dict[str, str]) -> _Row | str:
    """A checked row, or the reason it cannot be used."""
    if "__error__" in rec:
        return rec["__error__"]
    for column, cell in rec.items():
        if "\x00" in cell:
            return f"the {column} cell holds a NUL byte (the file may be damaged)"
    urn_text = rec[COL_URN]
    if not urn_text:
        return "no URN"
    urn_value = _whole_number(urn_text)
    if urn_value is None or not 0 < urn_value <= 2_147_483_647:
        return f"URN {urn_text[:20]!r} is not a number"
    urn = int(urn_text)
    la_code = rec[COL_LA_CODE]
    if not la_code:
        return f"URN {urn} has no LA code"
    if len(la_code) > 10:
        return f"URN {urn}: LA code {la_code!r} is too long"
    name = rec[COL_NAME]
    if not name:
        return f"URN {urn} has no establishment name"
    try:
        latitude = _coordinate(rec.get(COL_LAT, ""), -90, 90, "latitude")
        longitude = _coordinate(rec.get(COL_LON, ""), -180, 180, "longitude")
    except ValueError as exc:
        return f"URN {urn}: {exc}"
    if (latitude is None) != (longitude is None):
        return f"URN {urn} has only one of latitude and longitude"
    pupils_text = rec.get(COL_PUPILS, "")
    pupils = _whole_number(pupils_text) if pupils_text else None
    if pupils_text and pupils is None:
        return f"URN {urn}: number of pupils {pupils_text[:20]!r} is not a whole number"
    if pupils is not None and pupils > MAX_PUPILS:
        return f"URN {urn}: {pupils:,} pupils is more than a school holds ({MAX_PUPILS:,} at most)"
    type_name = rec.get(COL_TYPE, "")
    type_group = rec.get(COL_TYPE_GROUP, "")
    values: dict[str, Any] = {
        "name": name,
        "type_name": type_name,
        "type_group": type_group,
        "phase": rec.get(COL_PHASE, ""),
        "employer_kind": employer_kind_for(type_name=type_name, type_group=type_group),
        "town": rec.get(COL_TOWN, ""),
        "postcode": rec.get(COL_POSTCODE, ""),
        "pupils": pupils,
        "latitude": latitude,
        "longitude": longitude,
    }
    trust_name = rec.get(COL_TRUST, "")
    if values["employer_kind"] != School.EmployerKind.ACADEMY_TRUST:
        trust_name = ""  # a foundation school's trust is not its employer
    lengths = {**values, "trust_name": trust_name, "la_name": rec[COL_LA_NAME]}
    for key, limit in MAX_LENGTHS.items():
        if len(lengths[key] or "") > limit:
            return f"URN {urn}: {key.replace('_', ' ')} is longer than {limit} characters"
    return _Row(
        line=line,
        urn=urn,
        la_code=la_code,
        la_name=rec[COL_LA_NAME] or f"LA {la_code}",
        gor=rec.get(COL_GOR, ""),
        country=rec.get(COL_COUNTRY, ""),
        trust_name=trust_name,
        values=values,
    )


# --- Writing --------------------------------------------------------------------------------


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ensure_places(rows: list[_Row], result: ImportResult) -> dict[str, int]:
    """Districts by LA code (creating nations, regions and districts as needed)."""
    districts = dict(District.objects.values_list("la_code", "id"))
    new_las: dict[str, _Row] = {}
    for row in rows:
        if row.la_code not in districts and row.la_code not in new_las:
            new_las[row.la_code] = row
    if not new_las:
        return districts
    nations = {n.code: n for n in Nation.objects.all()}
    region_objs = {r.name: r for r in Region.objects.all()}
    to_create: list[District] = []
    for la_code, row in new_las.items():
        neu = regions.neu_region_for(la_code=la_code, gor=row.gor, country=row.country)
        assert neu is not None  # rows outside England and Wales were set aside
        nation = nations.get(neu.nation_code)
        if nation is None:
            nation = Nation.objects.create(
                code=neu.nation_code, name=regions.NATIONS[neu.nation_code]
            )
            nations[nation.code] = nation
            result.nations_created += 1
        region = region_objs.get(neu.name)
        if region is None:
            region = Region.objects.create(nation=nation, name=neu.name, slug=neu.slug)
            region_objs[region.name] = region
            result.regions_created += 1
        to_create.append(District(region=region, la_code=la_code, name=row.la_name))
    District.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    result.districts_created = len(to_create)
    return dict(District.objects.values_list("la_code", "id"))


def _ensure_trusts(rows: list[_Row], result: ImportResult) -> dict[str, int]:
    names = {row.trust_name for row in rows if row.trust_name}
    if not names:
        return {}
    trusts: dict[str, int] = {}
    for chunk in _chunks(sorted(names), BATCH_SIZE):
        trusts.update(AcademyTrust.objects.filter(name__in=chunk).values_list("name", "id"))
    new = [AcademyTrust(name=name) for name in sorted(names - trusts.keys())]
    if new:
        AcademyTrust.objects.bulk_create(new, batch_size=BATCH_SIZE)
        result.trusts_created = len(new)
        for chunk in _chunks([t.name for t in new], BATCH_SIZE):
            trusts.update(AcademyTrust.objects.filter(name__in=chunk).values_list("name", "id"))
    return trusts


def _ensure_main_sites(school_ids: list[int], result: ImportResult, out: _Out) -> None:
    """A main site for each school with no site at all; a main entrance for each entrance-less
    main site. New schools get both; existing ones are left as their people arranged them."""
    with_site: set[int] = set()
    for chunk in _chunks(school_ids, BATCH_SIZE):
        with_site.update(
            Site.objects.filter(school_id__in=chunk).values_list("school_id", flat=True)
        )
    sites = [
        Site(school_id=sid, name="Main site", is_main=True)
        for sid in school_ids
        if sid not in with_site
    ]
    for chunk in _chunks(sites, BATCH_SIZE):
        Site.objects.bulk_create(chunk)
    result.sites_created = len(sites)
    main_sites: list[int] = []
    for chunk in _chunks(school_ids, BATCH_SIZE):
        main_sites.extend(
            Site.objects.filter(
                school_id__in=chunk, is_main=True, entrances__isnull=True
            ).values_list("id", flat=True)
        )
    entrances = [Entrance(site_id=sid, name="Main entrance", is_main=True) for sid in main_sites]
    for chunk in _chunks(entrances, BATCH_SIZE):
        Entrance.objects.bulk_create(chunk)
    result.entrances_created = len(entrances)
    if sites or entrances:
        out(f"  {len(sites):,} main sites and {len(entrances):,} main entrances created.")


@transaction.atomic
def schools_import_gias(
    *,
    source: str | Path | bytes,
    stdout: IO[str] | None = None,
    progress_every: int = 5000,
    acting_user: Any = None,
) -> ImportResult:
    """Import (upsert by URN) the schools of a GIAS CSV extract. See the module docstring.

    Raises ``DomainError`` (code ``file_missing`` or ``not_gias``), changing nothing, when the
    file is missing or is not a GIAS extract.
    """
    started = time.monotonic()
    out = _Out(stdout)
    result = ImportResult()
    _header, records = _records(_read_text(source))

    rows: list[_Row] = []
    first_line_of: dict[int, int] = {}
    for line, rec in records:
        result.rows += 1
        if progress_every and result.rows % progress_every == 0:
            out(f"  read {result.rows:,} rows ...")
        status = rec.get(COL_STATUS, "").lower()
        if status in NOT_IMPORTED_STATUSES:
            result.closed += 1
            continue
        parsed = _parse(line, rec)
        if isinstance(parsed, str):
            result.problems.append(RowProblem(line, parsed))
            continue
        if (
            regions.neu_region_for(la_code=parsed.la_code, gor=parsed.gor, country=parsed.country)
            is None
        ):
            if parsed.gor.lower() in {"", "not applicable"}:
                result.outside += 1
            else:
                result.problems.append(
                    RowProblem(line, f"URN {parsed.urn}: unknown region {parsed.gor!r}")
                )
            continue
        if parsed.urn in first_line_of:
            result.problems.append(
                RowProblem(
                    line,
                    f"URN {parsed.urn} appears again (first on line {first_line_of[parsed.urn]})",
                )
            )
            continue
        first_line_of[parsed.urn] = line
        rows.append(parsed)
    out(f"Read {result.rows:,} rows: {len(rows):,} schools to import.")

    districts = _ensure_places(rows, result)
    trusts = _ensure_trusts(rows, result)

    existing: dict[int, dict[str, Any]] = {}
    for chunk in _chunks([r.urn for r in rows], BATCH_SIZE):
        for values in School.objects.filter(urn__in=chunk).values("id", "urn", *SCHOOL_FIELDS):
            existing[values["urn"]] = values

    to_create: list[School] = []
    to_update: list[School] = []
    for row in rows:
        wanted = {
            **row.values,
            "district_id": districts[row.la_code],
            "trust_id": trusts.get(row.trust_name) if row.trust_name else None,
        }
        current = existing.get(row.urn)
        if current is None:
            to_create.append(School(urn=row.urn, **wanted))
        elif any(current[k] != wanted[k] for k in SCHOOL_FIELDS):
            to_update.append(School(id=current["id"], urn=row.urn, **wanted))
        else:
            result.unchanged += 1

    for done, chunk in enumerate(_chunks(to_create, BATCH_SIZE), start=1):
        School.objects.bulk_create(chunk)
        saved = min(done * BATCH_SIZE, len(to_create))
        if progress_every and (saved % progress_every < BATCH_SIZE or saved == len(to_create)):
            out(f"  created {saved:,} of {len(to_create):,} new schools ...")
    result.created = len(to_create)
    for chunk in _chunks(to_update, 500):
        School.objects.bulk_update(chunk, UPDATE_FIELDS)
    result.updated = len(to_update)
    # A school GIAS renames keeps its old name as a former name, so a search still finds it.
    renamed = [
        SchoolFormerName(
            school_id=s.pk, name=existing[s.urn]["name"], changed_on=timezone.localdate()
        )
        for s in to_update
        if " ".join(existing[s.urn]["name"].split()).casefold()
        != " ".join(s.name.split()).casefold()
    ]
    SchoolFormerName.objects.bulk_create(renamed, batch_size=BATCH_SIZE, ignore_conflicts=True)
    result.renamed = len(renamed)

    school_ids = [current["id"] for current in existing.values()]
    new_ids = [s.pk for s in to_create]
    if any(pk is None for pk in new_ids):  # a backend that does not return ids from bulk inserts
        new_ids = []
        for chunk in _chunks([s.urn for s in to_create], BATCH_SIZE):
            new_ids.extend(School.objects.filter(urn__in=chunk).values_list("id", flat=True))
    _ensure_main_sites(school_ids + new_ids, result, out)

    result.seconds = time.monotonic() - started
    if result.changed_anything:
        audit_log(
            actor=acting_user,
            action="schools.import_gias",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            skipped=result.skipped,
            districts_created=result.districts_created,
        )
    return result
