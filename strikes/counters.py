"""The one owner of every denormalised figure in ``strikes``.

The figures, and the rows each is kept from:

========================================  ===================================================
``Shift.booked``                          the shift's signups that hold a picket's place
``PicketLine.pickets_signed_up``          the same, over all the line's shifts
``PicketLine.supporters_signed_up``       supporters' rota places on the line's shifts
``PicketLine.latest_report``,             the line's newest report (by time, then id) and
``latest_pickets``, ``latest_supporters``  its counts
``PicketLine.first_reported_at``          the time of the line's first report
``CalledOutSchool.status``,               the school's newest report that day, over all its
``reported_at``                           lines (``unknown`` and no time when none)
``ReportBucket`` rows                     reports and pickets reported per district and 15
                                          minutes (UTC) of a strike day
========================================  ===================================================

"Holds a place" is decided here and nowhere else (:func:`places_held`): a signup registered,
confirmed, arrived or completed, made through a sign-up (a walk-up added at the line booked
nothing). An erased person's signups keep their places, so the counts do not move.

The services call :func:`signups_changed` and :func:`report_recorded` in the same transaction as
the write they count, after locking the rows as they already do. Anything else that writes these
tables (a bulk load, the demo, a repair) calls :func:`rebuild` afterwards; :func:`check` lists
every figure that disagrees with its rows. Both are set-based SQL (one statement per figure),
so they run in seconds on a national day; ``manage.py counters_check`` and
``counters_rebuild`` are their command-line faces.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest

from strikes.models import CalledOutSchool, PicketLine, PicketReport, ReportBucket, Shift, Signup

BUCKET_SECONDS = ReportBucket.MINUTES * 60
HOLDS_PLACE = tuple(str(s) for s in Signup.HOLDS_PLACE)


# --- Kept as the services write -------------------------------------------------------------


def places_held(*, is_supporter: bool, is_walk_up: bool, status: str | None) -> tuple[int, int]:
    """The (picket, supporter) places a signup in ``status`` holds: (1, 0), (0, 1) or (0, 0).
    ``None`` is a signup not yet made, or gone."""
    if status is None or is_walk_up or status not in HOLDS_PLACE:
        return 0, 0
    return (0, 1) if is_supporter else (1, 0)


def signups_changed(
    *, shift: Shift, changes: Iterable[tuple[Signup, str | None, str | None]]
) -> None:
    """Count signups of ``shift`` that changed status: (signup, status before, status after),
    ``None`` before for a signup just made.

    Moves ``Shift.booked`` and the line's ``pickets_signed_up``/``supporters_signed_up`` by the
    places gained or lost (one UPDATE each, none when nothing moved) and sets ``shift.booked``
    in memory to match. The caller holds the shift's row lock. A decrease never takes a figure
    below zero; :func:`check` finds a figure that was wrong before.
    """
    pickets = supporters = 0
    for signup, before, after in changes:
        p0, s0 = places_held(
            is_supporter=signup.is_supporter, is_walk_up=signup.is_walk_up, status=before
        )
        p1, s1 = places_held(
            is_supporter=signup.is_supporter, is_walk_up=signup.is_walk_up, status=after
        )
        pickets += p1 - p0
        supporters += s1 - s0
    if pickets:
        Shift.objects.filter(pk=shift.pk).update(booked=Greatest(F("booked") + pickets, 0))
        shift.booked = max(shift.booked + pickets, 0)
    line_fields = {}
    if pickets:
        line_fields["pickets_signed_up"] = Greatest(F("pickets_signed_up") + pickets, 0)
    if supporters:
        line_fields["supporters_signed_up"] = Greatest(F("supporters_signed_up") + supporters, 0)
    if line_fields:
        PicketLine.objects.filter(pk=shift.picket_line_id).update(**line_fields)


def signup_changed(
    *, shift: Shift, signup: Signup, before: str | None, after: str | None = None
) -> None:
    """One signup's change: ``after`` defaults to its status now."""
    signups_changed(
        shift=shift, changes=[(signup, before, signup.status if after is None else after)]
    )


def bucket_start(at: dt.datetime) -> dt.datetime:
    """The start (UTC) of the 15-minute bucket a report made at ``at`` is counted in."""
    epoch = int(at.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % BUCKET_SECONDS, tz=dt.UTC)


def report_recorded(*, line: PicketLine, report: PicketReport) -> None:
    """Count a new report: the line's latest and first report, the district's chart bucket and
    the school's status for the day. ``line`` is the report's line, locked by the caller and
    read after the lock (its current latest and first report)."""
    latest_at = (
        PicketReport.objects.filter(pk=line.latest_report_id)
        .values_list("reported_at", flat=True)
        .first()
    )
    changed = []
    if latest_at is None or latest_at <= report.reported_at:
        line.latest_report = report
        line.latest_pickets = report.pickets
        line.latest_supporters = report.supporters
        changed += ["latest_report", "latest_pickets", "latest_supporters"]
    if line.first_reported_at is None or line.first_reported_at > report.reported_at:
        line.first_reported_at = report.reported_at
        changed.append("first_reported_at")
    if changed:
        line.save(update_fields=changed)
    _bucket_add(line=line, report=report)
    CalledOutSchool.objects.filter(
        Q(reported_at__isnull=True) | Q(reported_at__lte=report.reported_at),
        strike_day_id=line.strike_day_id,
        school_id=line.school_id,
    ).update(status=report.school_status, reported_at=report.reported_at)


def _bucket_add(*, line: PicketLine, report: PicketReport) -> None:
    """One upsert, so two reports landing in the same bucket at once both count (the second
    waits for the first's row lock) and no bucket is ever made twice."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO strikes_reportbucket
                  (strike_day_id, region_id, district_id, starts_at, reports, pickets)
                VALUES (%s, %s, %s, %s, 1, %s)
                ON CONFLICT (strike_day_id, district_id, starts_at) DO UPDATE
                SET reports = strikes_reportbucket.reports + 1,
                    pickets = strikes_reportbucket.pickets + excluded.pickets""",
            [
                line.strike_day_id,
                line.region_id,
                line.district_id,
                connection.ops.adapt_datetimefield_value(bucket_start(report.reported_at)),
                report.pickets,
            ],
        )


# --- What each figure should be, in SQL ----------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """A stored figure that is not what its rows say."""

    model: str
    id: Any
    field: str
    stored: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.model} {self.id}: {self.field} is {self.stored}, its rows say {self.actual}"


def _distinct(a: str, b: str) -> str:
    """A null-safe "differs" between two SQL expressions."""
    if connection.vendor == "postgresql":
        return f"{a} IS DISTINCT FROM {b}"
    return f"{a} IS NOT {b}"


def _bucket_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return (
            f"to_timestamp(floor(extract(epoch FROM {column}) / {BUCKET_SECONDS}) "
            f"* {BUCKET_SECONDS})"
        )
    return (
        f"datetime((CAST(strftime('%%s', {column}) AS INTEGER) / {BUCKET_SECONDS}) "
        f"* {BUCKET_SECONDS}, 'unixepoch')"
    )


def _day(alias: str, day_id: int | None) -> tuple[str, list[Any]]:
    """``AND <alias>.strike_day_id = %s`` when scoped to one day."""
    if day_id is None:
        return "", []
    return f" AND {alias}.strike_day_id = %s", [day_id]


def _held_sql(alias: str) -> tuple[str, list[Any]]:
    marks = ", ".join(["%s"] * len(HOLDS_PLACE))
    return f"{alias}.is_walk_up = %s AND {alias}.status IN ({marks})", [False, *HOLDS_PLACE]


def _shift_actual(day_id: int | None) -> tuple[str, list[Any]]:
    """shift id -> places booked, for the shifts of the day (or all)."""
    held, held_p = _held_sql("sg")
    day, day_p = _day("l", day_id)
    return (
        f"""SELECT sh.id AS shift_id, COALESCE(c.n, 0) AS n
            FROM strikes_shift sh
            JOIN strikes_picketline l ON l.id = sh.picket_line_id
            LEFT JOIN (
                SELECT sg.shift_id, count(*) AS n FROM strikes_signup sg
                JOIN strikes_shift s2 ON s2.id = sg.shift_id
                JOIN strikes_picketline l ON l.id = s2.picket_line_id
                WHERE sg.is_supporter = %s AND {held}{day}
                GROUP BY sg.shift_id) c ON c.shift_id = sh.id
            WHERE 1 = 1{day}""",  # noqa: S608 - our table names, values bound
        [False, *held_p, *day_p, *day_p],
    )


def _line_actual(day_id: int | None) -> tuple[str, list[Any]]:
    """line id -> pickets and supporters signed up, for the lines of the day (or all)."""
    held, held_p = _held_sql("sg")
    day, day_p = _day("l", day_id)
    return (
        f"""SELECT l.id AS line_id, COALESCE(c.p, 0) AS p, COALESCE(c.s, 0) AS s
            FROM strikes_picketline l
            LEFT JOIN (
                SELECT sh.picket_line_id,
                       SUM(CASE WHEN sg.is_supporter THEN 0 ELSE 1 END) AS p,
                       SUM(CASE WHEN sg.is_supporter THEN 1 ELSE 0 END) AS s
                FROM strikes_signup sg
                JOIN strikes_shift sh ON sh.id = sg.shift_id
                JOIN strikes_picketline l ON l.id = sh.picket_line_id
                WHERE {held}{day}
                GROUP BY sh.picket_line_id) c ON c.picket_line_id = l.id
            WHERE 1 = 1{day}""",  # noqa: S608 - our table names, values bound
        [*held_p, *day_p, *day_p],
    )


def _report_actual(day_id: int | None) -> tuple[str, list[Any]]:
    """line id -> its newest report (id, pickets, supporters) and first report time."""
    day, day_p = _day("l", day_id)
    return (
        f"""SELECT l.id AS line_id, x.id AS report_id, COALESCE(x.pickets, 0) AS pickets,
                   COALESCE(x.supporters, 0) AS supporters, x.first_at AS first_at
            FROM strikes_picketline l
            LEFT JOIN (
                SELECT r.picket_line_id, r.id, r.pickets, r.supporters,
                       ROW_NUMBER() OVER (PARTITION BY r.picket_line_id
                                          ORDER BY r.reported_at DESC, r.id DESC) AS rn,
                       MIN(r.reported_at) OVER (PARTITION BY r.picket_line_id) AS first_at
                FROM strikes_picketreport r
                JOIN strikes_picketline l ON l.id = r.picket_line_id
                WHERE 1 = 1{day}) x ON x.picket_line_id = l.id AND x.rn = 1
            WHERE 1 = 1{day}""",  # noqa: S608 - our table names, values bound
        [*day_p, *day_p],
    )


def _school_actual(day_id: int | None) -> tuple[str, list[Any]]:
    """called-out school id -> the status and time of the school's newest report that day."""
    day_l, day_lp = _day("l", day_id)
    day_c, day_cp = _day("c", day_id)
    return (
        f"""SELECT c.id AS cos_id, COALESCE(x.school_status, %s) AS status,
                   x.reported_at AS reported_at
            FROM strikes_calledoutschool c
            LEFT JOIN (
                SELECT l.strike_day_id, l.school_id, r.school_status, r.reported_at,
                       ROW_NUMBER() OVER (PARTITION BY l.strike_day_id, l.school_id
                                          ORDER BY r.reported_at DESC, r.id DESC) AS rn
                FROM strikes_picketreport r
                JOIN strikes_picketline l ON l.id = r.picket_line_id
                WHERE 1 = 1{day_l}) x
              ON x.strike_day_id = c.strike_day_id AND x.school_id = c.school_id AND x.rn = 1
            WHERE 1 = 1{day_c}""",  # noqa: S608 - our table names, values bound
        [str(CalledOutSchool.SchoolStatus.UNKNOWN), *day_lp, *day_cp],
    )


def _bucket_actual(day_id: int | None) -> tuple[str, list[Any]]:
    """(day, region, district, start) -> reports and pickets reported."""
    day, day_p = _day("l", day_id)
    start = _bucket_sql("r.reported_at")
    return (
        f"""SELECT l.strike_day_id, l.region_id, l.district_id, {start} AS starts_at,
                   count(*) AS reports, SUM(r.pickets) AS pickets
            FROM strikes_picketreport r
            JOIN strikes_picketline l ON l.id = r.picket_line_id
            WHERE 1 = 1{day}
            GROUP BY l.strike_day_id, l.region_id, l.district_id, {start}""",  # noqa: S608 - our table names, values bound
        day_p,
    )


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _when(value: Any) -> dt.datetime | None:
    """A datetime read by raw SQL: aware on PostgreSQL, text (UTC) on SQLite."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


# --- Check ---------------------------------------------------------------------------------


def check(*, strike_day_id: int | None = None) -> list[Disagreement]:
    """Every stored figure that disagrees with its rows, for one strike day or all of them.

    Six queries, each comparing in the database (the chart's buckets: grouped there, compared
    here, a few thousand rows a day), so a national day is checked without reading its signups
    or reports into Python."""
    found: list[Disagreement] = []
    sql, params = _shift_actual(strike_day_id)
    for pk, stored, actual in _rows(
        f"""SELECT sh.id, sh.booked, a.n FROM strikes_shift sh
            JOIN ({sql}) a ON a.shift_id = sh.id WHERE sh.booked <> a.n ORDER BY sh.id""",  # noqa: S608 - our table names, values bound
        params,
    ):
        found.append(Disagreement("Shift", pk, "booked", stored, actual))

    sql, params = _line_actual(strike_day_id)
    for pk, sp, ap, ss, as_ in _rows(
        f"""SELECT l.id, l.pickets_signed_up, a.p, l.supporters_signed_up, a.s
            FROM strikes_picketline l JOIN ({sql}) a ON a.line_id = l.id
            WHERE l.pickets_signed_up <> a.p OR l.supporters_signed_up <> a.s ORDER BY l.id""",  # noqa: S608 - our table names, values bound
        params,
    ):
        if sp != ap:
            found.append(Disagreement("PicketLine", pk, "pickets_signed_up", sp, ap))
        if ss != as_:
            found.append(Disagreement("PicketLine", pk, "supporters_signed_up", ss, as_))

    sql, params = _report_actual(strike_day_id)
    pairs = (
        ("latest_report_id", "report_id"),
        ("latest_pickets", "pickets"),
        ("latest_supporters", "supporters"),
        ("first_reported_at", "first_at"),
    )
    differs = " OR ".join(_distinct(f"l.{mine}", f"a.{theirs}") for mine, theirs in pairs)
    columns = ", ".join(f"l.{mine}, a.{theirs}" for mine, theirs in pairs)
    for row in _rows(
        f"""SELECT l.id, {columns} FROM strikes_picketline l JOIN ({sql}) a ON a.line_id = l.id
            WHERE {differs} ORDER BY l.id""",  # noqa: S608 - our table names, values bound
        params,
    ):
        for i, (mine, _) in enumerate(pairs):
            stored, actual = row[1 + 2 * i], row[2 + 2 * i]
            if mine == "first_reported_at":
                stored, actual = _when(stored), _when(actual)
            if stored != actual:
                name = "latest_report" if mine == "latest_report_id" else mine
                found.append(Disagreement("PicketLine", row[0], name, stored, actual))

    sql, params = _school_actual(strike_day_id)
    for pk, ss, as_, sa, aa in _rows(
        f"""SELECT c.id, c.status, a.status, c.reported_at, a.reported_at
            FROM strikes_calledoutschool c JOIN ({sql}) a ON a.cos_id = c.id
            WHERE c.status <> a.status OR {_distinct("c.reported_at", "a.reported_at")}
            ORDER BY c.id""",  # noqa: S608 - our table names, values bound
        params,
    ):
        if ss != as_:
            found.append(Disagreement("CalledOutSchool", pk, "status", ss, as_))
        if _when(sa) != _when(aa):
            found.append(Disagreement("CalledOutSchool", pk, "reported_at", _when(sa), _when(aa)))

    found.extend(_check_buckets(strike_day_id))
    return found


def _check_buckets(strike_day_id: int | None) -> list[Disagreement]:
    """The chart's buckets against the reports, grouped in SQL (a few thousand rows a day)."""
    sql, params = _bucket_actual(strike_day_id)
    actual = {
        (day, district, _when(start)): (region, n, p or 0)
        for day, region, district, start, n, p in _rows(sql, params)
    }
    stored_qs = ReportBucket.objects.all()
    if strike_day_id is not None:
        stored_qs = stored_qs.filter(strike_day_id=strike_day_id)
    found = []
    for row in stored_qs.values_list(
        "pk", "strike_day_id", "region_id", "district_id", "starts_at", "reports", "pickets"
    ).order_by("pk"):
        pk, day, region, district, start, n, p = row
        want = actual.pop((day, district, start), (region, 0, 0))
        label = f"{pk} (day {day}, district {district}, {start:%Y-%m-%d %H:%M} UTC)"
        for name, stored, should in (
            ("region", region, want[0]),
            ("reports", n, want[1]),
            ("pickets", p, want[2]),
        ):
            if stored != should:
                found.append(Disagreement("ReportBucket", label, name, stored, should))
    for (day, district, start), (_region, n, _p) in sorted(actual.items(), key=str):
        label = f"missing (day {day}, district {district}, {start:%Y-%m-%d %H:%M} UTC)"
        found.append(Disagreement("ReportBucket", label, "reports", 0, n))
    return found


# --- Rebuild -------------------------------------------------------------------------------


FIGURES = ("places", "reports", "schools", "buckets")


@transaction.atomic
def rebuild(
    *,
    strike_day_id: int | None = None,
    figures: Iterable[str] = FIGURES,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Set every figure of one strike day (or all) from its rows. Returns the rows changed per
    figure. For data loaded in bulk (the demo, the benchmarks) and for repairs; the services
    keep the figures as they go. One UPDATE per figure, touching only rows that differ.

    ``figures`` picks some of them: ``places`` (booked, signed up), ``reports`` (each line's
    latest and first report), ``schools`` (status of the called-out schools), ``buckets``
    (the chart's).

    A shift with more places held than it has (rows added by hand) is set to its capacity:
    :func:`check` keeps naming it until someone moves to the waitlist.
    """
    say = progress or (lambda _msg: None)
    figures = set(figures)
    if figures - set(FIGURES):
        raise ValueError(f"Unknown figures: {sorted(figures - set(FIGURES))}")
    changed: dict[str, int] = {}

    def run(name: str, sql: str, params: list[Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            changed[name] = max(cursor.rowcount, 0)
        say(f"{name}: {changed[name]} set")

    if "places" in figures:
        _rebuild_places(strike_day_id, run)
    if "reports" in figures:
        _rebuild_reports(strike_day_id, run)
    if "schools" in figures:
        _rebuild_schools(strike_day_id, run)
    if "buckets" in figures:
        _rebuild_buckets(strike_day_id, run, say)
    return changed


Run = Callable[[str, str, list[Any]], None]


def _rebuild_places(strike_day_id: int | None, run: Run) -> None:
    sql, params = _shift_actual(strike_day_id)
    run(
        "Shift.booked",
        f"""UPDATE strikes_shift SET booked = CASE WHEN a.n > strikes_shift.capacity
                THEN strikes_shift.capacity ELSE a.n END
            FROM ({sql}) a WHERE a.shift_id = strikes_shift.id
              AND strikes_shift.booked <> CASE WHEN a.n > strikes_shift.capacity
                THEN strikes_shift.capacity ELSE a.n END""",  # noqa: S608 - our table names, values bound
        params,
    )
    sql, params = _line_actual(strike_day_id)
    run(
        "PicketLine signed up",
        f"""UPDATE strikes_picketline SET pickets_signed_up = a.p, supporters_signed_up = a.s
            FROM ({sql}) a WHERE a.line_id = strikes_picketline.id
              AND (strikes_picketline.pickets_signed_up <> a.p
                   OR strikes_picketline.supporters_signed_up <> a.s)""",  # noqa: S608 - our table names, values bound
        params,
    )


def _rebuild_reports(strike_day_id: int | None, run: Run) -> None:
    sql, params = _report_actual(strike_day_id)
    t = "strikes_picketline"
    differs = " OR ".join(
        _distinct(f"{t}.{mine}", f"a.{theirs}")
        for mine, theirs in (
            ("latest_report_id", "report_id"),
            ("latest_pickets", "pickets"),
            ("latest_supporters", "supporters"),
            ("first_reported_at", "first_at"),
        )
    )
    run(
        "PicketLine latest report",
        f"""UPDATE {t} SET latest_report_id = a.report_id, latest_pickets = a.pickets,
                latest_supporters = a.supporters, first_reported_at = a.first_at
            FROM ({sql}) a WHERE a.line_id = {t}.id AND ({differs})""",  # noqa: S608 - our table names, values bound
        params,
    )


def _rebuild_schools(strike_day_id: int | None, run: Run) -> None:
    sql, params = _school_actual(strike_day_id)
    t = "strikes_calledoutschool"
    run(
        "CalledOutSchool status",
        f"""UPDATE {t} SET status = a.status, reported_at = a.reported_at
            FROM ({sql}) a WHERE a.cos_id = {t}.id
              AND ({t}.status <> a.status OR {_distinct(f"{t}.reported_at", "a.reported_at")})""",  # noqa: S608 - our table names, values bound
        params,
    )


def _rebuild_buckets(strike_day_id: int | None, run: Run, say: Callable[[str], None]) -> None:
    buckets = ReportBucket.objects.all()
    if strike_day_id is not None:
        buckets = buckets.filter(strike_day_id=strike_day_id)
    removed, _ = buckets.delete()
    sql, params = _bucket_actual(strike_day_id)
    run(
        "ReportBucket",
        f"""INSERT INTO strikes_reportbucket
              (strike_day_id, region_id, district_id, starts_at, reports, pickets)
            SELECT strike_day_id, region_id, district_id, starts_at, reports, pickets
            FROM ({sql}) a""",  # noqa: S608 - our table names, values bound
        params,
    )
    say(f"ReportBucket: {removed} old rows replaced")
