"""Place resolvers for ``members.access.requires``: from a URL's ids to the place to check, its
union, and the row the view works on. A row that does not exist is a 404 (``Refused(hide=True)``).

Each loads what the view and the check need in one query, so the view does not read it again.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kernel.errors import Refused
from members.access import ANYWHERE, Target, refusal
from members.permissions import ALLOWED_KINDS, Action, Viewer
from schools.models import District, Region, School
from strikes.models import Ballot, CalledOutSchool, Dispute, PicketLine, Shift, StrikeDay

_LINE = (
    "strike_day__dispute__union",
    "school__district__region",
    "entrance__site",
    "latest_report",
)


def _missing(what: str) -> Refused:
    return Refused(f"No such {what}.", hide=True)


def line_place(request: HttpRequest, *, line_id: int, **_: Any) -> Target:
    """A picket line: its school, in its strike day's union."""
    line = PicketLine.objects.select_related(*_LINE).filter(pk=line_id).first()
    if line is None:
        raise _missing("picket line")
    return Target(place=line.school, union=line.strike_day.dispute.union, obj=line)


def _shift_target(shift: Shift | None) -> Target:
    if shift is None:
        raise _missing("shift")
    line = shift.picket_line
    return Target(place=line.school, union=line.strike_day.dispute.union, obj=shift)


def live_shift_place(request: HttpRequest, *, shift_id: int, **_: Any) -> Target:
    """A shift that is not cancelled, at its line's school."""
    prefixed = [f"picket_line__{p}" for p in _LINE]
    return _shift_target(
        Shift.objects.select_related(*prefixed)
        .filter(pk=shift_id, cancelled_at__isnull=True)
        .first()
    )


def shift_place(request: HttpRequest, *, shift_id: int, **_: Any) -> Target:
    """A shift (cancelled or not), at its line's school."""
    prefixed = [f"picket_line__{p}" for p in _LINE]
    return _shift_target(Shift.objects.select_related(*prefixed).filter(pk=shift_id).first())


def called_out_place(
    request: HttpRequest, *, strike_day_id: int, school_id: int, **_: Any
) -> Target:
    """A school called out on a strike day (not called off there)."""
    called = (
        CalledOutSchool.objects.select_related(
            "strike_day__dispute__union", "school__district__region"
        )
        .filter(strike_day_id=strike_day_id, school_id=school_id, cancelled_at__isnull=True)
        .first()
    )
    if called is None:
        raise _missing("strike day at this school")
    return Target(place=called.school, union=called.strike_day.dispute.union, obj=called)


def _strike_day(strike_day_id: int, *related: str) -> StrikeDay:
    day = (
        StrikeDay.objects.select_related("dispute__union", *related)
        .filter(pk=strike_day_id)
        .first()
    )
    if day is None:
        raise _missing("strike day")
    return day


def strike_day_union(request: HttpRequest, *, strike_day_id: int, **_: Any) -> Target:
    """A strike day, anywhere in its union (the view scopes what it shows to the viewer)."""
    day = _strike_day(strike_day_id, "moved_from")
    return Target(place=ANYWHERE, union=day.dispute.union, obj=day)


def strike_day_school_place(
    request: HttpRequest, *, strike_day_id: int, school_id: int, **_: Any
) -> Target:
    """A school on a strike day's dashboard: the school, in the day's union (obj: the day)."""
    day = _strike_day(strike_day_id)
    school = School.objects.select_related("district__region").filter(pk=school_id).first()
    if school is None:
        raise _missing("school")
    return Target(place=school, union=day.dispute.union, obj=day)


def dispute_union(request: HttpRequest, *, dispute_id: int, **_: Any) -> Target:
    """A dispute, anywhere in its union."""
    dispute = (
        Dispute.objects.select_related("union")
        .prefetch_related("nations")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        raise _missing("dispute")
    return Target(place=ANYWHERE, union=dispute.union, obj=dispute)


def ballot_union(request: HttpRequest, *, ballot_id: int, **_: Any) -> Target:
    """A ballot, anywhere in its dispute's union."""
    ballot = Ballot.objects.select_related("dispute__union").filter(pk=ballot_id).first()
    if ballot is None:
        raise _missing("ballot")
    return Target(place=ANYWHERE, union=ballot.dispute.union, obj=ballot)


def line_by_public_token(token: str) -> PicketLine | None:
    """For ``token_access``: a line by its public link (shifts and counts, never names)."""
    from strikes.selectors.signups import picket_line_public

    return picket_line_public(token=token)


def dashboard_scope_for_viewer(
    *,
    strike_day: StrikeDay,
    viewer: Viewer,
    action: Action,
    region_id: int | None = None,
    district_id: int | None = None,
    school_id: int | None = None,
) -> Any:
    """The dashboard's scope at the drill-down place asked for (the most specific given), or
    the viewer's own place. An unknown place is a 404; a place outside the viewer's a 403."""
    from strikes.selectors import dashboard

    union_id = strike_day.dispute.union_id
    place: Any = None
    if school_id:
        place = School.objects.select_related("district__region").filter(pk=school_id).first()
    elif district_id:
        place = District.objects.select_related("region").filter(pk=district_id).first()
    elif region_id:
        place = Region.objects.filter(pk=region_id).first()
    if (school_id or district_id or region_id) and place is None:
        raise _missing("place")
    if place is None:
        place = dashboard.default_place(viewer, union_id)
        # A viewer with several places starts from the nation, filtered to their places.
        allowed = (
            viewer.may(action, place, union=union_id)
            if place is not None
            else bool(viewer.roles_in(union_id, ALLOWED_KINDS[action]))
        )
    else:
        allowed = viewer.may(action, place, union=union_id)
    if not allowed:
        raise refusal(
            action, message="You may not see this place's figures: it is outside your area."
        )
    return dashboard.dashboard_scope(
        strike_day=strike_day, viewer=viewer, place=place, action=action
    )
