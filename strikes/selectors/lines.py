"""Reads for reps running their picket lines, always scoped to the person asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from members.models import Membership, Role
from members.permissions import Action, viewer_for
from schools.models import School
from strikes.models import CalledOutSchool, PicketLine, RuleSet, Shift, Signup, StrikeDay


class Refused(Exception):
    """The viewer can see the place but may not run its lines (a 403)."""


def rules_for(strike_day: StrikeDay) -> RuleSet | None:
    """The rule set in force on the strike day's date (None when none is seeded)."""
    try:
        return RuleSet.in_force_on(strike_day.date)
    except RuleSet.DoesNotExist:
        return None


def supervisor_required(strike_day: StrikeDay) -> bool:
    rules = rules_for(strike_day)
    return bool(rules and rules.picket_supervisor_required)


def _check_run_line(user: Any, school: School, union_id: int) -> None:
    viewer = viewer_for(user)
    if viewer.may(Action.RUN_LINE, school, union=union_id):
        return
    if viewer.may(Action.SIGN_UP, school, union=union_id):
        raise Refused  # a member of this school: they know it exists, but may not run it
    raise Http404


def picket_line_for_rep(*, user: Any, line_id: int) -> PicketLine:
    """The line, if the viewer may run it; 404 when outside their place, Refused for members."""
    line = (
        PicketLine.objects.select_related(
            "strike_day__dispute__union",
            "school__district__region",
            "entrance__site",
            "latest_report",
        )
        .filter(pk=line_id)
        .first()
    )
    if line is None:
        raise Http404
    _check_run_line(user, line.school, line.strike_day.dispute.union_id)
    return line


def called_out_for_rep(*, user: Any, strike_day_id: int, school_id: int) -> CalledOutSchool:
    called = (
        CalledOutSchool.objects.select_related(
            "strike_day__dispute__union", "school__district__region"
        )
        .filter(strike_day_id=strike_day_id, school_id=school_id, cancelled_at__isnull=True)
        .first()
    )
    if called is None:
        raise Http404
    _check_run_line(user, called.school, called.strike_day.dispute.union_id)
    return called


def rep_schools(*, user: Any) -> list[School]:
    """The schools the viewer is rep for (in any union)."""
    viewer = viewer_for(user)
    return [r.school for r in viewer.roles if r.kind == Role.Kind.REP and r.school is not None]


def _live_shifts() -> Prefetch:
    return Prefetch(
        "shifts",
        queryset=Shift.objects.filter(cancelled_at__isnull=True).order_by("starts_at"),
    )


def lines_for_school_day(*, strike_day: StrikeDay, school: School) -> list[PicketLine]:
    """The school's lines that day, each with `.coming`: live shifts with their people."""
    lines = list(
        PicketLine.objects.filter(strike_day=strike_day, school=school)
        .select_related("entrance__site")
        .order_by("entrance__site__name", "entrance__name")
    )
    shifts = shifts_with_people(line_ids=[line.pk for line in lines])
    for line in lines:
        line.coming = shifts.get(line.pk, [])
    return lines


@dataclass
class SchoolDays:
    school: School
    days: list[CalledOutSchool] = field(default_factory=list)


def rep_home_data(*, user: Any) -> list[SchoolDays]:
    """The rep's schools, each with its upcoming called-out strike days and their lines and shifts.

    The picket lines are made on the first visit. A fixed number of queries, whatever the data.
    """
    from strikes.services.lines import picket_lines_ensure

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
    picket_lines_ensure(pairs=[(c.strike_day, c.school) for c in called])
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
    out = {r.school_id: SchoolDays(school=r.school) for r in roles}
    for c in called:
        c.lines = by_pair.get((c.strike_day_id, c.school_id), [])
        out[c.school_id].days.append(c)
    return sorted(out.values(), key=lambda sd: sd.school.name)


def expected_signups(*, picket_line: PicketLine) -> list[Shift]:
    """The line's live shifts, each with `.people`: its signups that are not cancelled."""
    return shifts_with_people(line_ids=[picket_line.pk]).get(picket_line.pk, [])


def shifts_with_people(*, line_ids: list[int]) -> dict[int, list[Shift]]:
    """Live shifts of these lines by line id, each with `.people` (signups not cancelled).

    Two queries whatever the number of lines, shifts and people.
    """
    shifts = list(
        Shift.objects.filter(picket_line_id__in=line_ids, cancelled_at__isnull=True)
        .prefetch_related(
            Prefetch(
                "signups",
                queryset=Signup.objects.exclude(status=Signup.Status.CANCELLED)
                .select_related("user", "supporter")
                .order_by("status", "created_at", "id"),
                to_attr="people",
            )
        )
        .order_by("starts_at")
    )
    out: dict[int, list[Shift]] = {}
    for shift in shifts:
        out.setdefault(shift.picket_line_id, []).append(shift)
    return out


def members_not_signed_up(*, strike_day: StrikeDay, school: School) -> QuerySet[Membership]:
    """Members working at the school with no live signup on any shift there that day."""
    live = Signup.objects.filter(
        user_id=OuterRef("user_id"),
        shift__picket_line__strike_day=strike_day,
        shift__cancelled_at__isnull=True,
    ).exclude(status=Signup.Status.CANCELLED)
    return (
        Membership.objects.filter(
            workplace=school, union_id=strike_day.dispute.union_id, is_active=True
        )
        .exclude(Exists(live))
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
