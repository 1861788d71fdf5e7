"""Signing up for picket shifts: members take places (or join the waitlist), supporters join
the line's supporter rota. Every write locks rows in one fixed order: the person, then the shift.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError, NotAllowed
from kernel.nonces import scoped_nonce
from members.models import Membership, Supporter, User
from members.permissions import Action, may
from members.phones import phone_to_e164
from strikes import counters
from strikes.models import CalledOutSchool, Notification, PicketLine, Shift, Signup
from strikes.services.notifications import notification_enqueue

ACTIVE = (
    Signup.Status.REGISTERED,
    Signup.Status.CONFIRMED,
    Signup.Status.WAITLISTED,
    Signup.Status.ARRIVED,
)


# What the writes read through a shift's line: the day and dispute (union, cancellation), the
# school up to its region (the permission check), the entrance (the confirmation's text).
LINE_RELATED = ("strike_day__dispute", "school__district__region", "entrance")


def _loaded_line(shift: Shift | None) -> PicketLine | None:
    """The shift's line if it is already in memory with everything in LINE_RELATED, else None."""
    if shift is None or not Shift.picket_line.is_cached(shift):
        return None
    line = shift.picket_line
    for path in LINE_RELATED:
        obj: Any = line
        for name in path.split("__"):
            if not obj._meta.get_field(name).is_cached(obj):
                return None
            obj = getattr(obj, name)
    return line


def _lock_shift(shift_id: int, loaded: Shift | None = None) -> Shift:
    """Lock the shift's row and return it (current places, times, cancellation) with its line.

    The line and what it hangs from do not change under a sign-up, so when the caller has them
    in memory already (the views load them to check access) only the shift's row is read; else
    they are joined to it. PostgreSQL takes ~2 ms to plan that join of eight tables and ~0.1 ms
    to run it (bench/README.md), so a request should plan it once, not three times.
    """
    line = _loaded_line(loaded) if loaded is not None and loaded.pk == shift_id else None
    if line is None:
        return (
            Shift.objects.select_for_update(of=("self",))
            .select_related(*(f"picket_line__{path}" for path in LINE_RELATED))
            .get(pk=shift_id)
        )
    shift = Shift.objects.select_for_update().get(pk=shift_id)
    shift.picket_line = line
    return shift


def _refuse_if_closed(shift: Shift) -> None:
    """Raise when the shift cannot take sign-ups: day or school called off, cancelled, started."""
    line = shift.picket_line
    day = line.strike_day
    if day.is_cancelled or (
        CalledOutSchool.objects.filter(
            strike_day_id=day.pk, school_id=line.school_id, cancelled_at__isnull=False
        ).exists()
    ):
        raise DomainError(
            "This strike day has been called off at this school, so there is nothing to sign up "
            "for.",
            code="day_cancelled",
        )
    if shift.cancelled_at is not None:
        raise DomainError(
            "Your rep has cancelled this shift. Pick another shift on the line.",
            code="shift_cancelled",
        )
    if shift.starts_at <= timezone.now():
        raise DomainError(
            "This shift has already started. Go straight to the line if you can still help.",
            code="started",
        )


def _shift_context(shift: Shift, signup: Signup) -> dict[str, Any]:
    line = shift.picket_line
    local_start = timezone.localtime(shift.starts_at)
    local_end = timezone.localtime(shift.ends_at)
    where = f"{line.school.name}, {line.entrance.name}"
    when = f"{local_start:%A %d %B}, {local_start:%H:%M}–{local_end:%H:%M}"
    if signup.status == Signup.Status.WAITLISTED:
        text = f"You are on the waitlist for the picket at {where}, {when}."
    elif signup.is_supporter:
        text = f"Thank you for supporting the picket at {where}, {when}."
    else:
        text = f"You are signed up for the picket at {where}, {when}."
    return {
        "signup_id": signup.pk,
        "shift_id": shift.pk,
        "picket_line_id": line.pk,
        "strike_day_id": line.strike_day_id,
        "status": signup.status,
        "text": text,
    }


def _queue(
    kind: str, signup: Signup, shift: Shift, *, new_signup: bool = False, **recipient: Any
) -> None:
    # A signup made in this transaction has no messages yet: nothing to count.
    n = 1 if new_signup else Notification.objects.filter(signup=signup, kind=kind).count() + 1
    notification_enqueue(
        key=f"{kind}:{signup.pk}:{n}",
        kind=kind,
        signup=signup,
        context=_shift_context(shift, signup),
        **recipient,
    )


@transaction.atomic
def signup_create(*, shift: Shift, user: User, acting_user: Any, nonce: str = "") -> Signup:
    """Sign ``user`` up for ``shift``: a place if one is free, else the waitlist.

    Tapping twice is harmless: an active signup is returned as it is. The signup's ``shift`` is
    the shift as this call left it (places taken), with its line.
    """
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    shift = _lock_shift(shift.pk, shift)
    line = shift.picket_line
    if not may(user, Action.SIGN_UP, line.school, union=line.strike_day.dispute.union_id):
        raise NotAllowed(
            "You can only sign up at your own school's picket lines.", code="not_your_school"
        )
    _refuse_if_not_called_out(user, line)
    existing = Signup.objects.filter(shift=shift, user=user).first()
    if existing is not None and existing.status in ACTIVE:
        existing.shift = shift
        return existing
    _refuse_if_closed(shift)

    has_place = shift.booked < shift.capacity
    status = Signup.Status.REGISTERED if has_place else Signup.Status.WAITLISTED
    now = timezone.now()
    before = None if existing is None else existing.status
    if existing is None:
        signup = Signup.objects.create(
            shift=shift,
            user=user,
            status=status,
            nonce=scoped_nonce(action="signup", person=user.pk, nonce=nonce),
            created_at=now,
            updated_at=now,
        )
        action = "signup.create"
    else:
        signup = existing
        signup.status = status
        # Back of the queue: the waitlist is ordered by when people (re)joined.
        signup.created_at = now
        signup.updated_at = now
        signup.save(update_fields=["status", "created_at", "updated_at"])
        signup.shift = shift
        action = "signup.reactivate"
    counters.signup_changed(shift=shift, signup=signup, before=before)
    audit_log(
        actor=acting_user,
        action=action,
        obj=signup,
        shift_id=shift.pk,
        user_id=user.pk,
        status=signup.status,
    )
    _queue(Notification.Kind.CONFIRMATION, signup, shift, new_signup=existing is None, user=user)
    return signup


def _refuse_if_not_called_out(user: User, line: PicketLine) -> None:
    """A member picketing their own workplace must be in a staff group called out there that
    day: only the balloted strike (an official joining a line they represent is not asked)."""
    union_id = line.strike_day.dispute.union_id
    group = (
        Membership.objects.filter(
            user=user, union_id=union_id, workplace_id=line.school_id, is_active=True
        )
        .values_list("staff_group", flat=True)
        .first()
    )
    if group is None:
        return
    called = (
        CalledOutSchool.objects.filter(strike_day_id=line.strike_day_id, school_id=line.school_id)
        .values_list("staff_groups", flat=True)
        .first()
    )
    if called is not None and group not in called:
        raise DomainError(
            "Your staff group is not called out at this school on this day, so you are not "
            "protected as a striker and the app cannot sign you up to picket. Whether to refuse "
            "to cross the line is your own decision; talk to your rep.",
            code="group_not_called_out",
        )


def _may_cancel(acting_user: Any, signup: Signup, shift: Shift) -> bool:
    if acting_user is not None and signup.user_id == getattr(acting_user, "pk", None):
        return True
    line = shift.picket_line
    return may(acting_user, Action.RUN_LINE, line.school, union=line.strike_day.dispute.union_id)


def _promote_first_waiting(shift: Shift, acting_user: Any) -> Signup | None:
    waiting = (
        Signup.objects.select_for_update()
        .filter(shift=shift, status=Signup.Status.WAITLISTED, is_supporter=False)
        .order_by("created_at", "id")
        .first()
    )
    if waiting is None:
        return None
    before = waiting.status
    waiting.status = Signup.Status.REGISTERED
    waiting.updated_at = timezone.now()
    waiting.save(update_fields=["status", "updated_at"])
    counters.signup_changed(shift=shift, signup=waiting, before=before)
    audit_log(
        actor=acting_user,
        action="signup.promote",
        obj=waiting,
        shift_id=shift.pk,
        user_id=waiting.user_id,
    )
    if waiting.user_id is not None:
        _queue(Notification.Kind.WAITLIST_PROMOTED, waiting, shift, user=waiting.user)
    return waiting


@transaction.atomic
def signup_cancel(*, signup: Signup, acting_user: Any) -> Signup:
    """Cancel a signup; a freed place goes to the first on the waitlist, who is told.

    The returned signup's ``shift`` is the shift as this call left it, with its line.
    """
    if signup.user_id is not None:
        User.objects.select_for_update().filter(pk=signup.user_id).values_list(
            "pk", flat=True
        ).first()
    loaded = signup.shift if Signup.shift.is_cached(signup) else None
    shift = _lock_shift(signup.shift_id, loaded)
    if not _may_cancel(acting_user, signup, shift):
        raise NotAllowed("You can only cancel your own sign-ups.")
    signup = Signup.objects.select_for_update().get(pk=signup.pk)
    signup.shift = shift
    if signup.status == Signup.Status.CANCELLED:
        return signup
    if signup.is_supporter:
        raise NotAllowed("Supporters cancel from their own link.")
    if shift.starts_at <= timezone.now():
        raise DomainError(
            "This shift has already started, so it can no longer be cancelled here. Tell your "
            "rep if you cannot come.",
            code="started",
        )
    before = signup.status
    held_place = counters.places_held(
        is_supporter=signup.is_supporter, is_walk_up=signup.is_walk_up, status=before
    ) != (0, 0)
    signup.status = Signup.Status.CANCELLED
    signup.updated_at = timezone.now()
    signup.save(update_fields=["status", "updated_at"])
    counters.signup_changed(shift=shift, signup=signup, before=before)
    audit_log(
        actor=acting_user,
        action="signup.cancel",
        obj=signup,
        shift_id=shift.pk,
        user_id=signup.user_id,
        held_place=held_place,
    )
    if held_place and shift.cancelled_at is None:
        _promote_first_waiting(shift, acting_user)
    return signup


@transaction.atomic
def supporter_signup_create(
    *,
    shift: Shift,
    name: str,
    email: str = "",
    phone: str = "",
    consent: bool,
    picket_line_token: str | None = None,
) -> Signup:
    """A supporter joins a line's supporter rota. Supporters never take a picket's place."""
    name, email, phone = name.strip(), email.strip().lower(), phone.strip()
    if not consent:
        raise DomainError(
            "Please tick the box to agree that we keep your details for this rota.",
            code="no_consent",
        )
    if not name:
        raise DomainError("Please give your name.", code="no_name")
    if not email and not phone:
        raise DomainError("Please give an email address or a mobile number.", code="no_contact")
    phone = phone_to_e164(phone, mobile=True)  # InvalidPhone says what to type
    shift = _lock_shift(shift.pk)
    line = shift.picket_line
    if picket_line_token is not None and line.public_token != picket_line_token:
        raise DomainError("That shift is not on this picket line.", code="wrong_line")
    _refuse_if_closed(shift)
    # One place per contact per shift (the shift's lock above makes this check race-free): a
    # second row would outlive the first one's cancel link.
    same_contact = Q(supporter__email=email) if email else Q()
    if phone:
        same_contact |= Q(supporter__phone=phone)
    if (
        Signup.objects.filter(same_contact, shift=shift, supporter__isnull=False)
        .filter(status__in=ACTIVE)
        .exists()
    ):
        raise DomainError(
            "You're already on this rota for that shift: there is nothing more to do. To change "
            "it, use the link in your confirmation message.",
            code="already_on_rota",
        )
    now = timezone.now()
    supporter = Supporter.objects.create(name=name, email=email, phone=phone, consent_at=now)
    signup = Signup.objects.create(
        shift=shift,
        supporter=supporter,
        is_supporter=True,
        status=Signup.Status.REGISTERED,
        created_at=now,
        updated_at=now,
    )
    counters.signup_changed(shift=shift, signup=signup, before=None)
    audit_log(
        actor=None,
        action="supporter_signup.create",
        obj=signup,
        shift_id=shift.pk,
        supporter_id=supporter.pk,
    )
    _queue(Notification.Kind.CONFIRMATION, signup, shift, new_signup=True, supporter=supporter)
    return signup


@transaction.atomic
def supporter_signup_cancel(*, token: str) -> list[Signup]:
    """Cancel every active rota place of the supporter holding this link."""
    supporter = Supporter.objects.select_for_update().filter(token=token).first()
    if supporter is None:
        raise DomainError("That cancel link is not valid.", code="not_found")
    cancelled = []
    signups = list(
        Signup.objects.select_for_update(of=("self",))
        .filter(supporter=supporter, status__in=ACTIVE)
        .select_related("shift")
        .order_by("shift_id")
    )
    for signup in signups:
        before = signup.status
        signup.status = Signup.Status.CANCELLED
        signup.updated_at = timezone.now()
        signup.save(update_fields=["status", "updated_at"])
        counters.signup_changed(shift=signup.shift, signup=signup, before=before)
        audit_log(
            actor=None,
            action="supporter_signup.cancel",
            obj=signup,
            shift_id=signup.shift_id,
            supporter_id=supporter.pk,
        )
        cancelled.append(signup)
    return cancelled
