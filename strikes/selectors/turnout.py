"""Reads for turnout tracking, scoped to the person asking.

Boards read counts only (``TurnoutCount``: one row for the place, one per child place), never
marks. Names are read only for a school's own list, by its rep or the district officer over it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from members.models import Role
from members.permissions import ALLOWED_KINDS, Action, Viewer
from schools.models import District, Nation, Region, School
from strikes.models.turnout import Elector, TrackedBallot, TurnoutCount, TurnoutDay, TurnoutOfficial

Level = TurnoutCount.Level
CHILD: dict[str, str | None] = {
    Level.UNION: Level.NATION,
    Level.NATION: Level.REGION,
    Level.REGION: Level.DISTRICT,
    Level.DISTRICT: Level.SCHOOL,
    Level.SCHOOL: None,
}
# The column of a child row that holds its parent's id.
PARENT_COLUMN = {
    Level.NATION: "nation_id",
    Level.REGION: "region_id",
    Level.DISTRICT: "district_id",
    Level.SCHOOL: "school_id",
}
MODEL = {Level.NATION: Nation, Level.REGION: Region, Level.DISTRICT: District, Level.SCHOOL: School}
TREND_WINDOW_DAYS = 7

Place = School | District | Region | Nation | None


def level_of(place: Place) -> str:
    if place is None:
        return Level.UNION
    return {School: Level.SCHOOL, District: Level.DISTRICT, Region: Level.REGION}.get(
        type(place), Level.NATION
    )


def _pct(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def votes_needed(*, voted: int, eligible: int, pct: Decimal) -> int:
    """Votes still needed to reach ``pct`` of ``eligible`` (0 when reached)."""
    if eligible <= 0:
        return 0
    wanted = math.ceil(Decimal(eligible) * Decimal(pct) / 100)
    return max(0, wanted - voted)


@dataclass
class Figures:
    """One place's line on a board."""

    level: str
    place_id: int
    name: str
    entitled: int
    excluded: int
    voted: int
    threshold_pct: Decimal
    target_pct: Decimal
    official_electorate: int | None = None
    official_votes: int | None = None

    @cached_property
    def eligible(self) -> int:
        return max(self.entitled - self.excluded, 0)

    @cached_property
    def turnout(self) -> Decimal | None:
        return _pct(self.voted, self.eligible)

    @cached_property
    def gap_threshold(self) -> Decimal | None:
        """Percentage points above (+) or below (-) the legal threshold."""
        if self.turnout is None:
            return None
        return (self.turnout - self.threshold_pct).quantize(Decimal("0.1"))

    @cached_property
    def gap_target(self) -> Decimal | None:
        if self.turnout is None:
            return None
        return (self.turnout - self.target_pct).quantize(Decimal("0.1"))

    @cached_property
    def needed_threshold(self) -> int:
        return votes_needed(voted=self.voted, eligible=self.eligible, pct=self.threshold_pct)

    @cached_property
    def needed_target(self) -> int:
        return votes_needed(voted=self.voted, eligible=self.eligible, pct=self.target_pct)

    @cached_property
    def official_turnout(self) -> Decimal | None:
        if self.official_electorate is None or self.official_votes is None:
            return None
        return _pct(self.official_votes, self.official_electorate)


@dataclass
class Projection:
    """A straight line from the recent daily rate to the close, with its inputs shown."""

    voted: int
    eligible: int
    window_from: dt.date
    window_to: dt.date
    window_days: int
    window_votes: int
    per_day: Decimal
    days_left: int
    projected_votes: int
    projected_turnout: Decimal | None


@dataclass
class TrendDay:
    day: dt.date
    votes: int
    cumulative: int
    turnout: Decimal | None


@dataclass
class Board:
    tracked_ballot: TrackedBallot
    place: Place
    level: str
    child_level: str | None
    figures: Figures
    rows: list[Figures] = field(default_factory=list)
    trend: list[TrendDay] = field(default_factory=list)
    projection: Projection | None = None
    trail: list[Place] = field(default_factory=list)


def tracked_ballots_for_viewer(*, viewer: Viewer) -> QuerySet[TrackedBallot]:
    """Ballots of the viewer's unions that they help run (rep or officer) or vote in."""
    if viewer.is_anonymous:
        return TrackedBallot.objects.none()
    run = {r.union_id for r in viewer.roles}
    member = {m.pk for m in viewer.memberships}
    return (
        TrackedBallot.objects.filter(Q(union_id__in=run) | Q(electors__membership_id__in=member))
        .distinct()
        .select_related("union")
        .order_by("-closes_on", "title")
    )


def elector_for_viewer(*, tracked_ballot: TrackedBallot, viewer: Viewer) -> Elector | None:
    member = viewer.membership(tracked_ballot.union_id)
    if member is None:
        return None
    return (
        Elector.objects.filter(tracked_ballot=tracked_ballot, membership_id=member.pk)
        .select_related("school")
        .first()
    )


def board_default_place(viewer: Viewer, union_id: int) -> Place:
    """Where a viewer's board starts: the whole union for a national organiser or someone with
    several places, else their one place."""
    roles = viewer.roles_in(union_id, ALLOWED_KINDS[Action.VIEW_DASHBOARD])
    if not roles or any(r.kind == Role.Kind.NATIONAL_ORGANISER for r in roles) or len(roles) > 1:
        return None
    role = roles[0]
    return role.region or role.district or role.school


def _trail(place: Place) -> list[Place]:
    if place is None:
        return []
    if isinstance(place, School):
        return [place.district.region.nation, place.district.region, place.district, place]
    if isinstance(place, District):
        return [place.region.nation, place.region, place]
    if isinstance(place, Region):
        return [place.nation, place]
    return [place]


def _officials_by(tracked: TrackedBallot, child_level: str | None, parent: Q) -> dict[int, Any]:
    """Per-unit official figures summed by child place (one query)."""
    if not tracked.per_unit or child_level is None:
        return {}
    column = {
        Level.NATION: "school__district__region__nation_id",
        Level.REGION: "school__district__region_id",
        Level.DISTRICT: "school__district_id",
        Level.SCHOOL: "school_id",
    }[child_level]
    rows = (
        TurnoutOfficial.objects.filter(tracked_ballot=tracked)
        .filter(parent)
        .values(column)
        .annotate(e=Sum("electorate"), v=Sum("votes_cast"))
        .order_by()
    )
    return {r[column]: (r["e"], r["v"]) for r in rows}


def _official_parent_q(level: str, place: Place) -> Q:
    if place is None:
        return Q()
    return Q(
        **{
            {
                Level.NATION: "school__district__region__nation_id",
                Level.REGION: "school__district__region_id",
                Level.DISTRICT: "school__district_id",
                Level.SCHOOL: "school_id",
            }[level]: place.pk
        }
    )


def _trend(tracked: TrackedBallot, level: str, place_id: int, eligible: int) -> list[TrendDay]:
    days = TurnoutDay.objects.filter(
        tracked_ballot=tracked, level=level, place_id=place_id
    ).order_by("day")
    result: list[TrendDay] = []
    cumulative = 0
    for d in days.values_list("day", "voted"):
        cumulative += d[1]
        result.append(TrendDay(d[0], d[1], cumulative, _pct(cumulative, eligible)))
    return result


def projection_for(
    *, tracked: TrackedBallot, figures: Figures, trend: list[TrendDay], today: dt.date
) -> Projection:
    """Votes so far plus the last ``TREND_WINDOW_DAYS`` days' average per day times the days
    left after today (today counts as done). Before the ballot opens or after it closes there
    are no days left to project."""
    if today < tracked.opens_on:
        first = last = tracked.opens_on
        window_days = 0
        days_left = (tracked.closes_on - tracked.opens_on).days + 1
    else:
        last = min(today, tracked.closes_on)
        first = max(tracked.opens_on, last - dt.timedelta(days=TREND_WINDOW_DAYS - 1))
        window_days = (last - first).days + 1
        days_left = max((tracked.closes_on - today).days, 0)
    window_votes = sum(t.votes for t in trend if first <= t.day <= last) if window_days else 0
    rate = Decimal(window_votes) / window_days if window_days else Decimal(0)
    projected = figures.voted + math.floor(rate * days_left)
    if figures.eligible:
        projected = min(projected, figures.eligible)
    per_day = rate.quantize(Decimal("0.1"))
    return Projection(
        voted=figures.voted,
        eligible=figures.eligible,
        window_from=first,
        window_to=last,
        window_days=window_days,
        window_votes=window_votes,
        per_day=per_day,
        days_left=days_left,
        projected_votes=projected,
        projected_turnout=_pct(projected, figures.eligible),
    )


def turnout_board(
    *, tracked_ballot: TrackedBallot, viewer: Viewer, place: Place, today: dt.date | None = None
) -> Board:
    """The board for ``place`` (None: the whole union). The caller has checked that the viewer
    may see the place's dashboard; every child of a place they may see is theirs too."""
    tracked = tracked_ballot
    today = today or timezone.localdate()
    level = level_of(place)
    place_id = 0 if place is None else place.pk
    child_level = CHILD[level]
    wanted = Q(level=level, place_id=place_id)
    if child_level is not None:
        parent = Q(level=child_level)
        if place is not None:
            parent &= Q(**{PARENT_COLUMN[level]: place_id})
        wanted |= parent
    counts = list(
        TurnoutCount.objects.filter(wanted, tracked_ballot=tracked).values_list(
            "level", "place_id", "entitled", "excluded", "voted"
        )
    )
    kw = {"threshold_pct": tracked.threshold_pct, "target_pct": tracked.target_pct}
    head = Figures(level, place_id, str(place or tracked.union), 0, 0, 0, **kw)
    children: list[tuple[int, int, int, int]] = []
    for lvl, pid, entitled, excluded, voted in counts:
        if lvl == level and pid == place_id:
            head.entitled, head.excluded, head.voted = entitled, excluded, voted
        else:
            children.append((pid, entitled, excluded, voted))
    rows: list[Figures] = []
    if child_level is not None and children:
        names = dict(
            MODEL[child_level]
            .objects.filter(pk__in=[c[0] for c in children])
            .values_list("pk", "name")
        )
        officials = _officials_by(tracked, child_level, _official_parent_q(level, place))
        for pid, entitled, excluded, voted in children:
            e, v = officials.get(pid, (None, None))
            rows.append(
                Figures(child_level, pid, names.get(pid, "?"), entitled, excluded, voted, **kw)
            )
            rows[-1].official_electorate, rows[-1].official_votes = e, v
        rows.sort(key=lambda r: (-r.needed_threshold, -r.needed_target, r.name))
    # The place's own official figures: the whole ballot's, or its units' summed.
    if place is None and tracked.official_votes_cast is not None:
        head.official_electorate = tracked.official_electorate
        head.official_votes = tracked.official_votes_cast
    elif tracked.per_unit:
        e_sum = [r.official_electorate for r in rows if r.official_electorate is not None]
        if place is not None and level == Level.SCHOOL:
            official = TurnoutOfficial.objects.filter(tracked_ballot=tracked, school=place).first()
            if official is not None:
                head.official_electorate = official.electorate
                head.official_votes = official.votes_cast
        elif e_sum:
            head.official_electorate = sum(e_sum)
            head.official_votes = sum(r.official_votes or 0 for r in rows)
    trend = _trend(tracked, level, place_id, head.eligible)
    return Board(
        tracked_ballot=tracked,
        place=place,
        level=level,
        child_level=child_level,
        figures=head,
        rows=rows,
        trend=trend,
        projection=projection_for(tracked=tracked, figures=head, trend=trend, today=today),
        trail=_trail(place),
    )


def school_electors(*, tracked_ballot: TrackedBallot, school: School) -> list[Elector]:
    """A school's electorate with names and contact, for its rep (the view checks the rep)."""
    return list(
        Elector.objects.filter(tracked_ballot=tracked_ballot, school=school)
        .exclude(membership__isnull=True)
        .select_related("membership__user")
        .order_by("membership__user__full_name", "pk")
    )


# --- Place resolvers for ``members.access.requires`` ----------------------------------------


def _tracked(tracked_ballot_id: int) -> TrackedBallot:
    from kernel.errors import Refused

    tracked = TrackedBallot.objects.select_related("union").filter(pk=tracked_ballot_id).first()
    if tracked is None:
        raise Refused("No such ballot.", hide=True)
    return tracked


def tracked_union(request: Any, *, tracked_ballot_id: int, **_: Any) -> Any:
    """A tracked ballot as a whole: the union itself is the place (national organisers)."""
    from members.access import Target

    tracked = _tracked(tracked_ballot_id)
    return Target(place=None, union=tracked.union, obj=tracked)


def tracked_school(request: Any, *, tracked_ballot_id: int, school_id: int, **_: Any) -> Any:
    """A school's list in a tracked ballot: the school, in the ballot's union."""
    from kernel.errors import Refused
    from members.access import Target

    tracked = _tracked(tracked_ballot_id)
    school = School.objects.select_related("district__region").filter(pk=school_id).first()
    if school is None:
        raise Refused("No such school.", hide=True)
    return Target(place=school, union=tracked.union, obj=(tracked, school))


def tracked_elector(request: Any, *, tracked_ballot_id: int, elector_id: int, **_: Any) -> Any:
    """One elector's mark: their school, in the ballot's union."""
    from kernel.errors import Refused
    from members.access import Target

    elector = (
        Elector.objects.select_related("tracked_ballot__union", "school__district__region")
        .filter(pk=elector_id, tracked_ballot_id=tracked_ballot_id)
        .first()
    )
    if elector is None:
        raise Refused("No such member in this ballot.", hide=True)
    return Target(place=elector.school, union=elector.tracked_ballot.union, obj=elector)
