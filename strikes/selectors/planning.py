"""Planning reads, scoped to the officer asking: disputes, verdicts, days by area, rallies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from kernel.errors import Refused
from members.permissions import ALLOWED_KINDS, Action, Viewer
from schools.models import District, School
from strikes.mandate import (
    PlaceVerdict,
    Verdict,
    ballot_verdicts,
    dispute_places_present,
    rule_sets_load,
)
from strikes.models import Ballot, CalledOutSchool, Dispute, Rally, RuleSet, StrikeDay


def planning_union_ids(viewer: Viewer) -> list[int]:
    """Unions in which the viewer is an officer (who may plan somewhere)."""
    return sorted({r.union_id for r in viewer.roles if r.kind in ALLOWED_KINDS[Action.PLAN]})


def disputes_for_viewer(*, viewer: Viewer) -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(union_id__in=planning_union_ids(viewer))
        .select_related("union")
        .prefetch_related("nations")
        .annotate(
            ballot_count=Count("ballots", distinct=True),
            day_count=Count("strike_days", distinct=True),
        )
        .order_by("-opened_on", "title")
    )


def dispute_for_viewer(*, viewer: Viewer, dispute_id: int) -> Dispute:
    """The dispute, or 404 when it belongs to a union the viewer does not organise in."""
    dispute = (
        Dispute.objects.filter(pk=dispute_id, union_id__in=planning_union_ids(viewer))
        .select_related("union")
        .prefetch_related("nations", "regions", "districts", "trusts", "schools")
        .first()
    )
    if dispute is None:
        raise Refused("No such dispute.", hide=True)
    return dispute


def dispute_place_text(dispute: Dispute) -> str:
    """'National', 'Wales', 'Regions: London', 'Chosen schools: A, B and 3 more'."""
    from strikes.models.planning import PlaceKind

    kind = PlaceKind(dispute.place_kind)
    if kind == PlaceKind.NATIONAL:
        return "National"
    rows = {
        PlaceKind.NATION: dispute.nations,
        PlaceKind.REGION: dispute.regions,
        PlaceKind.DISTRICT: dispute.districts,
        PlaceKind.EMPLOYER: dispute.districts,
        PlaceKind.TRUST: dispute.trusts,
        PlaceKind.SCHOOLS: dispute.schools,
    }[kind].all()
    names = [str(getattr(r, "name", r)) for r in rows]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"{kind.label}: {shown or 'none'}"


def dispute_employers_text(dispute: Dispute) -> str:
    from strikes.models.planning import EmployerKind

    kinds = [EmployerKind(k).label.lower() for k in dispute.employer_kinds or []]
    return ", ".join(kinds) or "none"


@dataclass
class BallotRow:
    ballot: Ballot
    verdicts: list[PlaceVerdict]

    @property
    def verdict(self) -> Verdict | None:
        """The first place's verdict (the only one unless places differ); None for a row that
        cannot be judged."""
        return self.verdicts[0].verdict if self.verdicts else None

    @property
    def passes_somewhere(self) -> bool:
        return any(v.verdict.passes for v in self.verdicts)


def ballots_with_verdicts(*, dispute: Dispute, today: dt.date | None = None) -> list[BallotRow]:
    """Each ballot with its verdicts, one per group of places where the answer is the same.

    A bad row (an impossible figure left by an old version) shows as such, never a 500."""
    rows = []
    rule_sets = rule_sets_load()
    present = dispute_places_present(dispute)
    ballots = dispute.ballots.prefetch_related(
        "units__school", "units__trust", "units__district", "nations"
    ).order_by("-closes_on", "-pk")
    for ballot in ballots:
        ballot.dispute = dispute
        try:
            verdicts = ballot_verdicts(
                ballot, dispute=dispute, today=today, rule_sets=rule_sets, present=present
            )
        except (ValueError, OverflowError, RuleSet.DoesNotExist):
            verdicts = []
        rows.append(BallotRow(ballot=ballot, verdicts=verdicts))
    return rows


def _area(viewer: Viewer, union_id: int) -> Q:
    return viewer.area_q(Action.PLAN, union=union_id)


def strike_days_for_dispute(*, dispute: Dispute, viewer: Viewer) -> QuerySet[StrikeDay]:
    """The dispute's days, each with how many schools are out in the viewer's area."""
    out_here = CalledOutSchool.objects.filter(
        _area(viewer, dispute.union_id), cancelled_at__isnull=True
    )
    return (
        StrikeDay.objects.filter(dispute=dispute)
        .select_related("moved_from")
        .annotate(schools_out=Count("schools", filter=Q(schools__in=out_here)))
        .order_by("date", "pk")
    )


def strike_day_for_viewer(*, viewer: Viewer, strike_day_id: int) -> StrikeDay:
    day = (
        StrikeDay.objects.filter(pk=strike_day_id)
        .select_related("dispute__union", "moved_from")
        .first()
    )
    if day is None or day.dispute.union_id not in planning_union_ids(viewer):
        raise Refused("No such strike day.", hide=True)
    return day


def strike_day_areas(*, strike_day: StrikeDay, viewer: Viewer) -> list[dict[str, Any]]:
    """Per district in the viewer's area: schools called out, cancelled, picket lines."""
    area = _area(viewer, strike_day.dispute.union_id)
    rows = list(
        CalledOutSchool.objects.filter(area, strike_day=strike_day)
        .values("region_id", "region__name", "district_id", "district__name")
        .annotate(
            schools=Count("pk", filter=Q(cancelled_at__isnull=True)),
            cancelled=Count("pk", filter=Q(cancelled_at__isnull=False)),
        )
        .order_by("region__name", "district__name")
    )
    from strikes.models import PicketLine

    lines = dict(
        PicketLine.objects.filter(area, strike_day=strike_day)
        .values("district_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "n")
    )
    for row in rows:
        row["lines"] = lines.get(row["district_id"], 0)
    return rows


def calendar_days(
    *,
    dispute: Dispute,
    viewer: Viewer,
    district_id: int | None = None,
    school_id: int | None = None,
) -> list[StrikeDay]:
    """Days on which schools in the viewer's area (or one district or school of it) are out."""
    q = _area(viewer, dispute.union_id) & Q(cancelled_at__isnull=True)
    if district_id is not None:
        q &= Q(district_id=district_id)
    if school_id is not None:
        q &= Q(school_id=school_id)
    return list(
        StrikeDay.objects.filter(
            dispute=dispute,
            status=StrikeDay.Status.ANNOUNCED,
            pk__in=CalledOutSchool.objects.filter(q).values("strike_day_id"),
        )
        .annotate(
            schools_out=Count(
                "schools",
                filter=Q(schools__in=CalledOutSchool.objects.filter(q)),
            )
        )
        .order_by("date", "pk")
    )


def school_for_viewer(*, viewer: Viewer, union_id: int, urn: int) -> School:
    """A school in the viewer's planning area, by URN; 404 outside it."""
    area = viewer.area_q(
        Action.PLAN,
        union=union_id,
        school="pk",
        district="district_id",
        region="district__region_id",
    )
    school = School.objects.filter(area, urn=urn).select_related("district__region").first()
    if school is None:
        raise Refused("No such school in your area.", hide=True)
    return school


@dataclass
class SchoolDay:
    called_out: CalledOutSchool
    lines: list[Any]


def school_days(*, dispute: Dispute, school: School, viewer: Viewer) -> list[SchoolDay]:
    """The dispute's days at one school in the viewer's planning area (none outside it), each
    with its picket lines and how many shifts each has."""
    from strikes.models import PicketLine

    area = _area(viewer, dispute.union_id)
    called = list(
        CalledOutSchool.objects.filter(area, school=school, strike_day__dispute=dispute)
        .select_related("strike_day")
        .order_by("strike_day__date", "strike_day_id")
    )
    lines: dict[int, list[Any]] = {}
    for line in (
        PicketLine.objects.filter(area, school=school, strike_day__dispute=dispute)
        .select_related("entrance__site")
        .annotate(
            shift_count=Count("shifts", filter=Q(shifts__cancelled_at__isnull=True)),
        )
        .order_by("entrance__site__name", "entrance__name")
    ):
        lines.setdefault(line.strike_day_id, []).append(line)
    return [SchoolDay(called_out=c, lines=lines.get(c.strike_day_id, [])) for c in called]


def rallies_for_school(*, strike_day: StrikeDay, school: School) -> QuerySet[Rally]:
    """Rallies on this day near the school: national ones, its region's and its district's.

    For the member's strike-day page; the caller has already checked the member may see the day.
    """
    district_id = school.district_id
    region_id = school.district.region_id
    return (
        Rally.objects.filter(strike_day=strike_day)
        .filter(
            Q(district_id=district_id)
            | Q(district__isnull=True, region_id=region_id)
            | Q(district__isnull=True, region__isnull=True)
        )
        .select_related("region", "district")
        .order_by("starts_at", "pk")
    )


def rallies_for_viewer(*, strike_day: StrikeDay, viewer: Viewer) -> QuerySet[Rally]:
    """Rallies of the day an officer may see: all of them (rallies are public)."""
    del viewer  # rallies are public information; the page itself is scoped by the day
    return (
        Rally.objects.filter(strike_day=strike_day)
        .select_related("region", "district")
        .order_by("starts_at", "pk")
    )


def districts_of_viewer(*, viewer: Viewer) -> QuerySet[District]:
    """The districts the viewer holds a role in (for the calendar's district links)."""
    return District.objects.filter(pk__in=[r.district_id for r in viewer.roles if r.district_id])


def district_by_id(district_id: int) -> District | None:
    """A district to filter the calendar by (the days shown stay within the viewer's area)."""
    return District.objects.filter(pk=district_id).first()


def rules_in_force(on: dt.date) -> RuleSet:
    """The rule set in force on a date (its notice period, for the announce form)."""
    return RuleSet.in_force_on(on)


@dataclass(frozen=True)
class DayNotice:
    """The notice the employers had of a strike day, and what the law asked for."""

    given_on: dt.date
    days_given: int
    rule_set: RuleSet | None
    days_needed: int | None

    @property
    def earliest_day(self) -> dt.date | None:
        if self.days_needed is None:
            return None
        return self.given_on + dt.timedelta(days=self.days_needed)


def strike_day_notice(day: StrikeDay) -> DayNotice:
    """When notice of ``day`` was given and how much notice the rule set in force on that day
    asked for (docs/law.md: notice follows the day it is given)."""
    given_on = day.notice_on
    try:
        rule_set: RuleSet | None = RuleSet.in_force_on(given_on)
    except RuleSet.DoesNotExist:
        rule_set = None
    return DayNotice(
        given_on=given_on,
        days_given=(day.date - given_on).days,
        rule_set=rule_set,
        days_needed=rule_set.notice_days if rule_set else None,
    )


def announced_strike_day(*, strike_day_id: int) -> StrikeDay:
    """An announced strike day, for its public rallies page; a 404 for any other."""
    day = (
        StrikeDay.objects.filter(pk=strike_day_id, status=StrikeDay.Status.ANNOUNCED)
        .select_related("dispute__union")
        .first()
    )
    if day is None:
        raise Refused("No such strike day.", hide=True)
    return day


def schools_search_for_viewer(*, viewer: Viewer, q: str, limit: int = 20) -> list[School]:
    """Schools matching ``q`` (name, former name, town, postcode, URN) within the viewer's
    planning area in any union they organise in."""
    from schools.search import schools_matching

    area: Q | None = Q(pk__in=[])
    for union_id in planning_union_ids(viewer):
        part = viewer.area_q(
            Action.PLAN,
            union=union_id,
            school="pk",
            district="district_id",
            region="district__region_id",
        )
        if part is not None and not part.children:
            area = None  # a national organiser: every school (an empty Q would OR to nothing)
            break
        if part is not None and area is not None:
            area |= part
    return schools_matching(q, within=area, limit=limit)
