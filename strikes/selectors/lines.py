"""Reads for reps running their picket lines, always scoped to the person asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from kernel.errors import Refused
from members.models import Membership, Role, User
from members.permissions import Action, Viewer, viewer_for
from schools.models import School
from strikes.models import (
    CalledOutSchool,
    Notification,
    PicketLine,
    PicketReport,
    RuleSet,
    Shift,
    Signup,
    StrikeDay,
)


def rules_for(strike_day: StrikeDay) -> RuleSet | None:
    """The rule set in force on the strike day's date (None when none is seeded)."""
    try:
        return RuleSet.in_force_on(strike_day.date)
    except RuleSet.DoesNotExist:
        return None


def supervisor_required(strike_day: StrikeDay) -> bool:
    rules = rules_for(strike_day)
    return bool(rules and rules.picket_supervisor_required)


def rep_schools(*, user: Any) -> list[School]:
    """The schools the viewer is rep for (in any union)."""
    viewer = viewer_for(user)
    return [r.school for r in viewer.roles if r.kind == Role.Kind.REP and r.school is not None]


def _live_shifts() -> Prefetch:
    return Prefetch(
        "shifts",
        queryset=Shift.objects.filter(cancelled_at__isnull=True).order_by("starts_at"),
    )


#: A school's day with at most this many live shifts shows every line open; above it, the
#: first line is open (or the one asked for) and each other shows a summary that opens on request.
INLINE_SHIFTS = 60


def lines_for_school_day(
    *,
    strike_day: StrikeDay,
    school: School,
    viewer: Viewer,
    open_line_id: int | None = None,
) -> list[PicketLine]:
    """The school's lines that day, each with ``shift_count``, ``short`` (shifts below their
    minimum) and ``opened``; opened lines carry `.coming`: live shifts with their people.
    Only where the viewer may run lines (none otherwise). Three queries whatever the numbers."""
    live = Q(shifts__cancelled_at__isnull=True)
    area = viewer.area_q(Action.RUN_LINE, union=strike_day.dispute.union_id)
    lines = list(
        PicketLine.objects.filter(area, strike_day=strike_day, school=school)
        .select_related("entrance__site")
        .annotate(
            shift_count=Count("shifts", filter=live),
            short=Count("shifts", filter=live & Q(shifts__booked__lt=F("shifts__minimum_wanted"))),
        )
        .order_by("entrance__site__name", "entrance__name", "pk")
    )
    if sum(line.shift_count for line in lines) <= INLINE_SHIFTS:
        opened = lines
    else:
        opened = [line for line in lines if line.pk == open_line_id] or lines[:1]
    shifts = shifts_with_people(line_ids=[line.pk for line in opened])
    for line in lines:
        line.opened = line in opened
        line.coming = shifts.get(line.pk, [])
    return lines


@dataclass
class SchoolDays:
    school: School
    days: list[CalledOutSchool] = field(default_factory=list)
    entrances: int = 0


def entrance_counts(*, school_ids: list[int]) -> dict[int, int]:
    """How many entrances each school has (a line stands at each once shifts are set up)."""
    from schools.models import Entrance

    return dict(
        Entrance.objects.filter(site__school_id__in=school_ids)
        .values("site__school_id")
        .annotate(n=Count("pk"))
        .values_list("site__school_id", "n")
    )


def rep_home_data(*, user: Any) -> list[SchoolDays]:
    """The rep's schools, each with its upcoming called-out strike days and their lines and shifts.

    Lines are made when the day is announced (and when shifts are added): this only reads.
    A fixed number of queries, whatever the data.
    """
    viewer = viewer_for(user)
    roles = [r for r in viewer.roles if r.kind == Role.Kind.REP and r.school is not None]
    if not roles:
        return []
    union_by_school = {r.school_id: r.union_id for r in roles}
    called = list(
        CalledOutSchool.objects.filter(
            school_id__in=union_by_school,
            cancelled_at__isnull=True,
            strike_day__date__gte=timezone.localdate(),
            strike_day__status=StrikeDay.Status.ANNOUNCED,
        )
        .select_related("strike_day__dispute", "school__district")
        .order_by("strike_day__date", "school__name")
    )
    called = [c for c in called if union_by_school[c.school_id] == c.strike_day.dispute.union_id]
    lines = (
        PicketLine.objects.filter(
            strike_day_id__in={c.strike_day_id for c in called},
            school_id__in={c.school_id for c in called},
        )
        .select_related("entrance__site")
        .prefetch_related(_live_shifts())
        .order_by("entrance__site__name", "entrance__name")
    )
    by_pair: dict[tuple[int, int], list[PicketLine]] = {}
    for line in lines:
        by_pair.setdefault((line.strike_day_id, line.school_id), []).append(line)
    entrances = entrance_counts(school_ids=list(union_by_school))
    out = {
        r.school_id: SchoolDays(school=r.school, entrances=entrances.get(r.school_id, 0))
        for r in roles
    }
    today = timezone.localdate()
    today_shifts = []
    for c in called:
        c.lines = by_pair.get((c.strike_day_id, c.school_id), [])
        c.is_today = c.strike_day.date == today
        if c.is_today:
            today_shifts += [shift for line in c.lines for shift in line.shifts.all()]
        out[c.school_id].days.append(c)
    if today_shifts:  # strike morning: who is here at each shift, in one more query
        presence = shift_presence(shift_ids=[shift.pk for shift in today_shifts])
        for shift in today_shifts:
            shift.presence = presence.get(shift.pk, Presence())
    return sorted(out.values(), key=lambda sd: sd.school.name)


def expected_signups(*, picket_line: PicketLine, viewer: Viewer) -> list[Shift]:
    """The line's live shifts, each with `.people`: its signups that are not cancelled. Empty
    unless the viewer may run the line."""
    union_id = picket_line.strike_day.dispute.union_id
    if not viewer.may(Action.RUN_LINE, picket_line.school, union=union_id):
        return []
    return shifts_with_people(line_ids=[picket_line.pk]).get(picket_line.pk, [])


def shifts_with_people(
    *, line_ids: list[int], shift_id: int | None = None
) -> dict[int, list[Shift]]:
    """Live shifts of these lines by line id (only ``shift_id`` if given), each with `.people`
    (signups not cancelled) and `.presence` (who is here).

    Two queries whatever the number of lines, shifts and people.
    """
    live = Shift.objects.filter(picket_line_id__in=line_ids, cancelled_at__isnull=True)
    if shift_id is not None:
        live = live.filter(pk=shift_id)
    shifts = list(
        live.prefetch_related(
            Prefetch(
                "signups",
                queryset=Signup.objects.exclude(status=Signup.Status.CANCELLED)
                .select_related("user", "supporter")
                # A stable order: a row stays where it is when its person is checked in.
                .order_by("created_at", "id"),
                to_attr="people",
            )
        ).order_by("starts_at")
    )
    out: dict[int, list[Shift]] = {}
    for shift in shifts:
        _count_presence(shift)
        out.setdefault(shift.picket_line_id, []).append(shift)
    return out


HERE = (Signup.Status.ARRIVED, Signup.Status.COMPLETED)
NOT_BOOKED = (Signup.Status.CANCELLED, Signup.Status.WAITLISTED)


@dataclass(frozen=True)
class Presence:
    """Who is at a shift: ``here`` of the ``booked`` people who signed up, plus walk-ups."""

    booked: int = 0
    here: int = 0
    walk_ups: int = 0

    @property
    def total_here(self) -> int:
        return self.here + self.walk_ups


def _count_presence(shift: Shift) -> None:
    """Set ``shift.presence`` from its prefetched ``people`` (no query)."""
    booked = here = walk_ups = 0
    for person in shift.people:
        if person.is_walk_up:
            walk_ups += person.status in HERE
        elif person.status not in NOT_BOOKED:
            booked += 1
            here += person.status in HERE
    shift.presence = Presence(booked=booked, here=here, walk_ups=walk_ups)


def shift_presence(*, shift_ids: list[int]) -> dict[int, Presence]:
    """``Presence`` for each of these shifts, in one query."""
    signed = Q(is_walk_up=False)
    rows = (
        Signup.objects.filter(shift_id__in=shift_ids)
        .values("shift_id")
        .annotate(
            booked=Count("pk", filter=signed & ~Q(status__in=NOT_BOOKED)),
            here=Count("pk", filter=signed & Q(status__in=HERE)),
            walk_ups=Count("pk", filter=~signed & Q(status__in=HERE)),
        )
        .values_list("shift_id", "booked", "here", "walk_ups")
    )
    return {shift_id: Presence(b, h, w) for shift_id, b, h, w in rows}


def _runs(viewer: Viewer, picket_line: PicketLine) -> bool:
    union_id = picket_line.strike_day.dispute.union_id
    return viewer.may(Action.RUN_LINE, picket_line.school, union=union_id)


def shift_with_people(*, picket_line: PicketLine, shift_id: int, viewer: Viewer) -> Shift:
    """One live shift of the line with ``people`` and ``presence``; a 404 for any other, and
    unless the viewer may run the line."""
    shift = None
    if _runs(viewer, picket_line):
        shift = shifts_with_people(line_ids=[picket_line.pk], shift_id=shift_id).get(picket_line.pk)
    if not shift:
        raise Refused("No such shift on this line.", hide=True)
    return shift[0]


def shift_people(*, picket_line: PicketLine, shift: Shift, viewer: Viewer) -> Shift:
    """``shift`` (one of the line's, already loaded: a write just read it) with ``people`` and
    ``presence``, as ``shift_with_people`` gives them, in one query; a 404 for a shift that is
    cancelled or not the line's, and unless the viewer may run the line."""
    if (
        not _runs(viewer, picket_line)
        or shift.picket_line_id != picket_line.pk
        or shift.cancelled_at is not None
    ):
        raise Refused("No such shift on this line.", hide=True)
    shift.people = list(
        Signup.objects.filter(shift_id=shift.pk)
        .exclude(status=Signup.Status.CANCELLED)
        .select_related("user", "supporter")
        .order_by("created_at", "id")
    )
    _count_presence(shift)
    return shift


def checked_in_counts(*, picket_line: PicketLine, viewer: Viewer) -> tuple[int, int]:
    """(pickets, supporters) checked in at the line's live shifts, walk-ups included: what a
    report starts from; nothing unless the viewer may run the line. One query."""
    if not _runs(viewer, picket_line):
        return 0, 0
    counts = Signup.objects.filter(
        shift__picket_line=picket_line, shift__cancelled_at__isnull=True, status__in=HERE
    ).aggregate(
        pickets=Count("pk", filter=Q(is_supporter=False)),
        supporters=Count("pk", filter=Q(is_supporter=True)),
    )
    return counts["pickets"], counts["supporters"]


def members_not_signed_up(
    *, strike_day: StrikeDay, school: School, staff_groups: list[str] | None = None
) -> QuerySet[Membership]:
    """Members working at the school with no live signup on any shift there that day; only
    those in ``staff_groups`` (the groups called out) when given."""
    live = Signup.objects.filter(
        user_id=OuterRef("user_id"),
        shift__picket_line__strike_day=strike_day,
        shift__cancelled_at__isnull=True,
    ).exclude(status=Signup.Status.CANCELLED)
    return (
        Membership.objects.filter(
            workplace=school, union_id=strike_day.dispute.union_id, is_active=True
        )
        .filter(**({"staff_group__in": staff_groups} if staff_groups is not None else {}))
        .exclude(Exists(live))
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def members_not_called_out(
    *, strike_day: StrikeDay, school: School, staff_groups: list[str]
) -> QuerySet[Membership]:
    """Members working at the school whose staff group is not called out there that day: reps
    see them apart (never nudged, never signed up as pickets)."""
    return (
        Membership.objects.filter(
            workplace=school, union_id=strike_day.dispute.union_id, is_active=True
        )
        .exclude(staff_group__in=staff_groups)
        .select_related("user")
        .order_by("staff_group", "user__full_name", "user__email")
    )


def _nudge_area(viewer: Viewer, strike_day: StrikeDay) -> Q:
    """Memberships at schools where the viewer may run lines."""
    return viewer.area_q(
        Action.RUN_LINE,
        union=strike_day.dispute.union_id,
        school="workplace_id",
        district="workplace__district_id",
        region="workplace__district__region_id",
    )


def _mark_nudged_today(memberships: list[Membership], *, strike_day: StrikeDay) -> None:
    today = timezone.localdate().isoformat()
    keys = [f"nudge:{strike_day.pk}:{m.user_id}:{today}" for m in memberships]
    nudged = set(Notification.objects.filter(key__in=keys).values_list("user_id", flat=True))
    for m in memberships:
        m.nudged_today = m.user_id in nudged


NUDGE_PAGE_SIZE = 50


@dataclass
class NudgePage:
    """One page of the members not signed up, optionally searched by name or email."""

    total: int  # everyone not signed up
    matching: int  # of those, matching the search
    members: list[Membership]
    page: int
    pages: int
    query: str

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def nudge_page(
    *,
    strike_day: StrikeDay,
    school: School,
    viewer: Viewer,
    query: str = "",
    page: int = 1,
    staff_groups: list[str] | None = None,
) -> NudgePage:
    """A page of ``NUDGE_PAGE_SIZE`` members not signed up (searched by name or email) that the
    viewer may nudge, of the staff groups called out when given, each with ``nudged_today``.
    Three or four queries whatever the number of members."""
    missing = members_not_signed_up(
        strike_day=strike_day, school=school, staff_groups=staff_groups
    ).filter(_nudge_area(viewer, strike_day))
    total = missing.count()
    found = missing
    if query:
        found = missing.filter(
            Q(user__full_name__icontains=query) | Q(user__email__icontains=query)
        )
    matching = found.count() if query else total
    pages = max(1, -(-matching // NUDGE_PAGE_SIZE))
    page = min(max(page, 1), pages)
    start = (page - 1) * NUDGE_PAGE_SIZE
    members = list(found[start : start + NUDGE_PAGE_SIZE])
    _mark_nudged_today(members, strike_day=strike_day)
    return NudgePage(
        total=total, matching=matching, members=members, page=page, pages=pages, query=query
    )


def member_for_nudge(*, strike_day: StrikeDay, school: School, user_id: int) -> User | None:
    """A member working at the school, in the day's union; None for anyone else."""
    membership = (
        Membership.objects.filter(
            user_id=user_id,
            workplace=school,
            union_id=strike_day.dispute.union_id,
            is_active=True,
        )
        .select_related("user")
        .first()
    )
    return membership.user if membership is not None else None


def signup_on_line(*, picket_line: PicketLine, signup_id: int) -> Signup:
    """A signup on one of the line's shifts, with its person; a 404 for any other."""
    signup = (
        Signup.objects.select_related("user", "supporter")
        .filter(pk=signup_id, shift__picket_line=picket_line)
        .first()
    )
    if signup is None:
        raise Refused("No such sign-up on this line.", hide=True)
    return signup


def shift_on_line(*, picket_line: PicketLine, shift_id: int, live: bool = False) -> Shift:
    """One of the line's shifts (only a live one with ``live``); a 404 for any other."""
    shifts = Shift.objects.filter(pk=shift_id, picket_line=picket_line)
    if live:
        shifts = shifts.filter(cancelled_at__isnull=True)
    shift = shifts.first()
    if shift is None:
        raise Refused("No such shift on this line.", hide=True)
    return shift


def reports_for_line(*, picket_line: PicketLine) -> list[PicketReport]:
    """The line's reports, newest first."""
    return list(
        PicketReport.objects.filter(picket_line=picket_line).order_by("-reported_at", "-id")
    )


def school_strike_days(*, school: School, union_id: int) -> list[CalledOutSchool]:
    """The school's coming strike days in the union, earliest first (for the member poster)."""
    return list(
        CalledOutSchool.objects.filter(
            school=school,
            cancelled_at__isnull=True,
            strike_day__dispute__union_id=union_id,
            strike_day__date__gte=timezone.localdate(),
            strike_day__status=StrikeDay.Status.ANNOUNCED,
        )
        .select_related("strike_day")
        .order_by("strike_day__date")[:20]
    )


def shift_warnings(
    *, strike_day: StrikeDay, school: School, advised: int, advice: str
) -> list[str]:
    """Plain-English warnings about the school's live shifts that day (never refusals):
    shifts at one entrance that overlap, and places at one entrance at one time above the
    ``advised`` number of pickets. One query."""
    shifts = (
        Shift.objects.filter(
            picket_line__strike_day=strike_day,
            picket_line__school=school,
            cancelled_at__isnull=True,
        )
        .select_related("picket_line__entrance")
        .order_by("picket_line_id", "starts_at", "pk")
    )
    by_line: dict[int, list[Shift]] = {}
    for shift in shifts:
        by_line.setdefault(shift.picket_line_id, []).append(shift)
    overlaps: list[str] = []
    crowded: list[str] = []
    for line_shifts in by_line.values():
        entrance = line_shifts[0].picket_line.entrance.name
        for i, shift in enumerate(line_shifts):
            for other in line_shifts[i + 1 :]:
                if other.starts_at < shift.ends_at:
                    overlaps.append(f"{shift} and {other} at {entrance}")
            # Places at once, at this shift's start (the busiest moment starts some shift).
            at_once = sum(
                o.capacity for o in line_shifts if o.starts_at <= shift.starts_at < o.ends_at
            )
            if at_once > advised and entrance not in crowded:
                crowded.append(entrance)
    warnings = []
    if overlaps:
        more = " and more" if len(overlaps) > 5 else ""
        warnings.append(
            f"These shifts overlap: {'; '.join(overlaps[:5])}{more}. Both were kept; change "
            "or remove one if that was a mistake."
        )
    if crowded:
        warnings.append(
            f"More than {advised} places at once at {', '.join(crowded[:5])}. {advice} "
            "This is allowed; it is only a warning."
        )
    return warnings
