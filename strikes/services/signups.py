"""Signing up for picket shifts: members take places (or join the waitlist), supporters join
the line's supporter rota.

Every write locks rows in one fixed order, in one statement: the shift, then its line, then (a
cancel) the signup. The shift's lock orders everything that counts the shift's places, so none
is ever given twice; a person's second tap finds their signup (the unique (shift, person) key,
read after the lock). The person's own row is not locked: nothing here reads or writes it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Exists, JSONField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kernel.audit import audit_log
from kernel.db import insert_unless_exists
from kernel.errors import DomainError, NotAllowed
from kernel.nonces import scoped_nonce
from members.models import Supporter, User
from members.permissions import Action, Viewer, may, viewer_for
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


def _called_out(prefix: str = "") -> QuerySet[CalledOutSchool]:
    """The called-out school of the shift's line (``prefix`` leads from the row to the shift)."""
    return CalledOutSchool.objects.filter(
        strike_day_id=OuterRef(f"{prefix}picket_line__strike_day_id"),
        school_id=OuterRef(f"{prefix}picket_line__school_id"),
    )


def _with_call_out(qs: QuerySet[Any], prefix: str = "") -> QuerySet[Any]:
    """Annotate ``called_groups`` (the staff groups called out at the line's school that day;
    None when the school has no such row) and ``called_off`` (the day is called off there)."""
    called = _called_out(prefix)
    return qs.annotate(
        called_groups=Subquery(called.values("staff_groups")[:1], output_field=JSONField()),
        called_off=Exists(called.filter(cancelled_at__isnull=False)),
    )


def _lock_shift(shift_id: int) -> Shift:
    """Lock the shift's row and then its line's (one statement, in that order: ``FOR UPDATE OF``
    locks in the order it names), and return the shift as it is now (places, times,
    cancellation) with its line, what the line hangs from, and the call-out (``called_groups``,
    ``called_off``).

    The shift's lock orders sign-ups and cancels of the shift, so places are counted after any
    other's commit: no overbooking. The line's lock, taken here rather than when the counters
    move, orders every sign-up and cancel on the line, so the counters see the line's other
    shifts as committed (``strikes.counters``, ``line_locked``). A day or school called off
    cancels the shift too (``strike_day_cancel_for``), so the shift's ``cancelled_at``, read
    after the lock, is the one that cannot be stale.
    """
    return _with_call_out(
        Shift.objects.select_for_update(of=("self", "picket_line")).select_related(
            *(f"picket_line__{path}" for path in LINE_RELATED)
        )
    ).get(pk=shift_id)


def _refuse_if_closed(shift: Shift) -> None:
    """Raise when the shift cannot take sign-ups: day or school called off, cancelled, started.
    ``shift`` comes from ``_lock_shift`` (its ``called_off``)."""
    line = shift.picket_line
    if line.strike_day.is_cancelled or shift.called_off:
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
def signup_create(
    *,
    user: User,
    acting_user: Any,
    shift: Shift | None = None,
    shift_id: int | None = None,
    nonce: str = "",
) -> Signup:
    """Sign ``user`` up for ``shift`` (or the shift ``shift_id``): a place if one is free, else
    the waitlist. ``Shift.DoesNotExist`` when there is no such shift.

    Tapping twice is harmless: an active signup is returned as it is. The signup's ``shift`` is
    the shift as this call left it (places taken), with its line and its ``called_off``.

    Statements: the lock (``_lock_shift``), one insert that a signup already there turns into
    nothing, the counters, the audit entry and the confirmation; the permission and the call-out
    are judged from the person's memberships and roles, loaded once per request.
    """
    shift = _lock_shift(shift_id if shift_id is not None else shift.pk)
    line = shift.picket_line
    union_id = line.strike_day.dispute.union_id
    viewer = viewer_for(user)
    if not viewer.may(Action.SIGN_UP, line.school, union=union_id):
        raise NotAllowed(
            "You can only sign up at your own school's picket lines.", code="not_your_school"
        )
    _refuse_if_not_called_out(viewer, line, called_groups=shift.called_groups)
    try:
        _refuse_if_closed(shift)
    except DomainError:
        existing = Signup.objects.filter(shift=shift, user=user, status__in=ACTIVE).first()
        if existing is not None:  # a second tap after the shift closed: nothing to undo
            existing.shift = shift
            return existing
        raise

    has_place = shift.booked < shift.capacity
    status = Signup.Status.REGISTERED if has_place else Signup.Status.WAITLISTED
    now = timezone.now()
    signup = Signup(
        shift=shift,
        user=user,
        status=status,
        nonce=scoped_nonce(action="signup", person=user.pk, nonce=nonce),
        created_at=now,
        updated_at=now,
    )
    # The shift's lock is held, so a signup already there (a second tap, or one cancelled
    # before) is committed and this inserts nothing; then it is read.
    inserted = insert_unless_exists(
        signup, conflict='"shift_id", "user_id"', where='"user_id" IS NOT NULL'
    )
    if inserted is not None:
        before = None
        action = "signup.create"
    else:
        signup = Signup.objects.get(shift=shift, user=user)
        signup.shift = shift
        if signup.status in ACTIVE:
            return signup
        before = signup.status
        signup.status = status
        # Back of the queue: the waitlist is ordered by when people (re)joined.
        signup.created_at = now
        signup.updated_at = now
        signup.save(update_fields=["status", "created_at", "updated_at"])
        action = "signup.reactivate"
    counters.signup_changed(shift=shift, signup=signup, before=before, line_locked=True)
    audit_log(
        actor=acting_user,
        action=action,
        obj=signup,
        shift_id=shift.pk,
        user_id=user.pk,
        status=signup.status,
    )
    _queue(Notification.Kind.CONFIRMATION, signup, shift, new_signup=before is None, user=user)
    return signup


def _refuse_if_not_called_out(
    viewer: Viewer, line: PicketLine, *, called_groups: list[str] | None
) -> None:
    """A member picketing their own workplace must be in a staff group called out there that
    day: only the balloted strike (an official joining a line they represent is not asked).
    ``called_groups``: the groups called out at the school that day (None: no such row)."""
    member = viewer.membership(line.strike_day.dispute.union_id)
    if member is None or not member.is_active or member.workplace_id != line.school_id:
        return
    if called_groups is not None and member.staff_group not in called_groups:
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


def _promote_first_waiting(shift: Shift) -> Signup | None:
    """Give the freed place to the first member on the waitlist (the caller counts it)."""
    waiting = (
        Signup.objects.select_for_update()
        .filter(shift=shift, status=Signup.Status.WAITLISTED, is_supporter=False)
        .order_by("created_at", "id")
        .first()
    )
    if waiting is None:
        return None
    waiting.status = Signup.Status.REGISTERED
    waiting.updated_at = timezone.now()
    waiting.save(update_fields=["status", "updated_at"])
    return waiting


def _lock_signup(signup_id: int) -> Signup:
    """Lock a signup with its shift and line, in the order every sign-up takes them (the shift,
    its line, then the signup; one statement), with what the line hangs from and the call-out
    (as ``_lock_shift``). ``Signup.DoesNotExist`` when there is none."""
    signup = _with_call_out(
        Signup.objects.select_for_update(of=("shift", "shift__picket_line", "self")).select_related(
            *(f"shift__picket_line__{path}" for path in LINE_RELATED)
        ),
        prefix="shift__",
    ).get(pk=signup_id)
    signup.shift.called_groups = signup.called_groups
    signup.shift.called_off = signup.called_off
    return signup


@transaction.atomic
def signup_cancel(
    *,
    acting_user: Any,
    signup: Signup | None = None,
    signup_id: int | None = None,
    own_only: bool = False,
) -> Signup:
    """Cancel a signup (or the signup ``signup_id``); a freed place goes to the first on the
    waitlist, who is told. ``Signup.DoesNotExist`` when there is none (or, with ``own_only``,
    when it is not the acting person's own); ``NotAllowed`` unless it is their own or they run
    its line.

    The returned signup's ``shift`` is the shift as this call left it, with its line and its
    ``called_off``. A cancel that hands its place on moves no counter (one place freed, one
    taken).
    """
    signup = _lock_signup(signup_id if signup_id is not None else signup.pk)
    shift = signup.shift
    if own_only and signup.user_id != getattr(acting_user, "pk", None):
        raise Signup.DoesNotExist("No such sign-up.")
    if not _may_cancel(acting_user, signup, shift):
        raise NotAllowed("You can only cancel your own sign-ups.")
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
    changes: list[tuple[Signup, str | None, str | None]] = [(signup, before, signup.status)]
    promoted = None
    if held_place and shift.cancelled_at is None:
        promoted = _promote_first_waiting(shift)
        if promoted is not None:
            changes.append((promoted, Signup.Status.WAITLISTED, promoted.status))
    counters.signups_changed(shift=shift, changes=changes, line_locked=True)
    audit_log(
        actor=acting_user,
        action="signup.cancel",
        obj=signup,
        shift_id=shift.pk,
        user_id=signup.user_id,
        held_place=held_place,
    )
    if promoted is not None:
        audit_log(
            actor=acting_user,
            action="signup.promote",
            obj=promoted,
            shift_id=shift.pk,
            user_id=promoted.user_id,
        )
        if promoted.user_id is not None:
            _queue(Notification.Kind.WAITLIST_PROMOTED, promoted, shift, user=promoted.user)
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
    counters.signup_changed(shift=shift, signup=signup, before=None, line_locked=True)
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
