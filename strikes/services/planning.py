"""Planning writes: disputes, ballots, strike days (announce, cancel, move) and rallies.

Announcing a day materialises its scope in bulk: one ``INSERT ... SELECT`` each for the called-out
schools, their picket lines and the default shifts, so a national day of 23,000 schools takes the
same number of queries as a day for three.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError, NotAllowed
from members.permissions import ALLOWED_KINDS, Action, viewer_for
from schools.models import AcademyTrust, District, Entrance, Nation, Region, School
from strikes import counters
from strikes.holidays import strike_days_holiday_warnings
from strikes.mandate import (
    called_out_groups_q,
    date_problem,
    dispute_mandates,
    dispute_school_q,
    group_combinations,
    strike_day_check,
)
from strikes.models import (
    Ballot,
    BallotUnit,
    CalledOutSchool,
    Dispute,
    Notification,
    PicketLine,
    Rally,
    Shift,
    Signup,
    StaffGroup,
    StrikeDay,
    StrikePolicy,
)
from strikes.models.planning import EmployerKind, PlaceKind, default_employer_kinds

LONDON = ZoneInfo("Europe/London")
# The default shift pattern for a new picket line: (start, end) London time, capacity, minimum.
DEFAULT_SHIFTS: tuple[tuple[str, str], ...] = (("07:30", "08:30"), ("08:30", "09:30"))
DEFAULT_CAPACITY = 6
DEFAULT_MINIMUM = 2

Scope = StrikeDay.ScopeKind


# --- Permissions over a scope ------------------------------------------------------------------


def _require_officer(user: Any, union: Any) -> None:
    """An officer of the union somewhere (what each may plan is checked against their place)."""
    if not viewer_for(user).roles_in(union.pk, ALLOWED_KINDS[Action.PLAN]):
        raise NotAllowed(
            "Only the union's district, regional and national officers can plan action."
        )


def scope_allowed(
    *,
    user: Any,
    union: Any,
    scope_kind: str,
    nations: Sequence[Nation] = (),
    regions: Sequence[Region] = (),
    districts: Sequence[District] = (),
    trusts: Sequence[AcademyTrust] = (),
    schools: Sequence[School] = (),
) -> bool:
    """May this person plan for the whole of this scope? Every place must be within theirs."""
    viewer = viewer_for(user)
    if scope_kind == Scope.NATIONAL:
        return viewer.may(Action.PLAN, None, union=union)
    if scope_kind == Scope.NATION:
        return bool(nations) and all(viewer.may(Action.PLAN, n, union=union) for n in nations)
    if scope_kind == Scope.REGION:
        return bool(regions) and all(viewer.may(Action.PLAN, r, union=union) for r in regions)
    if scope_kind == Scope.DISTRICT:
        return bool(districts) and all(viewer.may(Action.PLAN, d, union=union) for d in districts)
    if scope_kind in (Scope.TRUST, Scope.SCHOOLS):
        if scope_kind == Scope.TRUST:
            if not trusts:
                return False
            in_scope = School.objects.filter(trust__in=trusts)
        else:
            if not schools:
                return False
            in_scope = School.objects.filter(pk__in=[s.pk for s in schools])
        area = viewer.area_q(
            Action.PLAN,
            union=union,
            school="pk",
            district="district_id",
            region="district__region_id",
        )
        if area is None:
            return False
        if not area.children:
            # A national organiser's area is every school: an empty filter. ``exclude()`` with an
            # empty filter excludes nothing, so it must not be asked.
            return True
        return not in_scope.exclude(area).exists()
    return False


def dispute_place_allowed(*, user: Any, dispute: Dispute) -> bool:
    """Does this person's planning area cover the whole of the dispute's place?"""
    kind = dispute.place_kind
    places: dict[str, Any] = {
        "nations": list(dispute.nations.all()),
        "regions": list(dispute.regions.all()),
        "districts": list(dispute.districts.all()),
        "trusts": list(dispute.trusts.all()),
        "schools": list(dispute.schools.all()),
    }
    scope_kind = Scope.DISTRICT if kind == PlaceKind.EMPLOYER else kind
    return scope_allowed(user=user, union=dispute.union, scope_kind=scope_kind, **places)


def scope_school_q(
    *,
    scope_kind: str,
    nations: Iterable[Any] = (),
    regions: Iterable[Any] = (),
    districts: Iterable[Any] = (),
    trusts: Iterable[Any] = (),
    schools: Iterable[Any] = (),
) -> Q:
    """A filter on School for the schools a scope names."""
    ids = lambda rows: [getattr(r, "pk", r) for r in rows]  # noqa: E731
    if scope_kind == Scope.NATIONAL:
        return Q()
    if scope_kind == Scope.NATION:
        return Q(district__region__nation_id__in=ids(nations))
    if scope_kind == Scope.REGION:
        return Q(district__region_id__in=ids(regions))
    if scope_kind == Scope.DISTRICT:
        return Q(district_id__in=ids(districts))
    if scope_kind == Scope.TRUST:
        return Q(trust_id__in=ids(trusts))
    if scope_kind == Scope.SCHOOLS:
        return Q(pk__in=ids(schools))
    raise DomainError(f"Unknown scope {scope_kind!r}.", code="bad_scope")


# --- Disputes and ballots -----------------------------------------------------------------------


PLACE_FIELDS = {
    PlaceKind.NATION: "nations",
    PlaceKind.REGION: "regions",
    PlaceKind.DISTRICT: "districts",
    PlaceKind.EMPLOYER: "districts",
    PlaceKind.TRUST: "trusts",
    PlaceKind.SCHOOLS: "schools",
}


def _groups(values: Sequence[str], *, message: str) -> list[str]:
    groups = [g for g in StaffGroup.values if g in set(values)]
    if not groups or any(v not in StaffGroup.values for v in values):
        raise DomainError(message, code="bad_staff_groups")
    return groups


@transaction.atomic
def dispute_create(
    *,
    union: Any,
    title: str,
    place_kind: str | None = None,
    nations: Sequence[Nation] = (),
    regions: Sequence[Region] = (),
    districts: Sequence[District] = (),
    trusts: Sequence[AcademyTrust] = (),
    schools: Sequence[School] = (),
    employer_kinds: Sequence[str] | None = None,
    staff_groups: Sequence[str] = (),
    scope_note: str = "",
    opened_on: dt.date | None = None,
    acting_user: Any,
) -> Dispute:
    """Record a dispute with its place (national, nation, region, district, trust, a local
    authority as employer, or chosen schools) and the kinds of employer whose schools it covers.

    Without ``place_kind``: a nation dispute when nations are given, else national."""
    _require_officer(acting_user, union)
    title = (title or "").strip()
    if not title:
        raise DomainError("Give the dispute a title.", code="no_title")
    if len(title) > 200:
        raise DomainError("Keep the title to 200 characters.", code="long_title")
    groups = _groups(staff_groups, message="Choose the staff groups the dispute covers.")
    if place_kind is None:
        place_kind = PlaceKind.NATION if nations else PlaceKind.NATIONAL
    if place_kind not in PlaceKind.values:
        raise DomainError("Choose where the dispute is.", code="bad_place_kind")
    places: dict[str, list[Any]] = {
        "nations": list(nations),
        "regions": list(regions),
        "districts": list(districts),
        "trusts": list(trusts),
        "schools": list(schools),
    }
    field = PLACE_FIELDS.get(PlaceKind(place_kind))
    if field and not places[field]:
        raise DomainError(f"Choose the {field} the dispute covers.", code="no_place")
    # Only the chosen kind of place is kept: a national dispute names no districts.
    places = {name: (rows if name == field else []) for name, rows in places.items()}
    kinds = list(employer_kinds) if employer_kinds is not None else default_employer_kinds()
    if not kinds or any(k not in EmployerKind.values for k in kinds):
        raise DomainError(
            "Choose the kinds of employer whose schools the dispute covers.", code="bad_employers"
        )
    opened_on = opened_on or timezone.localdate()
    problem = date_problem(opened_on, what="the date the dispute opened")
    if problem:
        raise DomainError(problem, code="implausible_date")
    dispute = Dispute.objects.create(
        union=union,
        title=title,
        place_kind=place_kind,
        employer_kinds=[k for k in EmployerKind.values if k in kinds],
        staff_groups=groups,
        scope_note=scope_note,
        opened_on=opened_on,
    )
    for name, rows in places.items():
        if rows:
            getattr(dispute, name).set(rows)
    if not dispute_place_allowed(user=acting_user, dispute=dispute):
        raise NotAllowed(
            "You can record disputes only within your own area: choose places inside it, or ask "
            "the regional or national office.",
            code="outside_area",
        )
    audit_log(actor=acting_user, action="dispute.create", obj=dispute, union_id=union.pk)
    return dispute


def _check_figures(electorate: int, cast: int, yes: int, no: int, *, what: str) -> None:
    if min(electorate, cast, yes, no) < 0:
        raise DomainError("Vote counts cannot be negative.", code="negative_votes")
    if cast > electorate:
        raise DomainError(
            f"{what}: {cast} votes cast is more than the electorate of {electorate}. "
            "Check the figures.",
            code="votes_over_electorate",
        )
    if yes + no > cast:
        raise DomainError(
            f"{what}: {yes} yes and {no} no add up to more than the {cast} votes cast. "
            "Check the figures.",
            code="yes_no_over_cast",
        )


def _require_ballot_recorder(user: Any, dispute: Dispute) -> None:
    _require_officer(user, dispute.union)
    if not dispute_place_allowed(user=user, dispute=dispute):
        raise NotAllowed(
            "Only officers whose area covers the whole of this dispute can record its ballots: "
            "ask the regional or national office.",
            code="outside_area",
        )


def _check_ballot_dates(opens_on: Any, closes_on: Any) -> None:
    for day, what in ((opens_on, "the day the ballot opened"), (closes_on, "the day it closed")):
        problem = date_problem(day, what=what)
        if problem:
            raise DomainError(problem, code="implausible_date")
    if closes_on < opens_on:
        raise DomainError("The ballot must close on or after the day it opens.", code="bad_dates")


@transaction.atomic
def ballot_record(
    *,
    dispute: Dispute,
    kind: str = Ballot.Kind.POSTAL,
    aggregation: str = Ballot.Aggregation.AGGREGATED,
    nations: Sequence[Nation] = (),
    staff_groups: Sequence[str] | None = None,
    opens_on: dt.date,
    closes_on: dt.date,
    electorate: int,
    electorate_teacher: int = 0,
    electorate_leader: int = 0,
    electorate_support: int = 0,
    votes_cast: int,
    votes_yes: int,
    votes_no: int,
    employer_agreed_extension: bool = False,
    acting_user: Any,
) -> Ballot:
    """Record a ballot's result with its constituency: the nations and staff groups asked (by
    default the dispute's), and, if known, the electorate by staff group."""
    _require_ballot_recorder(acting_user, dispute)
    if kind not in Ballot.Kind.values or aggregation not in Ballot.Aggregation.values:
        raise DomainError("Choose the kind of ballot.", code="bad_kind")
    _check_ballot_dates(opens_on, closes_on)
    groups = _groups(
        staff_groups if staff_groups is not None else dispute.staff_groups,
        message="Choose the staff groups the ballot asked.",
    )
    split = {
        "teacher": electorate_teacher or 0,
        "leader": electorate_leader or 0,
        "support": electorate_support or 0,
    }
    _check_figures(electorate, votes_cast, votes_yes, votes_no, what="The ballot")
    if min(split.values()) < 0:
        raise DomainError("Electorates cannot be negative.", code="negative_votes")
    if any(split.values()):
        outside = [g for g, n in split.items() if n and g not in groups]
        if outside:
            raise DomainError(
                f"The electorate has {', '.join(outside)} staff but the ballot did not ask them: "
                "tick their group or set their number to 0.",
                code="electorate_outside_groups",
            )
        if sum(split.values()) != electorate:
            raise DomainError(
                f"The electorate by staff group adds up to {sum(split.values())}, not the "
                f"{electorate} entitled to vote. Check the figures.",
                code="electorate_split_mismatch",
            )
    allowed_nations = _dispute_nation_ids(dispute)
    if allowed_nations is not None and any(n.pk not in allowed_nations for n in nations):
        raise DomainError(
            "The ballot can only ask members in the dispute's nations.", code="bad_nations"
        )
    ballot = Ballot.objects.create(
        dispute=dispute,
        kind=kind,
        aggregation=aggregation,
        staff_groups=groups,
        opens_on=opens_on,
        closes_on=closes_on,
        electorate=electorate,
        electorate_teacher=split["teacher"],
        electorate_leader=split["leader"],
        electorate_support=split["support"],
        votes_cast=votes_cast,
        votes_yes=votes_yes,
        votes_no=votes_no,
        employer_agreed_extension=employer_agreed_extension,
    )
    if nations:
        ballot.nations.set(nations)
    audit_log(actor=acting_user, action="ballot.record", obj=ballot, dispute_id=dispute.pk)
    return ballot


def _dispute_nation_ids(dispute: Dispute) -> set[int] | None:
    if dispute.place_kind == PlaceKind.NATION:
        return {n.pk for n in dispute.nations.all()}
    return None


@transaction.atomic
def ballot_unit_record(
    *,
    ballot: Ballot,
    school: School | None = None,
    trust: AcademyTrust | None = None,
    district: District | None = None,
    electorate: int,
    votes_cast: int,
    votes_yes: int,
    votes_no: int,
    acting_user: Any,
) -> BallotUnit:
    _require_ballot_recorder(acting_user, ballot.dispute)
    if ballot.aggregation != Ballot.Aggregation.PER_UNIT:
        raise DomainError(
            "This ballot is aggregated: its result is for all units together.", code="not_per_unit"
        )
    if sum(x is not None for x in (school, trust, district)) != 1:
        raise DomainError("Choose one school, trust or district for the unit.", code="bad_unit")
    _check_figures(electorate, votes_cast, votes_yes, votes_no, what="The unit")
    unit, _created = BallotUnit.objects.update_or_create(
        ballot=ballot,
        school=school,
        trust=trust,
        district=district,
        defaults={
            "electorate": electorate,
            "votes_cast": votes_cast,
            "votes_yes": votes_yes,
            "votes_no": votes_no,
        },
    )
    audit_log(actor=acting_user, action="ballot_unit.record", obj=unit, ballot_id=ballot.pk)
    return unit


# --- Strike days --------------------------------------------------------------------------------


def _token_sql() -> str:
    """An unguessable public token generated by the database, for rows made in bulk."""
    if connection.vendor == "postgresql":
        return "replace(gen_random_uuid()::text, '-', '')"
    if connection.vendor == "sqlite":
        return "lower(hex(randomblob(18)))"
    # Picketline runs on PostgreSQL or SQLite only (see config/settings/base.py).
    raise ImproperlyConfigured(
        f"Only PostgreSQL and SQLite are supported, not {connection.vendor}."
    )


def _json_param_sql() -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _materialise(*, strike_day: StrikeDay, parts: list[tuple[list[str], QuerySet[School]]]) -> int:
    """Insert the called-out schools (with the staff groups called out at each), their picket
    lines and default shifts: one insert per combination of groups, then one for the lines and
    one for all their shifts."""
    ops = connection.ops
    cos_table = CalledOutSchool._meta.db_table
    line_table = PicketLine._meta.db_table
    shift_table = Shift._meta.db_table
    entrance_table = Entrance._meta.db_table
    site_table = Entrance._meta.get_field("site").related_model._meta.db_table

    called_out = 0
    with connection.cursor() as cursor:
        for groups, school_qs in parts:
            select_sql, params = (
                school_qs.order_by()
                .values_list("pk", "district_id", "district__region_id")
                .query.sql_with_params()
            )
            cursor.execute(
                f"INSERT INTO {cos_table} "  # noqa: S608 - table names and ORM SQL, values bound
                f"(strike_day_id, staff_groups, school_id, district_id, region_id, status) "
                f"SELECT %s, {_json_param_sql()}, q.* , 'unknown' FROM ({select_sql}) AS q",
                [strike_day.pk, json.dumps(groups), *params],
            )
            called_out += max(cursor.rowcount, 0)
        cursor.execute(
            f"INSERT INTO {line_table} (strike_day_id, entrance_id, school_id, district_id, "  # noqa: S608
            f"region_id, supervisor_name, public_token, pickets_signed_up, "
            f"supporters_signed_up, latest_pickets, latest_supporters) "
            f"SELECT c.strike_day_id, e.id, c.school_id, c.district_id, c.region_id, '', "
            f"{_token_sql()}, 0, 0, 0, 0 "
            f"FROM {cos_table} c "
            f"JOIN {site_table} si ON si.school_id = c.school_id "
            f"JOIN {entrance_table} e ON e.site_id = si.id "
            f"WHERE c.strike_day_id = %s",
            [strike_day.pk],
        )
        # Every default shift of every line in one statement: one pass over the day's lines.
        stamp = "timestamptz" if connection.vendor == "postgresql" else "text"
        hours = " UNION ALL ".join(
            [f"SELECT CAST(%s AS {stamp}) AS s, CAST(%s AS {stamp}) AS e"] * len(DEFAULT_SHIFTS)
        )
        cursor.execute(
            f"INSERT INTO {shift_table} (picket_line_id, starts_at, ends_at, capacity, "  # noqa: S608
            f"minimum_wanted, booked) "
            f"SELECT l.id, h.s, h.e, %s, %s, 0 FROM {line_table} l CROSS JOIN ({hours}) h "
            f"WHERE l.strike_day_id = %s",
            [
                DEFAULT_CAPACITY,
                DEFAULT_MINIMUM,
                *(
                    ops.adapt_datetimefield_value(_london(strike_day.date, hhmm))
                    for pair in DEFAULT_SHIFTS
                    for hhmm in pair
                ),
                strike_day.pk,
            ],
        )
    return called_out


#: Above this many schools called out, announcing hands the members' messages to a worker.
ANNOUNCE_INLINE_SCHOOLS = 500


def _announcement_hand_off(strike_day_id: int) -> None:
    """Queue the announcement task; with no broker, queue the messages here and now (slower,
    never lost)."""
    try:
        from strikes.tasks import strike_day_announcement_queue

        strike_day_announcement_queue.delay(strike_day_id)
    except Exception:  # noqa: BLE001 - any broker failure: do the work in this request
        logging.getLogger(__name__).warning(
            "Broker unavailable; queueing strike day %s's announcements in the request.",
            strike_day_id,
        )
        strike_day_announcement_send(strike_day_id=strike_day_id)


@transaction.atomic
def strike_day_announcement_send(*, strike_day_id: int) -> int:
    """Queue the announcement to every member a day calls out (the worker's half of a large
    announcement). Safe to run twice: each message's key is per day and person."""
    day = StrikeDay.objects.select_related("dispute").filter(pk=strike_day_id).first()
    if day is None or day.status != StrikeDay.Status.ANNOUNCED:
        return 0
    told = _announcement_queue(strike_day=day)
    audit_log(actor=None, action="strike_day.announcement_queued", obj=day, members_told=told)
    transaction.on_commit(_sweep_soon)
    return told


def _announcement_queue(*, strike_day: StrikeDay) -> int:
    """Tell every member the day calls out (active, at a called-out school, of a staff group
    called out there, not opted out of non-essential messages): one ``INSERT ... SELECT`` into
    the outbox, whatever the number of members. The key is per day and person, so announcing
    again queues nothing twice; on a moved day, those signed up on the old day are left out
    (their change notice already gives the new date). Returns how many were queued."""
    from members.models import Membership, User

    n, c, m, u = (
        Notification._meta.db_table,
        CalledOutSchool._meta.db_table,
        Membership._meta.db_table,
        User._meta.db_table,
    )
    if connection.vendor == "postgresql":
        group_sql = "c.staff_groups @> jsonb_build_array(m.staff_group)"
    else:
        group_sql = (
            "EXISTS (SELECT 1 FROM json_each(c.staff_groups) g WHERE g.value = m.staff_group)"
        )
    where = [
        "c.strike_day_id = %s",
        "c.cancelled_at IS NULL",
        "m.union_id = %s",
        "m.is_active = %s",
        "u.is_active = %s",
        "u.reminders_opt_out = %s",
        "u.erased_at IS NULL",
        group_sql,
    ]
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = [
        f"announced:{strike_day.pk}:",
        Notification.Kind.ANNOUNCED,
        adapt(now),
        json.dumps({"strike_day_id": strike_day.pk}),
        adapt(now),
        strike_day.pk,
        strike_day.dispute.union_id,
        True,
        True,
        False,
    ]
    if strike_day.moved_from_id is not None:
        s_, sh, pl = Signup._meta.db_table, Shift._meta.db_table, PicketLine._meta.db_table
        where.append(
            f"NOT EXISTS (SELECT 1 FROM {s_} s JOIN {sh} sh ON sh.id = s.shift_id "  # noqa: S608
            f"JOIN {pl} pl ON pl.id = sh.picket_line_id WHERE s.user_id = u.id "
            f"AND pl.strike_day_id = %s AND s.status <> %s)"
        )
        params += [strike_day.moved_from_id, Signup.Status.CANCELLED]
    sql = f"""INSERT INTO {n} (key, kind, channel, user_id, strike_day_id, school_id, district_id,
                               due_at, context, status, attempts, last_error, created_at)
        SELECT %s || u.id, %s,
               CASE WHEN u.preferred_channel = 'sms' AND u.phone <> '' THEN 'sms' ELSE 'email'
               END,
               u.id, c.strike_day_id, c.school_id, c.district_id, %s, {_json_param_sql()},
               'due', 0, '', %s
        FROM {c} c JOIN {m} m ON m.workplace_id = c.school_id JOIN {u} u ON u.id = m.user_id
        WHERE {" AND ".join(where)}
        ON CONFLICT (key) DO NOTHING"""  # noqa: S608 - table names are ours, values are params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _london(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@transaction.atomic
def strike_day_announce(
    *,
    dispute: Dispute,
    date: dt.date,
    starts_at: dt.time | str = "07:30",
    ends_at: dt.time | str = "16:00",
    scope_kind: str,
    nations: Sequence[Nation] = (),
    regions: Sequence[Region] = (),
    districts: Sequence[District] = (),
    trusts: Sequence[AcademyTrust] = (),
    schools: Sequence[School] = (),
    title: str = "",
    acting_user: Any,
    today: dt.date | None = None,
    moved_from: StrikeDay | None = None,
    only_school_ids_q: Q | None = None,
    notice_given_on: dt.date | None = None,
) -> StrikeDay:
    """Announce a day for a scope: check the mandate and notice, then call out its schools.

    ``notice_given_on`` is the day the employers were (or will be) given notice, by default
    today: it decides how much notice the law asks for."""
    places = {
        "nations": list(nations),
        "regions": list(regions),
        "districts": list(districts),
        "trusts": list(trusts),
        "schools": list(schools),
    }
    if scope_kind not in Scope.values:
        raise DomainError("Choose what the day covers.", code="bad_scope")
    problem = date_problem(date, what="the strike day", today=today)
    if problem:
        raise DomainError(problem, code="implausible_date")
    notice_on = _notice_date(notice_given_on, today=today)
    if not scope_allowed(user=acting_user, union=dispute.union, scope_kind=scope_kind, **places):
        raise NotAllowed(
            "You can announce days only for places within your own area: choose places "
            "inside it, or ask the regional or national office.",
            code="outside_area",
        )
    if isinstance(starts_at, str):
        starts_at = dt.time.fromisoformat(starts_at)
    if isinstance(ends_at, str):
        ends_at = dt.time.fromisoformat(ends_at)
    if ends_at <= starts_at:
        raise DomainError("The day must end after it starts.", code="bad_hours")
    if dispute.status != Dispute.Status.OPEN:
        raise DomainError(
            "This dispute is closed: reopen it before announcing days.", code="closed"
        )
    # One announcement at a time per dispute, so two can't call the same school out twice.
    Dispute.objects.select_for_update().filter(pk=dispute.pk).first()
    today = today or timezone.localdate()
    mandates = dispute_mandates(dispute, today=today)
    problems = strike_day_check(
        dispute=dispute, date=date, today=today, mandates=mandates, notice_given_on=notice_on
    )
    if problems:
        raise DomainError(" ".join(problems), code="no_mandate")
    by_group = called_out_groups_q(date=date, mandates=mandates)
    # Only inside the dispute's place and employers, whatever the day's scope says.
    school_qs = School.objects.filter(scope_school_q(scope_kind=scope_kind, **places)).filter(
        dispute_school_q(dispute)
    )
    if only_school_ids_q is not None:
        school_qs = school_qs.filter(only_school_ids_q)
    # Days already announced for the same date in this dispute keep their schools.
    school_qs = school_qs.exclude(
        pk__in=CalledOutSchool.objects.filter(
            strike_day__dispute=dispute,
            strike_day__date=date,
            strike_day__status=StrikeDay.Status.ANNOUNCED,
            cancelled_at__isnull=True,
        ).values("school_id")
    )
    parts = [(groups, school_qs.filter(q)) for groups, q in group_combinations(by_group)]
    day = StrikeDay.objects.create(
        dispute=dispute,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        scope_kind=scope_kind,
        title=title,
        announced_by=acting_user if getattr(acting_user, "pk", None) else None,
        moved_from=moved_from,
        notice_given_on=notice_on,
    )
    for name in ("nations", "regions", "districts", "trusts"):
        if places[name]:
            getattr(day, name).set(places[name])
    called_out = _materialise(strike_day=day, parts=parts)
    if not called_out:
        # Rolled back with the transaction: nothing is left of the day.
        raise DomainError(
            "No school in this scope may strike that day: none is covered by a passing ballot, "
            "or they are already called out that day.",
            code="no_schools",
        )
    counters.areas_recount(strike_day_id=day.pk)
    if called_out <= ANNOUNCE_INLINE_SCHOOLS:
        told: int | None = _announcement_queue(strike_day=day)
    else:
        # Hundreds of thousands of members: their messages are queued by a worker once the day
        # is committed, so the organiser's request does not wait on the outbox insert.
        told = None
        transaction.on_commit(lambda day_id=day.pk: _announcement_hand_off(day_id))
    audit_log(
        actor=acting_user,
        action="strike_day.announce",
        obj=day,
        dispute_id=dispute.pk,
        scope_kind=scope_kind,
        schools=called_out,
        members_told=told,
        moved_from=moved_from.pk if moved_from else None,
        notice_given_on=notice_on.isoformat(),
    )
    transaction.on_commit(_sweep_soon)
    return day


def _notice_date(notice_given_on: dt.date | None, *, today: dt.date | None) -> dt.date:
    """The day notice is given: today unless another plausible date is given. Whether it is
    early enough for the day, and not before the ballot closed, is the mandate check's."""
    today = today or timezone.localdate()
    if notice_given_on is None:
        return today
    problem = date_problem(notice_given_on, what="the day notice is given", today=today)
    if problem:
        raise DomainError(problem, code="implausible_date")
    return notice_given_on


def _part_q(
    *,
    nation: Any = None,
    regions: Sequence[Any] = (),
    districts: Sequence[Any] = (),
    schools: Sequence[Any] = (),
) -> tuple[Q, str, dict[str, list[Any]]]:
    """A filter on CalledOutSchool/PicketLine for part of a day, and the part as a scope."""
    if nation is not None:
        return Q(region__nation_id=nation.pk), Scope.NATION, {"nations": [nation]}
    if regions:
        return Q(region_id__in=[r.pk for r in regions]), Scope.REGION, {"regions": list(regions)}
    if districts:
        return (
            Q(district_id__in=[d.pk for d in districts]),
            Scope.DISTRICT,
            {"districts": list(districts)},
        )
    if schools:
        return Q(school_id__in=[s.pk for s in schools]), Scope.SCHOOLS, {"schools": list(schools)}
    raise DomainError("Choose the part of the day to change.", code="no_part")


@transaction.atomic
def strike_day_cancel_for(
    *,
    strike_day: StrikeDay,
    nation: Nation | None = None,
    regions: Sequence[Region] = (),
    districts: Sequence[District] = (),
    schools: Sequence[School] = (),
    acting_user: Any,
    reason: str = "cancelled",
    moved_to: dt.date | None = None,
) -> int:
    """Cancel the day for part of its scope and tell those signed up there.

    Returns how many schools were cancelled.
    """
    part_q, kind, places = _part_q(
        nation=nation, regions=regions, districts=districts, schools=schools
    )
    if not scope_allowed(
        user=acting_user, union=strike_day.dispute.union, scope_kind=kind, **places
    ):
        raise NotAllowed(
            "You can change days only for places within your own area.", code="outside_area"
        )
    now = timezone.now()
    day = StrikeDay.objects.select_for_update().get(pk=strike_day.pk)
    cancelled = CalledOutSchool.objects.filter(
        part_q, strike_day=day, cancelled_at__isnull=True
    ).update(cancelled_at=now)
    if not cancelled:
        raise DomainError(
            "No school in that part is still called out on this day.", code="nothing_to_cancel"
        )
    # Shifts cancelled by this call carry exactly this timestamp: no id lists, any scale.
    lines = PicketLine.objects.filter(part_q, strike_day=day)
    Shift.objects.filter(picket_line__in=lines, cancelled_at__isnull=True).update(cancelled_at=now)

    signups = (
        Signup.objects.filter(shift__picket_line__in=lines, shift__cancelled_at=now)
        .exclude(status=Signup.Status.CANCELLED)
        .filter(Q(user__isnull=False) | Q(supporter__isnull=False))
        .select_related("user", "supporter", "shift__picket_line__school")
        .order_by("pk")
    )
    notifications = []
    for signup in signups:
        if signup.user is not None:
            channel = signup.user.preferred_channel
        else:
            channel = (
                Notification.Channel.EMAIL if signup.supporter.email else Notification.Channel.SMS
            )
        notifications.append(
            Notification(
                key=f"change:cancel:{day.pk}:{signup.pk}",
                kind=Notification.Kind.CHANGE,
                channel=channel,
                user=signup.user,
                supporter=signup.supporter,
                signup=signup,
                strike_day=day,
                school_id=signup.shift.picket_line.school_id,
                district_id=signup.shift.picket_line.district_id,
                due_at=now,
                context={
                    "reason": f"day_{reason}",
                    "strike_day_id": day.pk,
                    "picket_line_id": signup.shift.picket_line_id,
                    "text": _change_text(
                        day, signup.shift.picket_line.school.name, reason, moved_to
                    ),
                },
            )
        )
    Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=2000)
    # An announcement of this day not yet sent to the schools called off is news no longer.
    Notification.objects.filter(
        kind=Notification.Kind.ANNOUNCED,
        strike_day=day,
        status=Notification.Status.DUE,
        lease_until__isnull=True,
        school_id__in=CalledOutSchool.objects.filter(strike_day=day, cancelled_at=now).values(
            "school_id"
        ),
    ).update(status=Notification.Status.CANCELLED, last_error="The day was called off here.")

    counters.areas_recount(strike_day_id=day.pk)
    if not CalledOutSchool.objects.filter(strike_day=day, cancelled_at__isnull=True).exists():
        day.status = StrikeDay.Status.CANCELLED
        day.save(update_fields=["status"])
    audit_log(
        actor=acting_user,
        action="strike_day.cancel_for",
        obj=day,
        scope_kind=kind,
        place_ids=[p.pk for rows in places.values() for p in rows],
        schools=cancelled,
        notified=len(notifications),
    )
    transaction.on_commit(_sweep_soon)
    return cancelled


def _change_text(day: StrikeDay, school_name: str, reason: str, moved_to: dt.date | None) -> str:
    when = f"{day.date:%A} {day.date.day} {day.date:%B}"
    if reason == "moved" and moved_to is not None:
        new = f"{moved_to:%A} {moved_to.day} {moved_to:%B}"
        return (
            f"The strike day on {when} at {school_name} has moved to {new}. Your picket shift on "
            f"{when} is cancelled: please sign up again for {new}."
        )
    return (
        f"The strike day on {when} at {school_name} has been called off. Your picket shift is "
        "cancelled and you do not need to come. Thank you for signing up."
    )


def _sweep_soon() -> None:
    """Ask a worker to send the change notices now; the beat sweep catches them otherwise."""
    try:
        from strikes.tasks import notifications_sweep

        notifications_sweep.delay()
    except Exception:  # noqa: BLE001 - broker down: the beat sweep sends them later
        logging.getLogger(__name__).warning("Broker unavailable; change notices wait.")


@transaction.atomic
def strike_day_move_for(
    *,
    strike_day: StrikeDay,
    new_date: dt.date,
    nation: Nation | None = None,
    regions: Sequence[Region] = (),
    districts: Sequence[District] = (),
    schools: Sequence[School] = (),
    acting_user: Any,
    today: dt.date | None = None,
    notice_given_on: dt.date | None = None,
) -> StrikeDay:
    """Move part of a day to another date: a new day there, cancelled here. The new date needs
    its own notice, given on ``notice_given_on`` (by default today)."""
    part_q, kind, places = _part_q(
        nation=nation, regions=regions, districts=districts, schools=schools
    )
    if new_date == strike_day.date:
        raise DomainError("Choose a different date to move the day to.", code="same_date")
    problem = date_problem(new_date, what="the new date", today=today)
    if problem:
        raise DomainError(problem, code="implausible_date")
    still_out = CalledOutSchool.objects.filter(
        part_q, strike_day=strike_day, cancelled_at__isnull=True
    ).values("school_id")
    new_day = strike_day_announce(
        dispute=strike_day.dispute,
        date=new_date,
        starts_at=strike_day.starts_at,
        ends_at=strike_day.ends_at,
        scope_kind=kind,
        title=strike_day.title,
        acting_user=acting_user,
        today=today,
        moved_from=strike_day,
        only_school_ids_q=Q(pk__in=still_out),
        notice_given_on=notice_given_on,
        **places,
    )
    strike_day_cancel_for(
        strike_day=strike_day,
        nation=nation,
        regions=regions,
        districts=districts,
        schools=schools,
        acting_user=acting_user,
        reason="moved",
        moved_to=new_date,
    )
    return new_day


# --- Rallies ------------------------------------------------------------------------------------


@transaction.atomic
def rally_create(
    *,
    strike_day: StrikeDay,
    title: str,
    starts_at: dt.datetime,
    meeting_point: str,
    kind: str = "rally",
    region: Region | None = None,
    district: District | None = None,
    route: str = "",
    speakers: str = "",
    acting_user: Any,
) -> Rally:
    place: Any = district or region
    viewer = viewer_for(acting_user)
    if not viewer.may(Action.PLAN, place, union=strike_day.dispute.union):
        raise NotAllowed(
            "You can add rallies only in your own area: choose your district or region.",
            code="outside_area",
        )
    if district is not None and region is not None and district.region_id != region.pk:
        raise DomainError("That district is not in that region.", code="bad_place")
    if not title.strip() or not meeting_point.strip():
        raise DomainError("Give the rally a title and a meeting point.", code="missing")
    if timezone.localtime(starts_at).date() != strike_day.date:
        raise DomainError(
            f"The rally must be on the strike day, {strike_day.date:%d %B %Y}.", code="bad_date"
        )
    rally = Rally.objects.create(
        strike_day=strike_day,
        region=region if district is None else district.region,
        district=district,
        title=title.strip(),
        kind=kind,
        starts_at=starts_at,
        meeting_point=meeting_point.strip(),
        route=route,
        speakers=speakers,
    )
    audit_log(actor=acting_user, action="rally.create", obj=rally, strike_day_id=strike_day.pk)
    return rally


# --- Runs of days -------------------------------------------------------------------------------

MAX_RUN_DAYS = 31


@dataclass
class RunResult:
    """The days announced together, and what the organiser should know (never a block)."""

    days: list[StrikeDay]
    warnings: list[str]
    #: Those of ``warnings`` about school holidays (a day's planning page shows them too).
    holiday_warnings: list[str] = field(default_factory=list)


def _run_dates(dates: Sequence[dt.date]) -> list[dt.date]:
    unique = sorted(set(dates))
    if not unique:
        raise DomainError("Choose at least one date.", code="no_dates")
    if len(unique) > MAX_RUN_DAYS:
        raise DomainError(f"Announce at most {MAX_RUN_DAYS} days at once.", code="too_many_days")
    return unique


@transaction.atomic
def strike_days_announce(
    *,
    dispute: Dispute,
    dates: Sequence[dt.date],
    starts_at: dt.time | str = "07:30",
    ends_at: dt.time | str = "16:00",
    scope_kind: str,
    nations: Sequence[Nation] = (),
    regions: Sequence[Region] = (),
    districts: Sequence[District] = (),
    trusts: Sequence[AcademyTrust] = (),
    schools: Sequence[School] = (),
    title: str = "",
    acting_user: Any,
    today: dt.date | None = None,
    notice_given_on: dt.date | None = None,
) -> RunResult:
    """Announce a run of days (consecutive, or a list) for one scope, in one transaction: one
    notice check (one notice, given on ``notice_given_on`` or today, so the first day decides),
    every day inside the mandate, then warnings for weekends, school holidays, schools over the
    union's own limit of days in a period, and schools already called out that day by another
    dispute of the union."""
    today = today or timezone.localdate()
    run = _run_dates(dates)
    for day in run:
        problem = date_problem(day, what="each strike day", today=today)
        if problem:
            raise DomainError(problem, code="implausible_date")
    notice_on = _notice_date(notice_given_on, today=today)
    mandates = dispute_mandates(dispute, today=today)
    problems: list[str] = []
    for day in run:
        for problem in strike_day_check(
            dispute=dispute, date=day, today=today, mandates=mandates, notice_given_on=notice_on
        ):
            if problem not in problems and not problem.startswith("Under the"):
                problems.append(problem)
    notice = strike_day_check(
        dispute=dispute, date=run[0], today=today, mandates=mandates, notice_given_on=notice_on
    )
    problems += [p for p in notice if p.startswith("Under the")]
    if problems:
        raise DomainError(" ".join(problems), code="no_mandate")
    places = {
        "nations": nations,
        "regions": regions,
        "districts": districts,
        "trusts": trusts,
        "schools": schools,
    }
    days = [
        strike_day_announce(
            dispute=dispute,
            date=day,
            starts_at=starts_at,
            ends_at=ends_at,
            scope_kind=scope_kind,
            title=title,
            acting_user=acting_user,
            today=today,
            notice_given_on=notice_on,
            **places,
        )
        for day in run
    ]
    holidays = strike_days_holiday_warnings(days=days)
    return RunResult(
        days=days,
        warnings=strike_days_warnings(days=days, dispute=dispute) + holidays,
        holiday_warnings=holidays,
    )


def strike_days_warnings(*, days: list[StrikeDay], dispute: Dispute) -> list[str]:
    """What to check before telling members (never a block), school holidays apart."""
    warnings: list[str] = []
    weekend = [d.date for d in days if d.date.weekday() >= 5]
    if weekend:
        listed = ", ".join(f"{d:%A} {d.day} {d:%B}" for d in weekend)
        warnings.append(
            f"{listed} {'is' if len(weekend) == 1 else 'are'} at the weekend, when schools are "
            "closed: check the dates."
        )
    day_ids = [d.pk for d in days]
    out = CalledOutSchool.objects.filter(strike_day_id__in=day_ids, cancelled_at__isnull=True)
    clash = (
        CalledOutSchool.objects.filter(
            strike_day__dispute__union_id=dispute.union_id,
            strike_day__date__in=[d.date for d in days],
            strike_day__status=StrikeDay.Status.ANNOUNCED,
            cancelled_at__isnull=True,
            school_id__in=out.values("school_id"),
        )
        .exclude(strike_day__dispute=dispute)
        .values("school_id")
        .distinct()
        .count()
    )
    if clash:
        warnings.append(
            f"{clash} school{'s are' if clash != 1 else ' is'} already called out on "
            f"{'one of these days' if len(days) > 1 else 'this day'} by another of the union's "
            "disputes: check members are told which dispute they strike in."
        )
    policy = StrikePolicy.objects.filter(union_id=dispute.union_id).first()
    if policy is not None and policy.max_days_per_school:
        over = _schools_over_limit(days=days, union_id=dispute.union_id, policy=policy)
        if over:
            warnings.append(
                f"{over} school{'s' if over != 1 else ''} would be called out on more than "
                f"{policy.max_days_per_school} days in {policy.period_days} days, more than the "
                "union's policy allows: consider fewer days or a narrower scope."
            )
    return warnings


def _schools_over_limit(*, days: list[StrikeDay], union_id: int, policy: StrikePolicy) -> int:
    """How many of the run's schools have more called-out days than the policy in any window of
    ``period_days`` that contains one of the run's days (one query)."""
    window = dt.timedelta(days=policy.period_days - 1)
    first = min(d.date for d in days) - window
    last = max(d.date for d in days) + window
    limit = policy.max_days_per_school or 0
    run_dates = {d.date for d in days}
    rows = (
        CalledOutSchool.objects.filter(
            strike_day__dispute__union_id=union_id,
            strike_day__status=StrikeDay.Status.ANNOUNCED,
            strike_day__date__range=(first, last),
            cancelled_at__isnull=True,
            school_id__in=CalledOutSchool.objects.filter(
                strike_day_id__in=[d.pk for d in days]
            ).values("school_id"),
        )
        .values_list("school_id", "strike_day__date")
        .distinct()
        .order_by("school_id", "strike_day__date")
    )
    by_school: dict[int, list[dt.date]] = {}
    for school_id, day in rows.iterator(chunk_size=5000):
        by_school.setdefault(school_id, []).append(day)
    over = 0
    for dates in by_school.values():
        if len(dates) <= limit:
            continue
        # Any window of period_days holding more than the limit, and one of the run's days.
        for i in range(len(dates) - limit):
            j = i + limit
            if dates[j] - dates[i] <= window and run_dates & set(dates[i : j + 1]):
                over += 1
                break
    return over
