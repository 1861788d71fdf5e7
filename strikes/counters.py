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
                                          minutes (UTC) of a strike day, and the lines whose
                                          first report came in those 15 minutes
``DistrictFigures`` rows                  per strike day and district: schools called out and
                                          closed/restricted/open, lines, lines staffed, below
                                          the minimum and reported, pickets and supporters in
                                          the latest reports (sums of the figures above)
========================================  ===================================================

The district rows are made for a day when it is announced (or by :func:`rebuild`); a day with
none (made before they existed) is shown from the line and school rows until it is rebuilt.

"Holds a place" is decided here and nowhere else (:func:`places_held`): a signup registered,
confirmed, arrived or completed, made through a sign-up (a walk-up added at the line booked
nothing). An erased person's signups keep their places, so the counts do not move.

The services call :func:`signups_changed` and :func:`report_recorded` in the same transaction as
the write they count, after locking the rows as they already do. Anything else that writes these
tables (a bulk load, the demo, a repair) calls :func:`rebuild` afterwards; :func:`check` lists
every figure that disagrees with its rows. Both are set-based SQL (a statement per figure),
so they run in seconds on a national day; ``manage.py counters_check`` and
``counters_rebuild`` are their command-line faces.

Ballot turnout counts (``TurnoutCount``, ``TurnoutDay``) are kept the same way by
``strikes.turnout_counters`` (``turnout_counts_apply`` in the mark's transaction,
``turnout_counts_rebuild``, ``turnout_counts_check``; ``manage.py turnout_counters_check`` and
``turnout_counters_rebuild``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, Subquery
from django.db.models.functions import Greatest

from strikes.models import (
    CalledOutSchool,
    DistrictFigures,
    PicketLine,
    PicketReport,
    ReportBucket,
    Shift,
    Signup,
)

BUCKET_SECONDS = ReportBucket.MINUTES * 60
HOLDS_PLACE = tuple(str(s) for s in Signup.HOLDS_PLACE)
AREA_FIELDS = (
    "called_out",
    "closed",
    "restricted",
    "open",
    "lines",
    "staffed",
    "below_minimum",
    "reported",
    "pickets",
    "supporters",
)
REPORTED_STATUSES = ("closed", "restricted", "open")


# --- Kept as the services write -------------------------------------------------------------


def places_held(*, is_supporter: bool, is_walk_up: bool, status: str | None) -> tuple[int, int]:
    """The (picket, supporter) places a signup in ``status`` holds: (1, 0), (0, 1) or (0, 0).
    ``None`` is a signup not yet made, or gone."""
    if status is None or is_walk_up or status not in HOLDS_PLACE:
        return 0, 0
    return (0, 1) if is_supporter else (1, 0)


def signups_changed(
    *,
    shift: Shift,
    changes: Iterable[tuple[Signup, str | None, str | None]],
    line_locked: bool = False,
) -> None:
    """Count signups of ``shift`` that changed status: (signup, status before, status after),
    ``None`` before for a signup just made.

    Moves ``Shift.booked`` and the line's ``pickets_signed_up``/``supporters_signed_up`` by the
    places gained or lost (one UPDATE each, none when nothing moved) and sets ``shift.booked``
    in memory to match, and the district's figures when the line's staffed or short state
    flips (one more). The caller holds the shift's row lock. A decrease never takes a figure
    below zero; :func:`check` finds a figure that was wrong before.

    ``line_locked``: the caller took the line's row lock before it read the shift (the sign-up
    services do, in the same statement as the shift's). Then the line's UPDATE also tells
    whether another of its shifts is short: every statement after the lock sees the line's
    other shifts as committed by whoever held the lock before. Without it, the line's lock is
    taken by that UPDATE, after its statement began, so that is asked in a statement of its
    own after it.
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
    if not pickets and not supporters:
        return
    was_short = _is_short(shift)
    if pickets:
        Shift.objects.filter(pk=shift.pk).update(booked=Greatest(F("booked") + pickets, 0))
        shift.booked = max(shift.booked + pickets, 0)
    # The line's row lock (taken here unless ``line_locked``) orders two sign-ups at the same
    # line, so each reads the other's shift as committed after it.
    other_short = "FALSE"
    params: list[Any] = [pickets, pickets, supporters, supporters]
    if line_locked:
        other_short = """EXISTS (SELECT 1 FROM strikes_shift o
                          WHERE o.picket_line_id = strikes_picketline.id AND o.id <> %s
                            AND o.cancelled_at IS NULL AND o.booked < o.minimum_wanted)"""
        params.append(shift.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE strikes_picketline
               SET pickets_signed_up = CASE WHEN pickets_signed_up + %s < 0 THEN 0
                                            ELSE pickets_signed_up + %s END,
                   supporters_signed_up = CASE WHEN supporters_signed_up + %s < 0 THEN 0
                                               ELSE supporters_signed_up + %s END
               WHERE id = %s
               RETURNING pickets_signed_up, supporters_signed_up, strike_day_id, district_id,
                         {other_short}""",  # noqa: S608 - our SQL, values bound
            [*params[:4], shift.picket_line_id, *params[4:]],
        )
        row = cursor.fetchone()
    if row is None:
        return
    p_now, s_now, day_id, district_id, others_short = row
    area: dict[str, int] = {}
    staffed_now = p_now + s_now > 0
    if staffed_now != (p_now - pickets + s_now - supporters > 0):
        area["staffed"] = 1 if staffed_now else -1
    short_now = _is_short(shift)
    if short_now != was_short:
        if not line_locked:
            others_short = _other_short_shift(shift)
        if not others_short:
            area["below_minimum"] = 1 if short_now else -1
    _area_add(day_id, district_id, area)


def _is_short(shift: Shift) -> bool:
    return shift.cancelled_at is None and shift.booked < shift.minimum_wanted


def _other_short_shift(shift: Shift) -> bool:
    return (
        Shift.objects.filter(
            picket_line_id=shift.picket_line_id,
            cancelled_at__isnull=True,
            booked__lt=F("minimum_wanted"),
        )
        .exclude(pk=shift.pk)
        .exists()
    )


def _area_sql(
    day_id: int, district_id: int, deltas: dict[str, int]
) -> tuple[str, list[Any]] | None:
    """The UPDATE that moves a district's figures by ``deltas`` (never below zero); None when
    nothing moves. A day with no district rows (made before they were kept) has nothing to
    move."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return None
    sets = ", ".join(f"{k} = CASE WHEN {k} + %s < 0 THEN 0 ELSE {k} + %s END" for k in deltas)
    params = [v for v in deltas.values() for _ in (0, 1)]
    return (
        f"UPDATE strikes_districtfigures SET {sets} "  # noqa: S608 - our field names
        "WHERE strike_day_id = %s AND district_id = %s",
        [*params, day_id, district_id],
    )


def _area_add(day_id: int, district_id: int, deltas: dict[str, int]) -> None:
    """Move a district's figures by ``deltas`` now (see ``_area_sql``)."""
    _run_together([w for w in [_area_sql(day_id, district_id, deltas)] if w is not None])


def signup_changed(
    *,
    shift: Shift,
    signup: Signup,
    before: str | None,
    after: str | None = None,
    line_locked: bool = False,
) -> None:
    """One signup's change: ``after`` defaults to its status now."""
    signups_changed(
        shift=shift,
        changes=[(signup, before, signup.status if after is None else after)],
        line_locked=line_locked,
    )


def bucket_start(at: dt.datetime) -> dt.datetime:
    """The start (UTC) of the 15-minute bucket a report made at ``at`` is counted in."""
    epoch = int(at.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % BUCKET_SECONDS, tz=dt.UTC)


#: "Not read by the caller": the counters read it themselves.
READ_HERE: Any = object()


def report_recorded(
    *,
    line: PicketLine,
    report: PicketReport,
    latest_at: Any = READ_HERE,
    school: Any = READ_HERE,
) -> None:
    """Count a new report: the line's latest and first report, the district's chart bucket,
    the school's status for the day and the district's figures. ``line`` is the report's line,
    locked by the caller and read after the lock (its current latest and first report).

    A caller that read them after its locks passes ``latest_at`` (when the line's latest report
    was made; None when it has none) and ``school`` (the called-out school's row, locked:
    ``(pk, status, reported_at, cancelled_at)``, or None when there is none); otherwise they
    are read here, the school's row locked first.
    """
    if school is READ_HERE:
        school = (
            CalledOutSchool.objects.select_for_update()
            .filter(strike_day_id=line.strike_day_id, school_id=line.school_id)
            .values_list("pk", "status", "reported_at", "cancelled_at")
            .first()
        )
    if latest_at is READ_HERE:
        latest_at = (
            PicketReport.objects.filter(pk=line.latest_report_id)
            .values_list("reported_at", flat=True)
            .first()
        )
    latest_at = _when(latest_at)
    adapt = connection.ops.adapt_datetimefield_value
    writes: list[tuple[str, list[Any]]] = []
    area: dict[str, int] = {}
    changed: dict[str, Any] = {}
    if latest_at is None or latest_at <= report.reported_at:
        if line.latest_report_id is None:
            area["reported"] = 1
        area["pickets"] = report.pickets - line.latest_pickets
        area["supporters"] = report.supporters - line.latest_supporters
        line.latest_report = report
        line.latest_pickets = report.pickets
        line.latest_supporters = report.supporters
        changed.update(
            latest_report_id=report.pk,
            latest_pickets=report.pickets,
            latest_supporters=report.supporters,
        )
    first_before = line.first_reported_at
    if first_before is None or first_before > report.reported_at:
        line.first_reported_at = report.reported_at
        changed["first_reported_at"] = adapt(report.reported_at)
    if changed:
        sets = ", ".join(f"{name} = %s" for name in changed)
        writes.append(
            (
                f"UPDATE strikes_picketline SET {sets} WHERE id = %s",  # noqa: S608 - our names
                [*changed.values(), line.pk],
            )
        )
    first = line.first_reported_at == report.reported_at and first_before != report.reported_at
    writes.append(_bucket_upsert(line=line, report=report, first=first))
    if school is not None:
        pk, status, reported_at, cancelled_at = school
        reported_at = _when(reported_at)
        if reported_at is None or reported_at <= report.reported_at:
            writes.append(
                (
                    "UPDATE strikes_calledoutschool SET status = %s, reported_at = %s "
                    "WHERE id = %s",
                    [report.school_status, adapt(report.reported_at), pk],
                )
            )
            if cancelled_at is None:
                if reported_at is not None and status in REPORTED_STATUSES:
                    area[status] = area.get(status, 0) - 1
                if report.school_status in REPORTED_STATUSES:
                    area[report.school_status] = area.get(report.school_status, 0) + 1
    area_write = _area_sql(line.strike_day_id, line.district_id, area)
    if area_write is not None:
        writes.append(area_write)
    _run_together(writes)
    if first and first_before is not None:  # an earlier report sent late: its bucket was first
        ReportBucket.objects.filter(
            strike_day_id=line.strike_day_id,
            district_id=line.district_id,
            starts_at=bucket_start(first_before),
            first_reports__gt=0,
        ).update(first_reports=F("first_reports") - 1)


def _run_together(writes: list[tuple[str, list[Any]]]) -> None:
    """Run writes that do not depend on each other (each to its own table, values known):
    on PostgreSQL as one statement (all but the last as data-modifying ``WITH`` parts, which
    run whether or not anything reads them), elsewhere one by one."""
    if not writes:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(writes) > 1:
            *parts, (last, _) = writes
            head = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(parts))
            cursor.execute(f"WITH {head} {last}", [p for _, params in writes for p in params])
            return
        for sql, params in writes:
            cursor.execute(sql, params)


def _bucket_upsert(*, line: PicketLine, report: PicketReport, first: bool) -> tuple[str, list[Any]]:
    """One upsert, so two reports landing in the same bucket at once both count (the second
    waits for the first's row lock) and no bucket is ever made twice."""
    return (
        """INSERT INTO strikes_reportbucket
              (strike_day_id, region_id, district_id, starts_at, reports, pickets,
               first_reports)
            VALUES (%s, %s, %s, %s, 1, %s, %s)
            ON CONFLICT (strike_day_id, district_id, starts_at) DO UPDATE
            SET reports = strikes_reportbucket.reports + 1,
                pickets = strikes_reportbucket.pickets + excluded.pickets,
                first_reports = strikes_reportbucket.first_reports
                                + excluded.first_reports""",
        [
            line.strike_day_id,
            line.region_id,
            line.district_id,
            connection.ops.adapt_datetimefield_value(bucket_start(report.reported_at)),
            report.pickets,
            1 if first else 0,
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
    """(day, region, district, start) -> reports, pickets reported and lines first reported."""
    day, day_p = _day("l", day_id)
    start = _bucket_sql("r.reported_at")
    return (
        f"""SELECT strike_day_id, region_id, district_id, starts_at, count(*) AS reports,
                   SUM(pickets) AS pickets, SUM(CASE WHEN rn = 1 THEN 1 ELSE 0 END) AS firsts
            FROM (
                SELECT l.strike_day_id, l.region_id, l.district_id, {start} AS starts_at,
                       r.pickets, ROW_NUMBER() OVER (PARTITION BY r.picket_line_id
                                                     ORDER BY r.reported_at, r.id) AS rn
                FROM strikes_picketreport r
                JOIN strikes_picketline l ON l.id = r.picket_line_id
                WHERE 1 = 1{day}) x
            GROUP BY strike_day_id, region_id, district_id, starts_at""",  # noqa: S608 - our table names, values bound
        day_p,
    )


def _area_actual(
    day_id: int | None, district_ids: list[int] | None = None
) -> tuple[str, list[Any]]:
    """(day, district) -> the district's figures, summed from the called-out schools, the lines
    and their counters, and the shifts: what the dashboard would count from those rows."""
    where, params = "1 = 1", []
    if day_id is not None:
        where += " AND strike_day_id = %s"
        params.append(day_id)
    if district_ids is not None:
        where += f" AND district_id IN ({', '.join(['%s'] * len(district_ids))})"
        params.extend(district_ids)
    w = where.replace("strike_day_id", "l.strike_day_id").replace("district_id", "l.district_id")
    live = "cancelled_at IS NULL"
    told = f"{live} AND reported_at IS NOT NULL AND status = "  # + a REPORTED_STATUSES literal
    return (
        f"""SELECT k.strike_day_id, d.region_id, k.district_id,
                   COALESCE(c.called_out, 0), COALESCE(c.closed, 0), COALESCE(c.restricted, 0),
                   COALESCE(c.open, 0), COALESCE(n.lines, 0), COALESCE(n.staffed, 0),
                   COALESCE(b.below, 0), COALESCE(n.reported, 0), COALESCE(n.pickets, 0),
                   COALESCE(n.supporters, 0)
            FROM (SELECT strike_day_id, district_id FROM strikes_calledoutschool WHERE {where}
                  UNION
                  SELECT strike_day_id, district_id FROM strikes_picketline WHERE {where}) k
            JOIN schools_district d ON d.id = k.district_id
            LEFT JOIN (
                SELECT strike_day_id, district_id,
                       SUM(CASE WHEN {live} THEN 1 ELSE 0 END) AS called_out,
                       SUM(CASE WHEN {told}'closed' THEN 1 ELSE 0 END) AS closed,
                       SUM(CASE WHEN {told}'restricted' THEN 1 ELSE 0 END) AS restricted,
                       SUM(CASE WHEN {told}'open' THEN 1 ELSE 0 END) AS open
                FROM strikes_calledoutschool WHERE {where}
                GROUP BY strike_day_id, district_id) c
              ON c.strike_day_id = k.strike_day_id AND c.district_id = k.district_id
            LEFT JOIN (
                SELECT strike_day_id, district_id, count(*) AS lines,
                       SUM(CASE WHEN pickets_signed_up > 0 OR supporters_signed_up > 0
                                THEN 1 ELSE 0 END) AS staffed,
                       SUM(CASE WHEN latest_report_id IS NOT NULL THEN 1 ELSE 0 END) AS reported,
                       SUM(latest_pickets) AS pickets, SUM(latest_supporters) AS supporters
                FROM strikes_picketline WHERE {where}
                GROUP BY strike_day_id, district_id) n
              ON n.strike_day_id = k.strike_day_id AND n.district_id = k.district_id
            LEFT JOIN (
                SELECT l.strike_day_id, l.district_id, count(DISTINCT sh.picket_line_id) AS below
                FROM strikes_shift sh JOIN strikes_picketline l ON l.id = sh.picket_line_id
                WHERE {w} AND sh.cancelled_at IS NULL AND sh.booked < sh.minimum_wanted
                GROUP BY l.strike_day_id, l.district_id) b
              ON b.strike_day_id = k.strike_day_id AND b.district_id = k.district_id""",  # noqa: S608 - our table names, values bound
        [*params, *params, *params, *params, *params],
    )


@transaction.atomic(savepoint=False)
def areas_recount(*, strike_day_id: int, district_ids: Iterable[int] | None = None) -> None:
    """Set districts' figures (all the day's when ``district_ids`` is None) from the rows, for
    the writes that change many rows at once: announcing, cancelling part of a day, lines and
    shifts made, edited or removed. The districts' rows are locked first, so a sign-up or
    report counted at the same time is either seen here or added after. Two queries.

    A day without district rows (from before they were kept) gets none for a part of it: it
    stays shown from the line and school rows until ``rebuild`` makes them all.
    """
    ids = None if district_ids is None else sorted(set(district_ids))
    if ids == []:
        return
    rows = DistrictFigures.objects.filter(strike_day_id=strike_day_id)
    if ids is not None:
        # The districts' rows, and the day's first row: none at all means a day from before.
        first = rows.order_by("pk").values("pk")[:1]
        rows = rows.filter(Q(district_id__in=ids) | Q(pk__in=Subquery(first)))
    locked = list(rows.select_for_update().order_by("district_id").values_list("pk", flat=True))
    if ids is not None and not locked:
        return
    sql, params = _area_actual(strike_day_id, ids)
    fields = ", ".join(AREA_FIELDS)
    updates = ", ".join(f"{f} = excluded.{f}" for f in ("region_id", *AREA_FIELDS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO strikes_districtfigures
                  (strike_day_id, region_id, district_id, {fields})
                SELECT * FROM ({sql}) a WHERE 1 = 1
                ON CONFLICT (strike_day_id, district_id) DO UPDATE SET {updates}""",  # noqa: S608 - our table names, values bound
            params,
        )


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def when(value: Any) -> dt.datetime | None:
    """A datetime read by raw SQL: aware on PostgreSQL, naive UTC or text (UTC) on SQLite."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


_when = when


# --- Check ---------------------------------------------------------------------------------


def check(*, strike_day_id: int | None = None) -> list[Disagreement]:
    """Every stored figure that disagrees with its rows, for one strike day or all of them.

    Eight queries, each comparing in the database (the chart's buckets and the districts'
    figures: grouped there, compared here, a few thousand rows a day), so a national day is
    checked without reading its signups or reports into Python."""
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
    found.extend(_check_areas(strike_day_id))
    return found


def _check_areas(strike_day_id: int | None) -> list[Disagreement]:
    """The districts' figures against the rows they sum (~150 rows a national day)."""
    sql, params = _area_actual(strike_day_id)
    actual = {(row[0], row[2]): (row[1], *row[3:]) for row in _rows(sql, params)}
    stored_qs = DistrictFigures.objects.all()
    if strike_day_id is not None:
        stored_qs = stored_qs.filter(strike_day_id=strike_day_id)
    names = ("region_id", *AREA_FIELDS)
    found = []
    for row in stored_qs.values_list("strike_day_id", "district_id", *names).order_by("pk"):
        day, district, *stored = row
        want = actual.pop((day, district), (stored[0], *[0] * len(AREA_FIELDS)))
        label = f"day {day}, district {district}"
        for name, have, should in zip(names, stored, want, strict=True):
            if have != should:
                name = "region" if name == "region_id" else name
                found.append(Disagreement("DistrictFigures", label, name, have, should))
    for (day, district), _want in sorted(actual.items()):
        label = f"day {day}, district {district}"
        found.append(Disagreement("DistrictFigures", label, "row", "missing", "a row"))
    return found


def _check_buckets(strike_day_id: int | None) -> list[Disagreement]:
    """The chart's buckets against the reports, grouped in SQL (a few thousand rows a day)."""
    sql, params = _bucket_actual(strike_day_id)
    actual = {
        (day, district, _when(start)): (region, n, p or 0, fr or 0)
        for day, region, district, start, n, p, fr in _rows(sql, params)
    }
    stored_qs = ReportBucket.objects.all()
    if strike_day_id is not None:
        stored_qs = stored_qs.filter(strike_day_id=strike_day_id)
    found = []
    for row in stored_qs.values_list(
        "pk",
        "strike_day_id",
        "region_id",
        "district_id",
        "starts_at",
        "reports",
        "pickets",
        "first_reports",
    ).order_by("pk"):
        pk, day, region, district, start, n, p, fr = row
        want = actual.pop((day, district, start), (region, 0, 0, 0))
        label = f"{pk} (day {day}, district {district}, {start:%Y-%m-%d %H:%M} UTC)"
        for name, stored, should in (
            ("region", region, want[0]),
            ("reports", n, want[1]),
            ("pickets", p, want[2]),
            ("first_reports", fr, want[3]),
        ):
            if stored != should:
                found.append(Disagreement("ReportBucket", label, name, stored, should))
    for (day, district, start), (_region, n, _p, _f) in sorted(actual.items(), key=str):
        label = f"missing (day {day}, district {district}, {start:%Y-%m-%d %H:%M} UTC)"
        found.append(Disagreement("ReportBucket", label, "reports", 0, n))
    return found


# --- Rebuild -------------------------------------------------------------------------------


FIGURES = ("places", "reports", "schools", "buckets", "areas")
REMADE = ("ReportBucket", "DistrictFigures")  # deleted and made again by a rebuild


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
    (the chart's), ``areas`` (the districts' figures, summed from the others: last).

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
    if "areas" in figures:
        _rebuild_areas(strike_day_id, run)
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
                (strike_day_id, region_id, district_id, starts_at, reports, pickets, first_reports)
            SELECT strike_day_id, region_id, district_id, starts_at, reports, pickets, firsts
            FROM ({sql}) a""",  # noqa: S608 - our table names, values bound
        params,
    )
    say(f"ReportBucket: {removed} old rows replaced")


def _rebuild_areas(strike_day_id: int | None, run: Run) -> None:
    rows = DistrictFigures.objects.all()
    if strike_day_id is not None:
        rows = rows.filter(strike_day_id=strike_day_id)
    rows.delete()
    sql, params = _area_actual(strike_day_id)
    run(
        "DistrictFigures",
        f"""INSERT INTO strikes_districtfigures
              (strike_day_id, region_id, district_id, {", ".join(AREA_FIELDS)})
            SELECT * FROM ({sql}) a""",  # noqa: S608 - our table names, values bound
        params,
    )
