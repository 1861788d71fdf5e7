"""Reads for the organisers' strike-day dashboard.

Every figure is an aggregate computed in SQL over the denormalised place columns
(``school_id``, ``district_id``, ``region_id``) of ``CalledOutSchool`` and ``PicketLine``, and over
the counters the services keep on those rows (``pickets_signed_up``, ``latest_report``,
``status``). Nationally and in a region the table sums the districts' figures those counters are
rolled up into (``DistrictFigures``, ~150 rows for the nation), and "reported by" sums the chart's
buckets. A dashboard request therefore runs the same handful of queries whether the day calls
out one school or 23,000. All of them are kept by ``strikes/counters.py``.

A past strike day is shown as it stood at the end of that day (midnight, London): reports made
after it are ignored, so the "latest" report of a line and the status of a school are worked out
from the reports made before it (a correlated subquery per row; slower, but only for past days).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractHour, ExtractMinute
from django.utils import timezone

from members.models import Role
from members.permissions import ALLOWED_KINDS, Action, Viewer
from schools.models import District, Region, School
from strikes.dashboard.chart import Chart, chart_draw, chart_window
from strikes.models import (
    CalledOutSchool,
    DistrictFigures,
    PicketLine,
    PicketReport,
    ReportBucket,
    Shift,
    StrikeDay,
)

ATTENTION_LIMIT = 50

LEVEL_NATIONAL = "national"
LEVEL_REGION = "region"
LEVEL_DISTRICT = "district"
LEVEL_SCHOOL = "school"

# The column each level groups its table by.
GROUP_KEY = {
    LEVEL_NATIONAL: "region_id",
    LEVEL_REGION: "district_id",
    LEVEL_DISTRICT: "school_id",
    LEVEL_SCHOOL: "school_id",
}
CHILD_LEVEL = {
    LEVEL_NATIONAL: LEVEL_REGION,
    LEVEL_REGION: LEVEL_DISTRICT,
    LEVEL_DISTRICT: LEVEL_SCHOOL,
    LEVEL_SCHOOL: LEVEL_SCHOOL,
}

# Columns the table may be sorted by (``?sort=``); anything else falls back to the name.
SORT_COLUMNS = (
    "name",
    "called_out",
    "lines",
    "staffed",
    "no_signups",
    "below_minimum",
    "reported",
    "pickets",
    "supporters",
    "refusing",
    "closed",
    "restricted",
    "open",
    "not_reported",
)


@dataclass
class Scope:
    """One strike day, seen by one viewer, at one drill-down place."""

    strike_day: StrikeDay
    level: str
    place: School | District | Region | None
    area: Q  # the viewer's area, on school_id/district_id/region_id
    report_area: Q  # the same area, for PicketReport rows (through their line)
    as_of: dt.datetime | None  # None: live; otherwise the end of a past day
    district_area: Q | None = None  # the area for rows kept per district; None: by school
    late_reports: bool = False  # a past day with reports made after its end

    @property
    def from_counters(self) -> bool:
        """Whether the counters kept on the rows give the figures asked for: always when live,
        and for a past day unless reports came in after its end (then they are worked out
        from the reports made before it)."""
        return self.as_of is None or not self.late_reports

    @property
    def filter_q(self) -> Q:
        """For rows carrying the denormalised place columns."""
        q = self.area & Q(strike_day=self.strike_day)
        if isinstance(self.place, School):
            q &= Q(school_id=self.place.pk)
        elif isinstance(self.place, District):
            q &= Q(district_id=self.place.pk)
        elif isinstance(self.place, Region):
            q &= Q(region_id=self.place.pk)
        return q

    @property
    def group_key(self) -> str:
        return GROUP_KEY[self.level]

    @property
    def report_q(self) -> Q:
        """For PicketReport rows, through their line's place columns."""
        q = self.via_line_q
        if self.as_of is not None:
            q &= Q(reported_at__lt=self.as_of)
        return q

    @property
    def via_line_q(self) -> Q:
        """For rows with a ``picket_line`` (reports, shifts), through the line's columns."""
        q = self.report_area & Q(picket_line__strike_day_id=self.strike_day.pk)
        if isinstance(self.place, School):
            q &= Q(picket_line__school_id=self.place.pk)
        elif isinstance(self.place, District):
            q &= Q(picket_line__district_id=self.place.pk)
        elif isinstance(self.place, Region):
            q &= Q(picket_line__region_id=self.place.pk)
        return q

    def cache_key(self, part: str) -> str:
        area = hashlib.sha1(str(self.area).encode(), usedforsecurity=False).hexdigest()[:16]
        place = f"{self.level}:{getattr(self.place, 'pk', 0)}"
        as_of = int(self.as_of.timestamp()) if self.as_of is not None else "live"
        source = "counters" if self.from_counters else "reports"
        return f"dashboard:{part}:{self.strike_day.pk}:{place}:{area}:{as_of}:{source}"


def day_end(strike_day: StrikeDay) -> dt.datetime:
    """Midnight at the end of the strike day, London time."""
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(strike_day.date + dt.timedelta(days=1), dt.time(0), tzinfo=tz)


def as_of_for(strike_day: StrikeDay, now: dt.datetime | None = None) -> dt.datetime | None:
    """Past days are shown as at their end; today and future days live."""
    now = now or timezone.now()
    end = day_end(strike_day)
    return end if now >= end else None


def default_place(viewer: Viewer, union_id: int) -> School | District | Region | None:
    """Where a viewer's dashboard starts: their one place, or the nation for several."""
    roles = viewer.roles_in(union_id, ALLOWED_KINDS[Action.VIEW_DASHBOARD])
    if not roles or any(r.kind == Role.Kind.NATIONAL_ORGANISER for r in roles):
        return None
    if len(roles) > 1:
        return None
    role = roles[0]
    return role.region or role.district or role.school


def level_for(place: School | District | Region | None) -> str:
    if isinstance(place, School):
        return LEVEL_SCHOOL
    if isinstance(place, District):
        return LEVEL_DISTRICT
    if isinstance(place, Region):
        return LEVEL_REGION
    return LEVEL_NATIONAL


def dashboard_scope(
    *,
    strike_day: StrikeDay,
    viewer: Viewer,
    place: School | District | Region | None,
    action: Action = Action.VIEW_DASHBOARD,
    now: dt.datetime | None = None,
) -> Scope:
    """The scope of a dashboard; the caller has checked ``viewer.may(action, place)``."""
    union_id = strike_day.dispute.union_id
    as_of = as_of_for(strike_day, now)
    late = (
        as_of is not None
        and PicketReport.objects.filter(
            picket_line__strike_day_id=strike_day.pk, reported_at__gte=as_of
        ).exists()
    )
    return Scope(
        strike_day=strike_day,
        level=level_for(place),
        place=place,
        area=viewer.area_q(action, union=union_id),
        report_area=viewer.area_q(
            action,
            union=union_id,
            school="picket_line__school_id",
            district="picket_line__district_id",
            region="picket_line__region_id",
        ),
        as_of=as_of,
        late_reports=late,
        district_area=viewer.area_q(action, union=union_id, school=None),
    )


# --- The figures ---------------------------------------------------------------------------


@dataclass
class Figures:
    """The same figures for the headline and for each row of the table."""

    key: int | None = None
    name: str = ""
    called_out: int = 0
    lines: int = 0
    staffed: int = 0
    below_minimum: int = 0
    not_reported_by: int = 0
    reported: int = 0
    pickets: int = 0
    supporters: int = 0
    # Staff not called out (no ballot covers them) who refused to cross, from the latest reports.
    refusing: int = 0
    closed: int = 0
    restricted: int = 0
    open: int = 0
    not_reported: int = 0
    child_level: str = ""

    @property
    def no_signups(self) -> int:
        return self.lines - self.staffed

    def share(self, count: int) -> int:
        """Whole-number percentage of schools called out."""
        return round(100 * count / self.called_out) if self.called_out else 0

    @property
    def closed_share(self) -> int:
        return self.share(self.closed)

    @property
    def restricted_share(self) -> int:
        return self.share(self.restricted)

    @property
    def open_share(self) -> int:
        return self.share(self.open)

    @property
    def not_reported_share(self) -> int:
        return self.share(self.not_reported)

    @property
    def staffed_share(self) -> int:
        return round(100 * self.staffed / self.lines) if self.lines else 0

    @property
    def reported_share(self) -> int:
        return round(100 * self.reported / self.lines) if self.lines else 0

    def add(self, other: Figures) -> None:
        for name in (
            "called_out",
            "lines",
            "staffed",
            "below_minimum",
            "not_reported_by",
            "reported",
            "pickets",
            "supporters",
            "refusing",
            "closed",
            "restricted",
            "open",
            "not_reported",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _latest_before(as_of: dt.datetime, line_ref: str = "pk") -> QuerySet[PicketReport]:
    return PicketReport.objects.filter(
        picket_line=OuterRef(line_ref), reported_at__lt=as_of
    ).order_by("-reported_at", "-id")


def _past_status(scope: Scope, as_of: dt.datetime) -> Subquery:
    """A called-out school's status in its latest report before ``as_of``."""
    return Subquery(
        PicketReport.objects.filter(
            picket_line__strike_day_id=scope.strike_day.pk,
            picket_line__school_id=OuterRef("school_id"),
            reported_at__lt=as_of,
        )
        .order_by("-reported_at", "-id")
        .values("school_status")[:1]
    )


def _school_rows(scope: Scope) -> QuerySet:
    """Schools called out, per group: status counts (one query)."""
    qs = CalledOutSchool.objects.filter(scope.filter_q)
    live = Q(cancelled_at__isnull=True)
    if scope.from_counters:
        reported = Q(reported_at__isnull=False)
        status = "status"
    else:
        qs = qs.annotate(past_status=_past_status(scope, scope.as_of))
        reported = Q(past_status__isnull=False)
        status = "past_status"
    return qs.values(scope.group_key).annotate(
        called_out=Count("id", filter=live),
        closed=Count("id", filter=live & reported & Q(**{status: "closed"})),
        restricted=Count("id", filter=live & reported & Q(**{status: "restricted"})),
        open=Count("id", filter=live & reported & Q(**{status: "open"})),
    )


def _line_rows(scope: Scope, by: dt.datetime) -> QuerySet:
    """Picket lines, per group: staffing and latest-report figures, and how many had reported
    by a time (one query, on the line table alone when live)."""
    qs = PicketLine.objects.filter(scope.filter_q)
    staffed = Q(pickets_signed_up__gt=0) | Q(supporters_signed_up__gt=0)
    if scope.from_counters:
        reported = Q(latest_report__isnull=False)
        pickets = Sum("latest_pickets")
        supporters = Sum("latest_supporters")
        # Read through the latest report's key one line at a time: a join lets PostgreSQL
        # scan every report of the day to match a district's few hundred lines.
        refusing = Sum(
            Subquery(
                PicketReport.objects.filter(pk=OuterRef("latest_report_id")).values(
                    "non_balloted_refusing"
                )[:1],
                output_field=IntegerField(),
            )
        )
    else:
        latest = _latest_before(scope.as_of)
        qs = qs.annotate(
            past_report=Subquery(latest.values("id")[:1]),
            past_pickets=Subquery(latest.values("pickets")[:1]),
            past_supporters=Subquery(latest.values("supporters")[:1]),
            past_refusing=Subquery(latest.values("non_balloted_refusing")[:1]),
        )
        reported = Q(past_report__isnull=False)
        pickets = Sum("past_pickets")
        supporters = Sum("past_supporters")
        refusing = Sum("past_refusing")
    return qs.values(scope.group_key).annotate(
        lines=Count("id"),
        staffed=Count("id", filter=staffed),
        reported=Count("id", filter=reported),
        reported_by=Count("id", filter=Q(first_reported_at__lt=_by(scope, by))),
        pickets=Coalesce(pickets, 0),
        supporters=Coalesce(supporters, 0),
        refusing=Coalesce(refusing, 0),
    )


def _by(scope: Scope, by: dt.datetime) -> dt.datetime:
    """The "reported by" time, no later than the end of a past day."""
    return min(by, scope.as_of) if scope.as_of is not None else by


def _short_rows(scope: Scope) -> QuerySet:
    """Lines with a shift below its minimum wanted, per group (one query)."""
    key = f"picket_line__{scope.group_key}"
    return (
        Shift.objects.filter(
            scope.via_line_q, cancelled_at__isnull=True, booked__lt=F("minimum_wanted")
        )
        .values(key)
        .annotate(n=Count("picket_line_id", distinct=True))
        .values_list(key, "n")
    )


def _names(level: str, keys: Iterable[int]) -> dict[int, str]:
    model = {
        LEVEL_NATIONAL: Region,
        LEVEL_REGION: District,
        LEVEL_DISTRICT: School,
        LEVEL_SCHOOL: School,
    }[level]
    return dict(model.objects.filter(pk__in=list(keys)).values_list("pk", "name"))


@dataclass
class Table:
    headline: Figures
    rows: list[Figures]
    sort: str
    direction: str
    child_level: str


AREA_SUMS = (
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


def _district_figure_rows(scope: Scope, by: dt.datetime) -> dict[int, Figures] | None:
    """The table's rows summed from the districts' figures the counters keep (tens of rows
    nationally; one query, two when "reported by" is not on a quarter hour), or None when they
    cannot give them: below a district, a viewer whose area is a school, a past day with late
    reports, or a day without district rows (announced before they were kept)."""
    if (
        not scope.from_counters
        or scope.district_area is None
        or scope.level not in (LEVEL_NATIONAL, LEVEL_REGION)
    ):
        return None
    key = scope.group_key
    qs = DistrictFigures.objects.filter(scope.district_area, strike_day=scope.strike_day)
    if isinstance(scope.place, Region):
        qs = qs.filter(region_id=scope.place.pk)
    found = list(qs.values(key).annotate(**{f: Sum(f) for f in AREA_SUMS}).order_by())
    if not found:
        return None
    rows: dict[int, Figures] = {}
    for row in found:
        fig = rows[row[key]] = Figures(key=row[key])
        for name in AREA_SUMS:
            setattr(fig, name, row[name] or 0)
        fig.not_reported = fig.called_out - fig.closed - fig.restricted - fig.open
        fig.not_reported_by = fig.lines
    for group, n in _reported_by_rows(scope, by):
        if group in rows:
            rows[group].not_reported_by = rows[group].lines - (n or 0)
    return rows


def _reported_by_rows(scope: Scope, by: dt.datetime) -> Iterable[tuple[int, int]]:
    """Lines first reported before ``by``, per group: from the chart's buckets (which count
    each line's first report) when ``by`` is on a quarter hour, else from the lines."""
    key = scope.group_key
    by = _by(scope, by)
    seconds = ReportBucket.MINUTES * 60
    if int(by.timestamp()) % seconds == 0 and by.microsecond == 0:
        qs = ReportBucket.objects.filter(
            scope.district_area, strike_day=scope.strike_day, starts_at__lt=by
        )
        if isinstance(scope.place, Region):
            qs = qs.filter(region_id=scope.place.pk)
        return qs.values(key).annotate(n=Sum("first_reports")).values_list(key, "n").order_by()
    return (
        PicketLine.objects.filter(scope.filter_q, first_reported_at__lt=by)
        .values(key)
        .annotate(n=Count("id"))
        .values_list(key, "n")
        .order_by()
    )


def dashboard_table(
    *, scope: Scope, by: dt.datetime, sort: str = "name", direction: str = "asc"
) -> Table:
    """The headline figures and the table by area: from the districts' figures nationally and
    in a region (two or three queries), else from the schools, lines and shifts (four)."""
    rows = _district_figure_rows(scope, by)
    if rows is None:
        rows = _counted_rows(scope, by)
    names = _names(scope.level, rows)
    child = CHILD_LEVEL[scope.level]
    headline = Figures(name=str(scope.place) if scope.place else "All areas")
    for fig in rows.values():
        fig.name = names.get(fig.key, "")
        fig.child_level = child
        headline.add(fig)
    table = Table(
        headline=headline, rows=list(rows.values()), sort="", direction="", child_level=child
    )
    return table_sorted(table, sort=sort, direction=direction)


def _counted_rows(scope: Scope, by: dt.datetime) -> dict[int, Figures]:
    """The table's rows counted from the called-out schools, lines and shifts (three queries)."""
    key = scope.group_key
    rows: dict[int, Figures] = {}
    for row in _school_rows(scope):
        fig = rows.setdefault(row[key], Figures(key=row[key]))
        fig.called_out = row["called_out"]
        fig.closed = row["closed"]
        fig.restricted = row["restricted"]
        fig.open = row["open"]
        fig.not_reported = fig.called_out - fig.closed - fig.restricted - fig.open
    for row in _line_rows(scope, by):
        fig = rows.setdefault(row[key], Figures(key=row[key]))
        for name in ("lines", "staffed", "reported", "pickets", "supporters", "refusing"):
            setattr(fig, name, row[name] or 0)
        fig.not_reported_by = fig.lines - row["reported_by"]
    for group, count in _short_rows(scope):
        if group in rows:
            rows[group].below_minimum = count
    return rows


def table_sorted(table: Table, *, sort: str, direction: str) -> Table:
    """The table's rows sorted by a whitelisted column (by name when unknown)."""
    if sort not in SORT_COLUMNS:
        sort = "name"
    if direction not in ("asc", "desc"):
        direction = "asc"
    ordered = sorted(table.rows, key=lambda f: f.name.lower())
    if sort != "name":
        ordered.sort(key=lambda f: getattr(f, sort))
    if direction == "desc":
        ordered.reverse()
    return Table(
        headline=table.headline,
        rows=ordered,
        sort=sort,
        direction=direction,
        child_level=table.child_level,
    )


def dashboard_live(*, scope: Scope, by: dt.datetime) -> tuple[Table, Attention, Chart]:
    """Everything the 30-second refresh shows, cached for ``DASHBOARD_CACHE_SECONDS`` (10 by
    default) per day, place, viewer's area and time asked about: organisers watching the same
    area share one computation, and the figures are never older than that."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    key = scope.cache_key(f"live:{by.isoformat()}")
    if seconds:
        found = cache.get(key)
        if found is not None:
            return found
    table = dashboard_table(scope=scope, by=by)
    value = (
        table,
        dashboard_attention(scope=scope, table=table, by=by),
        dashboard_chart(scope=scope),
    )
    if seconds:
        cache.set(key, value, seconds)
    return value


# --- Needs attention -----------------------------------------------------------------------


@dataclass
class AttentionList:
    items: list[Any]
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)


@dataclass
class Attention:
    no_signups: AttentionList
    below_minimum: AttentionList
    not_reported: AttentionList
    escalated: AttentionList
    by: dt.datetime


@dataclass(frozen=True)
class AttentionLine:
    """A line in a "needs attention" list: just what the list shows (cheap to cache)."""

    pk: int
    school_id: int
    school: str
    entrance: str
    district: str

    @property
    def is_main_entrance(self) -> bool:
        return self.entrance == "Main entrance"


@dataclass(frozen=True)
class AttentionReport:
    pk: int
    picket_line_id: int
    school_id: int
    school: str
    entrance: str
    reported_at: dt.datetime
    incident: str


def _attention_lines(scope: Scope, q: Q) -> list[AttentionLine]:
    rows = (
        PicketLine.objects.filter(scope.filter_q, q)
        .order_by("district_id", "school_id", "id")
        .values_list("pk", "school_id", "school__name", "entrance__name", "district__name")
    )
    return [AttentionLine(*row) for row in rows[:ATTENTION_LIMIT]]


def dashboard_attention(*, scope: Scope, table: Table, by: dt.datetime) -> Attention:
    """What an organiser should act on: four capped lists (five queries); the totals come from
    the table's figures, but for the escalations."""
    short_shift = Shift.objects.filter(
        picket_line=OuterRef("pk"), cancelled_at__isnull=True, booked__lt=F("minimum_wanted")
    )
    not_reported = Q(first_reported_at__isnull=True) | Q(first_reported_at__gte=_by(scope, by))
    reports = PicketReport.objects.filter(scope.report_q, escalate=True)
    escalated = [
        AttentionReport(*row)
        for row in reports.order_by("-reported_at", "-id").values_list(
            "pk",
            "picket_line_id",
            "picket_line__school_id",
            "picket_line__school__name",
            "picket_line__entrance__name",
            "reported_at",
            "incident",
        )[:ATTENTION_LIMIT]
    ]
    h = table.headline
    return Attention(
        no_signups=AttentionList(
            _attention_lines(scope, Q(pickets_signed_up=0, supporters_signed_up=0)),
            h.no_signups,
        ),
        below_minimum=AttentionList(
            _attention_lines(scope, Q(Exists(short_shift))), h.below_minimum
        ),
        not_reported=AttentionList(_attention_lines(scope, not_reported), h.not_reported_by),
        escalated=AttentionList(escalated, reports.count()),
        by=by,
    )


# --- The chart -----------------------------------------------------------------------------


def _bucket_rows(scope: Scope, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Reports and pickets per bucket from the per-district counters: ``m`` is minutes since
    ``start``."""
    qs = ReportBucket.objects.filter(
        scope.district_area, strike_day=scope.strike_day, starts_at__gte=start, starts_at__lt=end
    )
    if isinstance(scope.place, District):
        qs = qs.filter(district_id=scope.place.pk)
    elif isinstance(scope.place, Region):
        qs = qs.filter(region_id=scope.place.pk)
    rows = qs.values("starts_at").annotate(n=Sum("reports"), p=Sum("pickets")).order_by()
    return [
        {"m": (row["starts_at"] - start).total_seconds() // 60, "n": row["n"], "p": row["p"]}
        for row in rows
    ]


def _report_bucket_rows(scope: Scope, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Reports and pickets per minute since ``start``, from the reports themselves."""
    tz = timezone.get_current_timezone()
    reports = PicketReport.objects.filter(
        scope.report_q, reported_at__gte=start, reported_at__lt=end
    )
    rows = (
        reports.annotate(
            h=ExtractHour("reported_at", tzinfo=tz), m=ExtractMinute("reported_at", tzinfo=tz)
        )
        .values("h", "m")
        .annotate(n=Count("id"), p=Sum("pickets"))
        .order_by()
    )
    return [
        {"m": (int(row["h"]) - start.hour) * 60 + int(row["m"]), "n": row["n"], "p": row["p"]}
        for row in rows
    ]


def dashboard_chart(*, scope: Scope) -> Chart:
    """Reports and pickets reported per 15 minutes over the strike day's own hours, London
    time (one query; ``chart_window``).

    Above a school, the per-district buckets the report service keeps are summed (a few hundred
    rows at national scale); for a school, or a viewer whose area is a school, its own reports
    are bucketed."""
    day = scope.strike_day
    start, end = chart_window(day.date, day.starts_at, day.ends_at, timezone.get_current_timezone())
    if scope.district_area is not None and not isinstance(scope.place, School):
        rows = _bucket_rows(scope, start, end)
    else:
        rows = _report_bucket_rows(scope, start, end)
    return chart_draw(start=start, end=end, rows=rows)


# --- A school's lines and reports ----------------------------------------------------------


def school_lines(*, strike_day: StrikeDay, school: School) -> list[PicketLine]:
    """The school's lines that day, each with its reports (two queries)."""
    from django.db.models import Prefetch

    as_of = as_of_for(strike_day)
    reports = PicketReport.objects.order_by("-reported_at", "-id")
    if as_of is not None:
        reports = reports.filter(reported_at__lt=as_of)
    lines = list(
        PicketLine.objects.filter(strike_day=strike_day, school=school)
        .select_related("entrance", "entrance__site")
        .prefetch_related(Prefetch("reports", queryset=reports, to_attr="timeline"))
        .order_by("entrance__site__name", "entrance__name")
    )
    for line in lines:
        line.latest = line.timeline[0] if line.timeline else None
    return lines


def strike_days_for_viewer(*, viewer: Viewer) -> QuerySet[StrikeDay]:
    """Strike days of the unions where the viewer has a dashboard (rep or officer)."""
    union_ids = {r.union_id for r in viewer.roles}
    return (
        StrikeDay.objects.filter(dispute__union_id__in=union_ids)
        .select_related("dispute", "dispute__union")
        .order_by("-date")
    )
