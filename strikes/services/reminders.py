"""Scheduling reminders and digests: rows in the outbox, created ahead of time, in bulk.

``reminders_schedule`` runs from beat. For every active signup on a shift starting in the next
``REMINDER_HORIZON_HOURS`` it writes, once (unique keys, ``ignore_conflicts``):

- ``evening:{signup_id}``: the evening-before check ("still coming?") at ``EVENING_BEFORE_AT``
  London time the day before the shift (members only: supporters cancel from their own link);
- ``morning:{signup_id}``: a reminder ``MORNING_REMINDER_MINUTES`` before the start, never
  between 22:00 and 06:00 London unless the shift starts before 07:00.

and, for strike days tomorrow, each rep's staffing digest for their school and each district
officer's digest of the lines with nobody signed up, due the evening before.

People who opted out of reminders get no reminder rows. A signup made after a reminder's time
gets the row already cancelled, so it is visible in the outbox and never sent late.
Queries do not grow with the number of signups: one select per sort of row and bulk inserts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError
from members.models import Role
from strikes.models import Notification, PicketLine, Signup, StrikeDay

STILL_COMING = (Signup.Status.REGISTERED, Signup.Status.CONFIRMED)
QUIET_FROM = time(22, 0)
QUIET_UNTIL = time(6, 0)
EARLY_SHIFT = time(7, 0)


def _london() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _hhmm(value: str) -> time:
    hour, minute = (int(x) for x in value.split(":"))
    return time(hour, minute)


def evening_before_at(day: date) -> datetime:
    """When the evening-before message for a shift on ``day`` falls due (London wall time)."""
    at = _hhmm(settings.EVENING_BEFORE_AT)
    return datetime.combine(day - timedelta(days=1), at, tzinfo=_london()).astimezone(UTC)


def morning_reminder_at(starts_at: datetime) -> datetime:
    """``MORNING_REMINDER_MINUTES`` before the start, moved out of the night (22:00–06:00 London)
    unless the shift itself starts before 07:00."""
    london = _london()
    minutes = settings.MORNING_REMINDER_MINUTES
    start_local = starts_at.astimezone(london)
    # Arithmetic in UTC: subtracting on a London wall clock goes wrong across a clock change.
    due_local = (starts_at.astimezone(UTC) - timedelta(minutes=minutes)).astimezone(london)
    in_quiet = due_local.time() >= QUIET_FROM or due_local.time() < QUIET_UNTIL
    if in_quiet and start_local.time() >= EARLY_SHIFT:
        if due_local.time() < QUIET_UNTIL:
            due_local = datetime.combine(due_local.date(), QUIET_UNTIL, tzinfo=london)
        else:
            due_local = datetime.combine(due_local.date(), time(21, 30), tzinfo=london)
    return due_local.astimezone(UTC)


def _channel(signup: Signup) -> str:
    if signup.user is not None:
        return signup.user.preferred_channel or Notification.Channel.EMAIL
    supporter = signup.supporter
    return Notification.Channel.EMAIL if supporter.email else Notification.Channel.SMS


def _row(
    *, key: str, kind: str, due_at: datetime, late: bool, signup: Signup, channel: str
) -> Notification:
    line = signup.shift.picket_line
    return Notification(
        key=key,
        kind=kind,
        channel=channel,
        user_id=signup.user_id,
        supporter_id=signup.supporter_id,
        signup_id=signup.pk,
        strike_day_id=line.strike_day_id,
        school_id=line.school_id,
        district_id=line.district_id,
        due_at=due_at,
        context={"signup_id": signup.pk, "shift_id": signup.shift_id},
        status=Notification.Status.CANCELLED if late else Notification.Status.DUE,
        last_error="Signed up after this message's time." if late else "",
    )


def _signup_rows(now: datetime, horizon: datetime) -> list[Notification]:
    has_morning = Notification.objects.filter(
        signup_id=OuterRef("pk"), kind=Notification.Kind.REMINDER
    )
    signups = (
        Signup.objects.filter(
            status__in=STILL_COMING,
            shift__starts_at__gt=now,
            shift__starts_at__lte=horizon,
            shift__cancelled_at__isnull=True,
            shift__picket_line__strike_day__status=StrikeDay.Status.ANNOUNCED,
        )
        .filter(
            Q(user__isnull=False, user__reminders_opt_out=False, user__is_active=True)
            | Q(supporter__isnull=False, supporter__erased_at__isnull=True)
        )
        .filter(~Exists(has_morning))
        .select_related("user", "supporter", "shift__picket_line")
    )
    rows = []
    for signup in signups:
        starts_at = signup.shift.starts_at
        channel = _channel(signup)
        if signup.user_id is not None:
            local_day = timezone.localtime(starts_at, _london()).date()
            evening = evening_before_at(local_day)
            rows.append(
                _row(
                    key=f"evening:{signup.pk}",
                    kind=Notification.Kind.EVENING_BEFORE,
                    due_at=evening,
                    late=signup.created_at > evening,
                    signup=signup,
                    channel=channel,
                )
            )
        morning = morning_reminder_at(starts_at)
        rows.append(
            _row(
                key=f"morning:{signup.pk}",
                kind=Notification.Kind.REMINDER,
                due_at=morning,
                late=signup.created_at > morning,
                signup=signup,
                channel=channel,
            )
        )
    return rows


def _digest_rows(now: datetime) -> list[Notification]:
    today = timezone.localtime(now, _london()).date()
    lines = (
        PicketLine.objects.filter(
            strike_day__date__gt=today,
            strike_day__date__lte=today + timedelta(days=2),
            strike_day__status=StrikeDay.Status.ANNOUNCED,
        )
        .values_list(
            "strike_day_id",
            "strike_day__date",
            "strike_day__dispute__union_id",
            "school_id",
            "district_id",
        )
        .distinct()
    )
    by_school: dict[tuple[int, int], list[tuple[int, date, int]]] = {}
    by_district: dict[tuple[int, int], set[tuple[int, date]]] = {}
    for day_id, day, union_id, school_id, district_id in lines:
        by_school.setdefault((union_id, school_id), []).append((day_id, day, district_id))
        by_district.setdefault((union_id, district_id), set()).add((day_id, day))
    if not by_school:
        return []
    roles = Role.objects.filter(
        Q(kind=Role.Kind.REP, school_id__in={s for _, s in by_school})
        | Q(kind=Role.Kind.DISTRICT_OFFICER, district_id__in={d for _, d in by_district}),
        user__is_active=True,
    ).select_related("user")
    rows: list[Notification] = []
    for role in roles:
        channel = role.user.preferred_channel or Notification.Channel.EMAIL
        if role.kind == Role.Kind.REP:
            for day_id, day, district_id in by_school.get((role.union_id, role.school_id), []):
                rows.append(
                    Notification(
                        key=f"digest:rep:{day_id}:{role.school_id}:{role.user_id}",
                        kind=Notification.Kind.STAFFING_DIGEST,
                        channel=channel,
                        user_id=role.user_id,
                        strike_day_id=day_id,
                        school_id=role.school_id,
                        district_id=district_id,
                        due_at=evening_before_at(day),
                        context={"digest": "rep"},
                    )
                )
        else:
            for day_id, day in by_district.get((role.union_id, role.district_id), set()):
                rows.append(
                    Notification(
                        key=f"digest:district:{day_id}:{role.district_id}:{role.user_id}",
                        kind=Notification.Kind.STAFFING_DIGEST,
                        channel=channel,
                        user_id=role.user_id,
                        strike_day_id=day_id,
                        district_id=role.district_id,
                        due_at=evening_before_at(day),
                        context={"digest": "district"},
                    )
                )
    return rows


def reminders_schedule(*, now: datetime | None = None) -> dict[str, Any]:
    """Create the reminder and digest rows that are now within reach. Idempotent."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.REMINDER_HORIZON_HOURS)
    signup_rows = _signup_rows(now, horizon)
    digest_rows = _digest_rows(now)
    batch = 2000
    created = Notification.objects.bulk_create(
        signup_rows + digest_rows, batch_size=batch, ignore_conflicts=True
    )
    return {"reminders": len(signup_rows), "digests": len(digest_rows), "rows": len(created)}


@transaction.atomic
def signup_confirm(*, signup_id: int, acting_user: Any) -> Signup:
    """The answer "yes, I'm coming" to the evening-before check. Confirming twice is harmless."""
    signup = (
        Signup.objects.select_for_update(of=("self",))
        .select_related("shift__picket_line__strike_day")
        .filter(pk=signup_id)
        .first()
    )
    if signup is None:
        raise DomainError("We could not find that sign-up.", code="not_found")
    if signup.status in (Signup.Status.CONFIRMED, Signup.Status.ARRIVED):
        return signup
    if signup.status != Signup.Status.REGISTERED:
        raise DomainError(
            "This sign-up is no longer active, so there is nothing to confirm. Sign up again "
            "from the strike day's page if you can still come.",
            code="not_active",
        )
    shift = signup.shift
    if shift.cancelled_at is not None or shift.picket_line.strike_day.is_cancelled:
        raise DomainError("This shift has been called off: no need to come.", code="cancelled")
    if shift.starts_at <= timezone.now():
        raise DomainError(
            "This shift has already started: go straight to the line.", code="started"
        )
    signup.status = Signup.Status.CONFIRMED
    signup.updated_at = timezone.now()
    signup.save(update_fields=["status", "updated_at"])
    audit_log(actor=acting_user, action="signup.confirm", obj=signup, shift_id=shift.pk)
    return signup
