"""Writes for reps running their picket lines: lines, shifts, nudges, check-in and reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from kernel.audit import audit_log
from kernel.db import insert_unless_exists
from kernel.errors import DomainError
from kernel.nonces import scoped_nonce
from members.models import Role
from schools.models import Entrance, School
from strikes import counters
from strikes.models import (
    CalledOutSchool,
    Notification,
    PicketLine,
    PicketReport,
    Shift,
    Signup,
    StrikeDay,
)
from strikes.services.notifications import notification_enqueue

LONDON = ZoneInfo("Europe/London")
DEFAULT_PATTERN: tuple[tuple[str, str], ...] = (("07:30", "08:30"), ("08:30", "09:30"))
EXPECTED = (Signup.Status.REGISTERED, Signup.Status.CONFIRMED)


def london_at(day: dt.date, hhmm: str | dt.time) -> dt.datetime:
    """An aware datetime for a wall-clock time in London on a date (right across DST)."""
    if isinstance(hhmm, str):
        try:
            hour, minute = (int(x) for x in hhmm.split(":"))
            hhmm = dt.time(hour, minute)
        except ValueError as exc:
            raise DomainError(f"“{hhmm}” is not a time like 07:30.", code="bad_time") from exc
    return dt.datetime.combine(day, hhmm, tzinfo=LONDON)


# --- Picket lines --------------------------------------------------------------------------


def picket_lines_ensure(*, pairs: Iterable[tuple[StrikeDay, School]]) -> int:
    """Make sure every entrance of each (strike day, school) has its picket line.

    Called when shifts are added (announcing a day makes its lines in bulk); never on a page
    view. Safe to repeat and to race: the unique constraint on (strike day, entrance) absorbs a
    second writer. Returns how many lines were made.
    """
    pairs = list(pairs)
    if not pairs:
        return 0
    day_ids = {d.pk for d, _ in pairs}
    schools = {s.pk: s for _, s in pairs}
    wanted = {(d.pk, s.pk) for d, s in pairs}
    existing = set(
        PicketLine.objects.filter(strike_day_id__in=day_ids, school_id__in=schools).values_list(
            "strike_day_id", "entrance_id"
        )
    )
    entrances = list(
        Entrance.objects.filter(site__school_id__in=schools).values_list("pk", "site__school_id")
    )
    new = [
        PicketLine(
            strike_day_id=day_id,
            entrance_id=entrance_id,
            school_id=school_id,
            district_id=schools[school_id].district_id,
            region_id=schools[school_id].district.region_id,
        )
        for day_id, school_id in sorted(wanted)
        for entrance_id, entrance_school_id in entrances
        if entrance_school_id == school_id and (day_id, entrance_id) not in existing
    ]
    if new:
        PicketLine.objects.bulk_create(new, ignore_conflicts=True)
        for day_id in {line.strike_day_id for line in new}:
            counters.areas_recount(
                strike_day_id=day_id,
                district_ids={line.district_id for line in new if line.strike_day_id == day_id},
            )
    return len(new)


def picket_line_letter_printed(*, picket_line: PicketLine, acting_user: Any) -> None:
    """Record that the supervisor's letter (it names the supervisor) was opened for printing."""
    audit_log(actor=acting_user, action="export.letter", obj=picket_line)


def picket_line_roster_printed(
    *, picket_line: PicketLine, acting_user: Any, people: int, names: bool
) -> None:
    """Record that the line's roster was opened: how many people, and whether with names."""
    audit_log(
        actor=acting_user, action="export.roster", obj=picket_line, people=people, names=names
    )


@transaction.atomic
def picket_line_set_organiser(
    *, picket_line: PicketLine, supervisor_name: str, acting_user: Any
) -> PicketLine:
    """Name the line's picket supervisor (old rules) or picket organiser (current rules)."""
    picket_line.supervisor_name = supervisor_name.strip()[:150]
    picket_line.save(update_fields=["supervisor_name"])
    audit_log(actor=acting_user, action="picket_line.organiser_set", obj=picket_line)
    return picket_line


# --- Shifts --------------------------------------------------------------------------------


def _check_shift_numbers(*, starts: dt.datetime, ends: dt.datetime, capacity: int, minimum: int):
    if ends <= starts:
        raise DomainError("A shift must end after it starts.", code="bad_times")
    if capacity < 1:
        raise DomainError("A shift needs at least one place.", code="bad_capacity")
    if minimum < 0:
        raise DomainError("The minimum wanted cannot be negative.", code="bad_minimum")
    if minimum > capacity:
        raise DomainError(
            "The minimum wanted cannot be more than the places on the shift.", code="bad_minimum"
        )


@transaction.atomic
def shifts_create_from_pattern(
    *,
    strike_day: StrikeDay,
    school: School,
    pattern: Sequence[tuple[str, str]] = DEFAULT_PATTERN,
    capacity: int,
    minimum_wanted: int,
    acting_user: Any,
) -> list[Shift]:
    """Create the pattern's shifts at every entrance of the school's sites.

    Times are London wall-clock times on the strike day's date. A shift that already exists at a
    line with the same start is skipped. Returns the shifts made.
    """
    if strike_day.is_cancelled:
        raise DomainError("This strike day has been cancelled.", code="day_cancelled")
    if strike_day.is_past:
        raise DomainError("This strike day has passed.", code="day_past")
    if not pattern:
        raise DomainError("Give at least one shift time.", code="empty_pattern")
    slots = []
    for start, end in pattern:
        starts = london_at(strike_day.date, start)
        ends = london_at(strike_day.date, end)
        _check_shift_numbers(starts=starts, ends=ends, capacity=capacity, minimum=minimum_wanted)
        slots.append((starts, ends))
    picket_lines_ensure(pairs=[(strike_day, school)])
    lines = list(
        PicketLine.objects.select_for_update()
        .filter(strike_day=strike_day, school=school)
        .order_by("pk")
    )
    taken = set(
        Shift.objects.filter(picket_line__in=lines, cancelled_at__isnull=True).values_list(
            "picket_line_id", "starts_at"
        )
    )
    new = [
        Shift(
            picket_line=line,
            starts_at=starts,
            ends_at=ends,
            capacity=capacity,
            minimum_wanted=minimum_wanted,
        )
        for line in lines
        for starts, ends in slots
        if (line.pk, starts) not in taken
    ]
    made = Shift.objects.bulk_create(new)
    counters.areas_recount(strike_day_id=strike_day.pk, district_ids=[school.district_id])
    audit_log(
        actor=acting_user,
        action="shift.created_from_pattern",
        strike_day_id=strike_day.pk,
        school_id=school.pk,
        shifts=len(made),
    )
    return made


@transaction.atomic
def shift_update(
    *,
    shift: Shift,
    starts_at: dt.time,
    ends_at: dt.time,
    capacity: int,
    minimum_wanted: int,
    acting_user: Any,
) -> Shift:
    """Change a shift's times and numbers. Capacity never drops below the places booked."""
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("picket_line__strike_day")
        .get(pk=shift.pk)
    )
    if shift.cancelled_at is not None:
        raise DomainError("This shift has been removed.", code="removed")
    day = shift.picket_line.strike_day.date
    starts, ends = london_at(day, starts_at), london_at(day, ends_at)
    _check_shift_numbers(starts=starts, ends=ends, capacity=capacity, minimum=minimum_wanted)
    if capacity < shift.booked:
        raise DomainError(
            f"{shift.booked} people are already booked on this shift, so it needs at least "
            f"{shift.booked} places. Ask someone to move before you make it smaller.",
            code="below_booked",
        )
    shift.starts_at, shift.ends_at = starts, ends
    shift.capacity, shift.minimum_wanted = capacity, minimum_wanted
    shift.save(update_fields=["starts_at", "ends_at", "capacity", "minimum_wanted"])
    line = shift.picket_line
    counters.areas_recount(strike_day_id=line.strike_day_id, district_ids=[line.district_id])
    audit_log(actor=acting_user, action="shift.updated", obj=shift)
    return shift


@transaction.atomic
def shift_remove(*, shift: Shift, acting_user: Any) -> int:
    """Remove a shift: cancel it and its signups, and tell each person. Returns people told."""
    shift = (
        Shift.objects.select_for_update(of=("self",)).select_related("picket_line").get(pk=shift.pk)
    )
    if shift.cancelled_at is not None:
        return 0
    now = timezone.now()
    signups = list(
        Signup.objects.select_for_update(of=("self",))
        .filter(shift=shift)
        .exclude(status__in=[Signup.Status.CANCELLED, Signup.Status.NO_SHOW])
        .select_related("user", "supporter")
    )
    Signup.objects.filter(pk__in=[s.pk for s in signups]).update(
        status=Signup.Status.CANCELLED, updated_at=now
    )
    shift.cancelled_at = now
    shift.save(update_fields=["cancelled_at"])
    counters.signups_changed(
        shift=shift, changes=[(s, s.status, Signup.Status.CANCELLED) for s in signups]
    )
    line = shift.picket_line
    counters.areas_recount(strike_day_id=line.strike_day_id, district_ids=[line.district_id])
    told = 0
    for signup in signups:
        if signup.user_id is None and signup.supporter_id is None:
            continue  # a walk-up: nobody to tell
        notification_enqueue(
            key=f"change:shift-removed:{signup.pk}",
            kind=Notification.Kind.CHANGE,
            user=signup.user,
            supporter=signup.supporter,
            signup=signup,
            strike_day_id=line.strike_day_id,
            school_id=line.school_id,
            context={"reason": "shift_removed", "shift_id": shift.pk},
        )
        told += 1
    audit_log(actor=acting_user, action="shift.removed", obj=shift, signups_cancelled=len(signups))
    return told


# --- Nudges --------------------------------------------------------------------------------


@transaction.atomic
def member_nudge(
    *, strike_day: StrikeDay, school: School, user: Any, acting_user: Any
) -> Notification | None:
    """Nudge a member of the school who has not signed up. At most once a day per strike day:
    returns None when they were already nudged today."""
    from members.models import Membership

    group = (
        Membership.objects.filter(
            user=user, workplace=school, union_id=strike_day.dispute.union_id, is_active=True
        )
        .values_list("staff_group", flat=True)
        .first()
    )
    if group is None:
        raise DomainError("That person is not a member at this school.", code="not_member")
    called = (
        CalledOutSchool.objects.filter(strike_day=strike_day, school=school)
        .values_list("staff_groups", flat=True)
        .first()
    )
    if called is not None and group not in called:
        raise DomainError(
            "This member's staff group is not called out here on this day: the app does not ask "
            "them to picket.",
            code="group_not_called_out",
        )
    if user.reminders_opt_out:
        raise DomainError("This member has asked not to be nudged.", code="opted_out")
    today = timezone.localdate()
    notification = notification_enqueue(
        key=f"nudge:{strike_day.pk}:{user.pk}:{today.isoformat()}",
        kind=Notification.Kind.NUDGE,
        user=user,
        strike_day=strike_day,
        school=school,
        context={"strike_day_id": strike_day.pk, "school_id": school.pk},
    )
    if notification is not None:
        audit_log(
            actor=acting_user,
            action="member.nudged",
            obj=notification,
            strike_day_id=strike_day.pk,
            school_id=school.pk,
        )
    return notification


@transaction.atomic
def members_nudge_all(*, strike_day: StrikeDay, school: School, acting_user: Any) -> int:
    """Nudge every member of the school not signed up for the day, except those who asked not
    to be nudged, those already nudged today, and those whose staff group is not called out
    there. One INSERT of outbox rows, due now (the sweep hands them to a worker); returns how
    many were queued."""
    from strikes.selectors.lines import members_not_signed_up

    groups = list(
        CalledOutSchool.objects.filter(strike_day=strike_day, school=school)
        .values_list("staff_groups", flat=True)
        .first()
        or []
    )
    today = timezone.localdate().isoformat()
    now = timezone.now()
    rows = [
        Notification(
            key=f"nudge:{strike_day.pk}:{user_id}:{today}",
            kind=Notification.Kind.NUDGE,
            channel=channel or Notification.Channel.EMAIL,
            user_id=user_id,
            strike_day=strike_day,
            school=school,
            due_at=now,
            context={"strike_day_id": strike_day.pk, "school_id": school.pk},
        )
        for user_id, channel in members_not_signed_up(
            strike_day=strike_day, school=school, staff_groups=groups
        )
        .filter(user__reminders_opt_out=False)
        .values_list("user_id", "user__preferred_channel")
    ]
    if not rows:
        return 0
    keys = [row.key for row in rows]
    before = Notification.objects.filter(key__in=keys).count()
    Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    queued = Notification.objects.filter(key__in=keys).count() - before
    audit_log(
        actor=acting_user,
        action="members.nudged_all",
        obj=strike_day,
        school_id=school.pk,
        count=queued,
    )
    return queued


# --- The day's window ----------------------------------------------------------------------

#: Check-in and reports open this long before a line's first shift (London time).
OPENS_BEFORE_FIRST_SHIFT = dt.timedelta(hours=1)


@dataclass(frozen=True)
class DayWindow:
    """When a line takes check-ins and reports: from an hour before its first shift (not before
    midnight) to the end of the strike day, London time. Before then, a report would put pickets
    out and a closed school on the dashboard days early."""

    opens_at: dt.datetime
    closes_at: dt.datetime

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def explain(self, what: str, now: dt.datetime | None = None) -> str:
        """Why ``what`` ("Check-in", "Reports") is closed, and when it opens: "" when open."""
        now = now or timezone.now()
        opens = timezone.localtime(self.opens_at, LONDON)
        day = f"{opens:%A} {opens.day} {opens:%B}"
        if now < self.opens_at:
            return (
                f"{what} open at {opens:%H:%M} on {day}, an hour before the first shift. "
                "Come back then."
            )
        if now >= self.closes_at:
            return f"{what} closed at the end of the strike day ({day})."
        return ""


#: "Not read yet" for ``line_window``'s ``first_starts_at``.
UNREAD: Any = object()


def _first_live_shift(picket_line_ref: Any) -> Subquery:
    """When the line's first live shift starts (a subquery; ``picket_line_ref`` names it)."""
    return Subquery(
        Shift.objects.filter(picket_line_id=picket_line_ref, cancelled_at__isnull=True)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )


def line_window(
    *,
    picket_line: PicketLine,
    shifts: Sequence[Shift] | None = None,
    first_starts_at: Any = UNREAD,
) -> DayWindow:
    """The check-in and report window of a line: one query for its first shift, or none when
    the caller passes the line's ``shifts`` already loaded, or when its first live shift
    starts (``first_starts_at``; None when it has none)."""
    day = picket_line.strike_day
    midnight = dt.datetime.combine(day.date, dt.time(0), tzinfo=LONDON)
    if first_starts_at is not UNREAD:
        first = counters.when(first_starts_at)
    elif shifts is not None:
        first = min((s.starts_at for s in shifts if s.cancelled_at is None), default=None)
    else:
        first = (
            Shift.objects.filter(picket_line_id=picket_line.pk, cancelled_at__isnull=True)
            .order_by("starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
    if first is None or timezone.localtime(first, LONDON).date() != day.date:
        first = dt.datetime.combine(day.date, day.starts_at, tzinfo=LONDON)
    end = dt.datetime.combine(day.date + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
    return DayWindow(opens_at=max(first - OPENS_BEFORE_FIRST_SHIFT, midnight), closes_at=end)


def _refuse_check_in_outside_window(
    picket_line: PicketLine, *, at: dt.datetime | None = None, first_starts_at: Any = UNREAD
) -> None:
    """Refuse a check-in or walk-up outside the line's window, judged at ``at``: when the rep
    acted (an offline change sent later), or now."""
    window = line_window(picket_line=picket_line, first_starts_at=first_starts_at)
    reason = window.explain("Check-in and walk-ups", now=at)
    if reason:
        raise DomainError(reason, code="check_in_closed")


# --- Check-in ------------------------------------------------------------------------------


@transaction.atomic
def signup_check_in(
    *,
    acting_user: Any,
    signup: Signup | None = None,
    signup_id: int | None = None,
    picket_line: PicketLine | None = None,
    acted_at: dt.datetime | None = None,
) -> Signup:
    """Mark someone arrived. Checking in twice changes nothing. ``acted_at`` is when the rep
    tapped (an offline check-in sent later, bounded by ``strikes.services.sync``).

    ``signup_id`` with ``picket_line``: a signup on one of that line's shifts
    (``Signup.DoesNotExist`` for any other). One locked read of the signup, with its person,
    its shift and line and when the line's first live shift starts (the window); the update;
    the audit entry.
    """
    rows = Signup.objects.select_for_update(of=("self",)).select_related(
        "shift__picket_line__strike_day", "user", "supporter"
    )
    if picket_line is not None:
        rows = rows.filter(shift__picket_line_id=picket_line.pk)
    signup = rows.annotate(
        first_starts_at=_first_live_shift(OuterRef("shift__picket_line_id"))
    ).get(pk=signup_id if signup_id is not None else signup.pk)
    if picket_line is not None:
        signup.shift.picket_line = picket_line
    if signup.status == Signup.Status.ARRIVED:
        return signup
    _refuse_check_in_outside_window(
        signup.shift.picket_line, at=acted_at, first_starts_at=signup.first_starts_at
    )
    if signup.status not in EXPECTED:
        raise DomainError(
            f"This person is not expected on the shift ({signup.get_status_display().lower()}).",
            code="not_expected",
        )
    now = timezone.now()
    signup.status = Signup.Status.ARRIVED
    signup.arrived_at = acted_at or now
    signup.updated_at = now
    signup.save(update_fields=["status", "arrived_at", "updated_at"])
    audit_log(actor=acting_user, action="signup.checked_in", obj=signup)
    return signup


@transaction.atomic
def signup_check_in_undo(*, signup: Signup, acting_user: Any) -> Signup:
    """Take back a check-in tapped by mistake: the person is expected again.

    A walk-up was only ever "here" (nobody booked a place for them), so undoing one removes
    it. Undoing someone not checked in changes nothing, so a repeated tap is harmless. No
    counter moves: an arrived picket and an expected one both hold their booked place.
    """
    signup = Signup.objects.select_for_update().get(pk=signup.pk)
    if signup.status in EXPECTED:
        return signup
    if signup.status == Signup.Status.CANCELLED and signup.is_walk_up:
        return signup
    if signup.status != Signup.Status.ARRIVED:
        raise DomainError(
            f"Only a check-in can be undone; this person is {signup.get_status_display().lower()}.",
            code="not_arrived",
        )
    now = timezone.now()
    before = signup.status
    if signup.is_walk_up:
        signup.status = Signup.Status.CANCELLED
        action = "signup.walk_up_removed"
    else:
        signup.status = Signup.Status.REGISTERED
        action = "signup.check_in_undone"
    signup.arrived_at = None
    signup.updated_at = now
    signup.save(update_fields=["status", "arrived_at", "updated_at"])
    # The counters' owner decides what moves (today nothing: both states hold the same place).
    shift = Shift.objects.select_for_update().get(pk=signup.shift_id)
    counters.signup_changed(shift=shift, signup=signup, before=before)
    audit_log(actor=acting_user, action=action, obj=signup)
    return signup


@transaction.atomic
def signup_walk_up_add(
    *,
    shift: Shift,
    name: str,
    nonce: str,
    acting_user: Any,
    is_supporter: bool = False,
    acted_at: dt.datetime | None = None,
) -> Signup:
    """Add someone who turned up without signing up, already arrived.

    A walk-up holds no booked place (nobody booked it). A walk-up picket has `is_supporter`
    False; a supporter who turns up is marked as one and never counted as a picket. The nonce
    makes a retried form post return the same walk-up.
    """
    name = name.strip()[:100]
    if not name:
        raise DomainError("Write the person's name.", code="no_name")
    if not nonce:
        raise DomainError("The form was incomplete; reload the page and try again.", code="nonce")
    nonce = scoped_nonce(action="walk_up", person=getattr(acting_user, "pk", None), nonce=nonce)
    found = Signup.objects.filter(shift=shift, nonce=nonce).first()
    if found is not None:
        return found
    if shift.cancelled_at is not None:
        raise DomainError("This shift has been removed.", code="removed")
    _refuse_check_in_outside_window(shift.picket_line, at=acted_at)
    now = timezone.now()
    try:
        with transaction.atomic():
            signup = Signup.objects.create(
                shift=shift,
                walk_up_name=name,
                is_walk_up=True,
                is_supporter=is_supporter,
                status=Signup.Status.ARRIVED,
                arrived_at=acted_at or now,
                nonce=nonce,
            )
    except IntegrityError:
        return Signup.objects.get(shift=shift, nonce=nonce)
    audit_log(actor=acting_user, action="signup.walk_up_added", obj=signup)
    return signup


@transaction.atomic
def shift_mark_no_shows(*, shift: Shift, acting_user: Any) -> int:
    """At the end of a shift, everyone still only expected did not come. Returns how many."""
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if timezone.now() < shift.ends_at:
        raise DomainError("You can mark no-shows once the shift has ended.", code="shift_not_ended")
    missing = list(Signup.objects.select_for_update().filter(shift=shift, status__in=EXPECTED))
    if not missing:
        return 0
    Signup.objects.filter(pk__in=[s.pk for s in missing]).update(
        status=Signup.Status.NO_SHOW, updated_at=timezone.now()
    )
    counters.signups_changed(
        shift=shift, changes=[(s, s.status, Signup.Status.NO_SHOW) for s in missing]
    )
    audit_log(actor=acting_user, action="shift.no_shows_marked", obj=shift, count=len(missing))
    return len(missing)


# --- Reports -------------------------------------------------------------------------------

REPORT_COUNTS = (
    "pickets",
    "supporters",
    "members_working",
    "non_balloted_refusing",
    "agency_staff",
)
# The most a report may count at one line: a picket line, or the staff of the largest school.
# Past these a figure is a typo (or junk) that would swamp the dashboard's totals.
REPORT_LIMITS = {
    "pickets": 500,
    "supporters": 2000,
    "members_working": 500,
    "non_balloted_refusing": 500,
    "agency_staff": 500,
}
REPORT_TEXT_LIMIT = 2000
REPORT_FIELDS = (
    "school_status",
    *REPORT_COUNTS,
    "police_present",
    "media_present",
    "incident_at",
    "incident",
    "escalate",
    "notes",
)


@transaction.atomic
def picket_report_create(
    *,
    picket_line: PicketLine,
    acting_user: Any,
    nonce: str,
    acted_at: dt.datetime | None = None,
    **fields: Any,
) -> PicketReport:
    """Record a report from a line. The same nonce on the same line returns the first report.

    In the same transaction the line's latest report and the school's status for the day are
    updated (only when this report is the newest); an escalation tells the district officers.
    """
    if not nonce:
        raise DomainError("The form was incomplete; reload the page and try again.", code="nonce")
    nonce = scoped_nonce(action="report", person=getattr(acting_user, "pk", None), nonce=nonce)
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown report fields: {sorted(unknown)}")
    for name in REPORT_COUNTS:
        value = fields.get(name) or 0
        if value < 0:
            raise DomainError("Counts cannot be negative.", code="negative_count")
        if value > REPORT_LIMITS[name]:
            raise DomainError(
                f"Enter at most {REPORT_LIMITS[name]:,} for {name.replace('_', ' ')}.",
                code="count_too_big",
            )
    status = fields.get("school_status") or CalledOutSchool.SchoolStatus.UNKNOWN
    if status not in CalledOutSchool.SchoolStatus.values:
        raise DomainError("Choose the school's status.", code="bad_status")
    fields["school_status"] = status
    fields["incident"] = (fields.get("incident") or "").strip()
    fields["notes"] = (fields.get("notes") or "").strip()
    for name in ("incident", "notes"):
        if len(fields[name]) > REPORT_TEXT_LIMIT:
            raise DomainError(
                f"Keep the {name} to {REPORT_TEXT_LIMIT:,} characters.", code="text_too_long"
            )
    if fields.get("escalate") and not fields["incident"]:
        raise DomainError(
            "Say what happened before escalating, so the district officer can act.",
            code="escalate_needs_incident",
        )
    line, school, first_starts_at = _lock_line_for_report(picket_line)
    # An offline report is judged at the time the rep made it.
    closed = line_window(picket_line=line, first_starts_at=first_starts_at).explain(
        "Reports", now=acted_at
    )
    if closed:
        found = PicketReport.objects.filter(picket_line=line, nonce=nonce).first()
        if found is not None:  # sent before the window closed: the same report again
            return found
        raise DomainError(closed, code="reports_closed")
    now = timezone.now()
    report = PicketReport(
        picket_line=line,
        reported_by=acting_user if getattr(acting_user, "pk", None) else None,
        reported_at=acted_at or now,
        nonce=nonce,
        **fields,
    )
    # The same nonce on the line again inserts nothing and finds the first report. Read in the
    # same statement, after the line's lock: when the line's latest report was made.
    inserted = insert_unless_exists(
        report,
        conflict='"picket_line_id", "nonce"',
        also_return="(SELECT r.reported_at FROM strikes_picketreport r WHERE r.id = %s)",
        params=[line.latest_report_id],
    )
    if inserted is None:
        return PicketReport.objects.get(picket_line=line, nonce=nonce)
    counters.report_recorded(line=line, report=report, latest_at=inserted[0], school=school)
    if report.escalate:
        union_id = line.strike_day.dispute.union_id
        officers = Role.objects.filter(
            kind=Role.Kind.DISTRICT_OFFICER, district_id=line.district_id, union_id=union_id
        ).select_related("user")
        for role in officers:
            notification_enqueue(
                key=f"escalation:{report.pk}:{role.user_id}",
                kind=Notification.Kind.ESCALATION,
                user=role.user,
                strike_day_id=line.strike_day_id,
                school_id=line.school_id,
                district_id=line.district_id,
                context={"report_id": report.pk, "picket_line_id": line.pk},
            )
    audit_log(
        actor=acting_user,
        action="picket_report.created",
        obj=report,
        picket_line_id=line.pk,
        escalate=report.escalate,
    )
    return report


def _lock_line_for_report(
    picket_line: PicketLine,
) -> tuple[PicketLine, tuple[Any, ...] | None, Any]:
    """Lock the line's row and its called-out school's (one statement, line first: the order
    every report takes them) and read what a report changes, as it is now: the line's latest
    and first report, the school's ``(pk, status, reported_at, cancelled_at)`` (None when the
    school has no such row), and when the line's first live shift starts (for the window).

    The counters' figures are moved from these, so they must be read after the locks: a row
    locked by a statement is read as committed by whoever held it before. Returns the line
    (``picket_line`` itself, its figures refreshed, when it has its day and dispute loaded).
    """
    lock = " FOR UPDATE OF l, c" if connection.features.has_select_for_update_of else ""
    sql = """SELECT l.latest_report_id, l.latest_pickets, l.latest_supporters,
                    l.first_reported_at, c.id, c.status, c.reported_at, c.cancelled_at,
                    (SELECT MIN(s.starts_at) FROM strikes_shift s
                      WHERE s.picket_line_id = l.id AND s.cancelled_at IS NULL)
             FROM strikes_picketline l
             JOIN strikes_calledoutschool c
               ON c.strike_day_id = l.strike_day_id AND c.school_id = l.school_id
             WHERE l.id = %s"""
    with connection.cursor() as cursor:
        cursor.execute(sql + lock, [picket_line.pk])
        row = cursor.fetchone()
    if row is None:  # no called-out school row (a day made before they were kept): the line
        locked = (
            PicketLine.objects.select_for_update(of=("self",))
            .annotate(first_starts_at=_first_live_shift(OuterRef("pk")))
            .values_list(
                "latest_report_id",
                "latest_pickets",
                "latest_supporters",
                "first_reported_at",
                "first_starts_at",
            )
            .get(pk=picket_line.pk)
        )
        row = (*locked[:4], None, None, None, None, locked[4])
    line = picket_line
    if not (PicketLine.strike_day.is_cached(line) and StrikeDay.dispute.is_cached(line.strike_day)):
        line = PicketLine.objects.select_related("strike_day__dispute").get(pk=picket_line.pk)
    line.latest_report_id, line.latest_pickets, line.latest_supporters = row[0], row[1], row[2]
    line.first_reported_at = counters.when(row[3])
    school = None if row[4] is None else tuple(row[4:8])
    return line, school, row[8]
