"""The one place that answers "may this person do this here?".

A person's roles are loaded once per request (``viewer_for``) and every check is made against a
place: a school, a district, a region, a nation, or ``None`` for the whole union. Roles reach down:
a regional officer's region contains its districts and their schools. Nobody reaches across unions.

Who may do what (the union's own people only, and only in their own place):

=================  ======================================================================
action             who
=================  ======================================================================
sign_up            a member whose workplace is the school; its rep; officers over it
view_roster        the school's rep; the district officer over it (names: nobody higher)
run_line           same as view_roster: shifts, check-in, reports, nudges, host links
view_dashboard     officers over the place; a rep for their own school only
export             officers over the place (district, regional, national)
plan               officers over the place: disputes, ballots, strike days, rallies
broadcast          officers over the place
=================  ======================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q

from members.models import Membership, Role, User

if TYPE_CHECKING:
    from schools.models import District, Nation, Region, School

    Place = School | District | Region | Nation | None


class Action(StrEnum):
    SIGN_UP = "sign_up"
    VIEW_ROSTER = "view_roster"
    RUN_LINE = "run_line"
    VIEW_DASHBOARD = "view_dashboard"
    EXPORT = "export"
    PLAN = "plan"
    BROADCAST = "broadcast"


OFFICER_KINDS = (
    Role.Kind.DISTRICT_OFFICER,
    Role.Kind.REGIONAL_OFFICER,
    Role.Kind.NATIONAL_ORGANISER,
)

# Which role kinds may act, per action. Members (by workplace) are handled for SIGN_UP only.
ALLOWED_KINDS: dict[Action, tuple[str, ...]] = {
    Action.SIGN_UP: (Role.Kind.REP, *OFFICER_KINDS),
    Action.VIEW_ROSTER: (Role.Kind.REP, Role.Kind.DISTRICT_OFFICER),
    Action.RUN_LINE: (Role.Kind.REP, Role.Kind.DISTRICT_OFFICER),
    Action.VIEW_DASHBOARD: (Role.Kind.REP, *OFFICER_KINDS),
    Action.EXPORT: OFFICER_KINDS,
    Action.PLAN: OFFICER_KINDS,
    Action.BROADCAST: OFFICER_KINDS,
}


@dataclass(frozen=True)
class PlaceIds:
    """A place reduced to the ids containment needs."""

    school_id: int | None = None
    district_id: int | None = None
    region_id: int | None = None
    nation_id: int | None = None
    is_national: bool = False


def place_ids(place: Place) -> PlaceIds:
    from schools.models import District, Nation, Region, School

    if place is None:
        return PlaceIds(is_national=True)
    if isinstance(place, School):
        district = place.district
        return PlaceIds(
            school_id=place.pk,
            district_id=district.pk,
            region_id=district.region_id,
            nation_id=district.region.nation_id,
        )
    if isinstance(place, District):
        return PlaceIds(
            district_id=place.pk, region_id=place.region_id, nation_id=place.region.nation_id
        )
    if isinstance(place, Region):
        return PlaceIds(region_id=place.pk, nation_id=place.nation_id)
    if isinstance(place, Nation):
        return PlaceIds(nation_id=place.pk)
    raise TypeError(f"Not a place: {place!r}")


def role_covers(role: Role, target: PlaceIds) -> bool:
    """Does this role's place contain the target place?"""
    if role.kind == Role.Kind.NATIONAL_ORGANISER:
        return True
    if role.kind == Role.Kind.REGIONAL_OFFICER:
        return target.region_id == role.region_id and not target.is_national
    if role.kind == Role.Kind.DISTRICT_OFFICER:
        return target.district_id == role.district_id and target.district_id is not None
    if role.kind == Role.Kind.REP:
        return target.school_id == role.school_id and target.school_id is not None
    return False


@dataclass
class Viewer:
    """A signed-in person's memberships and roles, loaded once.

    ``from_session``: read from the snapshot in the person's session (``viewer_from_snapshot``)
    rather than the database: the rows are complete, but what they point to (union, school,
    district, region) is read when first used.
    """

    user_id: int | None
    memberships: list[Membership] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    from_session: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def membership(self, union_id: int) -> Membership | None:
        return next((m for m in self.memberships if m.union_id == union_id), None)

    def roles_in(self, union_id: int, kinds: tuple[str, ...] | None = None) -> list[Role]:
        return [
            r for r in self.roles if r.union_id == union_id and (kinds is None or r.kind in kinds)
        ]

    def may(self, action: Action | str, place: Place, *, union: Any) -> bool:
        """May this person do ``action`` at ``place`` in ``union``?"""
        if self.user_id is None or union is None:
            return False
        action = Action(action)
        union_id = union if isinstance(union, int) else union.pk
        target = place_ids(place)
        if action == Action.SIGN_UP:
            member = self.membership(union_id)
            if (
                member is not None
                and member.is_active
                and target.school_id is not None
                and member.workplace_id == target.school_id
            ):
                return True
        kinds = ALLOWED_KINDS[action]
        return any(role_covers(r, target) for r in self.roles_in(union_id, kinds))

    def area_q(
        self,
        action: Action | str,
        *,
        union: Any,
        school: str | None = "school_id",
        district: str = "district_id",
        region: str = "region_id",
    ) -> Q | None:
        """A filter for rows carrying school/district/region ids, limited to where the viewer
        may do ``action``. Matches nothing when the viewer may do it nowhere.

        ``school=None`` is for rows kept per district (no school column): the answer is then
        ``None`` when some of the viewer's area is a single school."""
        action = Action(action)
        union_id = union if isinstance(union, int) else union.pk
        q = Q(pk__in=[])
        for role in self.roles_in(union_id, ALLOWED_KINDS[action]):
            if role.kind == Role.Kind.NATIONAL_ORGANISER:
                return Q()
            if role.kind == Role.Kind.REGIONAL_OFFICER:
                q |= Q(**{region: role.region_id})
            elif role.kind == Role.Kind.DISTRICT_OFFICER:
                q |= Q(**{district: role.district_id})
            elif role.kind == Role.Kind.REP:
                if school is None:
                    return None
                q |= Q(**{school: role.school_id})
        if action == Action.SIGN_UP:
            member = self.membership(union_id)
            if member is not None and member.is_active and member.workplace_id:
                if school is None:
                    return None
                q |= Q(**{school: member.workplace_id})
        return q

    @property
    def is_officer(self) -> bool:
        return any(r.kind in OFFICER_KINDS for r in self.roles)

    @property
    def rep_school_ids(self) -> list[int]:
        return [r.school_id for r in self.roles if r.kind == Role.Kind.REP]

    @property
    def union_ids(self) -> set[int]:
        return {m.union_id for m in self.memberships} | {r.union_id for r in self.roles}


def viewer_for(user: Any) -> Viewer:
    """The viewer for a user (cached on the user object for the rest of the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Viewer(user_id=None)
    cached = getattr(user, "_picketline_viewer", None)
    if cached is not None:
        return cached
    viewer = Viewer(
        user_id=user.pk,
        memberships=list(
            Membership.objects.filter(user=user, is_active=True).select_related(
                "union", "workplace"
            )
        ),
        roles=list(
            Role.objects.filter(user=user).select_related("union", "school", "district", "region")
        ),
    )
    user._picketline_viewer = viewer
    return viewer


def may(user: Any, action: Action | str, place: Place, *, union: Any) -> bool:
    """Shortcut: ``may(request.user, Action.RUN_LINE, school, union=union)``."""
    return viewer_for(user).may(action, place, union=union)


# --- The session's snapshot ------------------------------------------------------------------
#
# Every signed-in request needs the person's memberships and roles (the officers' second-factor
# check reads them before any view). Read from the database that is two queries a request; the
# session (read anyway, from the cache: config/sessions.py) keeps a copy instead, stamped with
# ``User.access_version``. Every write to a membership or role moves that number in the same
# transaction (``access_changed``, connected to their saves and deletes in members/apps.py),
# and the user's row is read on every request anyway, so a stale copy is never used: the next
# request after a change reads the rows again. ``members.middleware.ViewerSessionMiddleware``
# reads and writes the copy.

VIEWER_SESSION_KEY = "_picketline_viewer"


def _fields(model: Any) -> list[Any]:
    return list(model._meta.concrete_fields)


def _row(obj: Any) -> list[Any]:
    out = []
    for f in _fields(type(obj)):
        value = f.value_from_object(obj)
        if value is not None and not isinstance(value, (bool, int, str)):
            value = f.value_to_string(obj)
        out.append(value)
    return out


def _instance(model: Any, row: list[Any]) -> Any:
    obj = model(
        **{
            f.attname: None if value is None else f.to_python(value)
            for f, value in zip(_fields(model), row, strict=True)
        }
    )
    obj._state.adding = False
    obj._state.db = "default"
    return obj


def _shape() -> list[list[str]]:
    return [[f.attname for f in _fields(Membership)], [f.attname for f in _fields(Role)]]


def viewer_snapshot(viewer: Viewer, *, version: int) -> dict[str, Any]:
    """What the session keeps of a viewer (plain JSON), stamped with the user's access version
    read before the rows were."""
    return {
        "u": viewer.user_id,
        "v": version,
        "shape": _shape(),
        "m": [_row(m) for m in viewer.memberships],
        "r": [_row(r) for r in viewer.roles],
    }


def viewer_from_snapshot(user: Any, data: Any) -> Viewer | None:
    """The viewer kept in the session, if it is this user's and as new as their rows (None
    otherwise: read them again)."""
    if (
        not isinstance(data, dict)
        or data.get("u") != user.pk
        or data.get("v") != user.access_version
        or data.get("shape") != _shape()
    ):
        return None
    try:
        return Viewer(
            user_id=user.pk,
            memberships=[_instance(Membership, row) for row in data["m"]],
            roles=[_instance(Role, row) for row in data["r"]],
            from_session=True,
        )
    except (KeyError, TypeError, ValueError, ValidationError):
        return None


def access_changed(*, user_id: int | None) -> None:
    """A membership or role of this user was made, changed or removed: the snapshots of their
    viewer kept in sessions are stale from now on."""
    if user_id is not None:
        User.objects.filter(pk=user_id).update(access_version=F("access_version") + 1)
