"""Changes a rep made offline on strike morning, sent later in the order they were made.

The browser queues each change with a nonce and the time the rep acted
(``static/js/offline.js``); ``apply_offline_actions`` applies each exactly once, by nonce,
and answers what became of it: applied, already applied (a replayed queue), or refused with
the reason. Each change is its own transaction, so one refusal never loses the others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError
from kernel.nonces import scoped_nonce
from members.permissions import Action, Viewer, viewer_for
from strikes.models import PicketLine, Shift, Signup, StrikeDay, SyncedAction
from strikes.services import lines as line_svc
from strikes.services.lines import london_at

APPLIED = "applied"
ALREADY = "already"
REFUSED = "refused"


@dataclass(frozen=True)
class OfflineAction:
    """One queued change, parsed (``strikes.forms.sync``). Ids are as the page had them."""

    nonce: str
    kind: str
    line_id: int
    acted_at: dt.datetime | None = None
    signup_id: int | None = None
    walk_up_nonce: str = ""
    shift_id: int | None = None
    name: str = ""
    is_supporter: bool = False
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SyncResult:
    nonce: str
    status: str  # applied | already | refused
    code: str = ""
    message: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "nonce": self.nonce,
            "status": self.status,
            "code": self.code,
            "message": self.message,
        }


class _Refusal(DomainError):
    pass


def acted_at_bounded(acted_at: dt.datetime | None, *, strike_day: StrikeDay) -> dt.datetime:
    """When the rep acted, as the phone said, kept within what can be true: never in the future
    (a phone clock ahead) and never before the strike day began (00:00 in London)."""
    now = timezone.now()
    if acted_at is None or acted_at > now:
        return now
    return max(acted_at, min(london_at(strike_day.date, "00:00"), now))


def apply_offline_actions(*, actions: list[OfflineAction], acting_user: Any) -> list[SyncResult]:
    """Apply each queued change in order, each once; answer what became of each."""
    viewer = viewer_for(acting_user)
    return [_apply_one(action=a, acting_user=acting_user, viewer=viewer) for a in actions]


@transaction.atomic
def _apply_one(*, action: OfflineAction, acting_user: Any, viewer: Viewer) -> SyncResult:
    done = SyncedAction.objects.filter(user=acting_user, nonce=action.nonce).first()
    if done is not None:
        return _already(done)
    line = (
        PicketLine.objects.select_related("strike_day__dispute", "school")
        .filter(pk=action.line_id)
        .first()
    )
    # The claim comes first: a second copy of this change sent at the same moment waits on
    # the unique nonce until this one commits, then finds it.
    claim = SyncedAction(
        user=acting_user,
        nonce=action.nonce,
        kind=action.kind,
        picket_line=line,
        outcome=SyncedAction.Outcome.APPLIED,
        acted_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        return _already(SyncedAction.objects.get(user=acting_user, nonce=action.nonce))
    try:
        if line is None or not viewer.may(
            Action.RUN_LINE, line.school, union=line.strike_day.dispute.union_id
        ):
            raise _Refusal(
                "That picket line is not one you run, so the change was not applied.",
                code="not_found",
            )
        claim.acted_at = acted_at_bounded(action.acted_at, strike_day=line.strike_day)
        with transaction.atomic():
            _apply(action=action, line=line, acted_at=claim.acted_at, acting_user=acting_user)
    except DomainError as exc:
        claim.outcome = SyncedAction.Outcome.REFUSED
        claim.code = exc.code[:40]
        claim.message = exc.message[:300]
    claim.save(update_fields=["outcome", "code", "message", "acted_at"])
    audit_log(
        actor=acting_user,
        action="offline_action.synced",
        obj=claim,
        kind=action.kind,
        outcome=claim.outcome,
        picket_line_id=line.pk if line is not None else None,
    )
    if claim.outcome == SyncedAction.Outcome.REFUSED:
        return SyncResult(action.nonce, REFUSED, claim.code, claim.message)
    return SyncResult(action.nonce, APPLIED)


def _already(done: SyncedAction) -> SyncResult:
    if done.outcome == SyncedAction.Outcome.REFUSED:
        return SyncResult(done.nonce, REFUSED, done.code, done.message)
    return SyncResult(done.nonce, ALREADY, "", "Already sent.")


def _live_shift(shift: Shift) -> None:
    if shift.cancelled_at is not None:
        raise _Refusal("The shift was cancelled, so this was not applied.", code="removed")


def _signup(*, action: OfflineAction, line: PicketLine, acting_user: Any) -> Signup:
    found = Signup.objects.select_related("shift").filter(shift__picket_line=line)
    if action.signup_id is not None:
        found = found.filter(pk=action.signup_id)
    elif action.walk_up_nonce:
        # The walk-up added offline from this phone: stored under the rep's scoped nonce.
        nonce = scoped_nonce(action="walk_up", person=acting_user.pk, nonce=action.walk_up_nonce)
        found = found.filter(nonce=nonce, is_walk_up=True)
    else:
        found = found.none()
    signup = found.first()
    if signup is None:
        raise _Refusal("That person is no longer on this line's list.", code="not_found")
    return signup


def _shift(*, action: OfflineAction, line: PicketLine) -> Shift:
    shift = Shift.objects.filter(picket_line=line, pk=action.shift_id).first()
    if shift is None:
        raise _Refusal("That shift is no longer on this line.", code="not_found")
    return shift


def _apply(*, action: OfflineAction, line: PicketLine, acted_at: dt.datetime, acting_user: Any):
    if line.strike_day.status == StrikeDay.Status.CANCELLED:
        raise _Refusal(
            "The strike day was cancelled, so this was not applied.", code="day_cancelled"
        )
    kind = action.kind
    if kind == SyncedAction.Kind.CHECK_IN:
        signup = _signup(action=action, line=line, acting_user=acting_user)
        _live_shift(signup.shift)
        line_svc.signup_check_in(signup=signup, acting_user=acting_user, acted_at=acted_at)
    elif kind == SyncedAction.Kind.UNDO:
        signup = _signup(action=action, line=line, acting_user=acting_user)
        line_svc.signup_check_in_undo(signup=signup, acting_user=acting_user)
    elif kind == SyncedAction.Kind.WALK_UP:
        shift = _shift(action=action, line=line)
        _live_shift(shift)
        line_svc.signup_walk_up_add(
            shift=shift,
            name=action.name,
            nonce=action.nonce,
            is_supporter=action.is_supporter,
            acting_user=acting_user,
            acted_at=acted_at,
        )
    elif kind == SyncedAction.Kind.NO_SHOW:
        shift = _shift(action=action, line=line)
        _live_shift(shift)
        line_svc.shift_mark_no_shows(shift=shift, acting_user=acting_user)
    elif kind == SyncedAction.Kind.REPORT:
        line_svc.picket_report_create(
            picket_line=line,
            acting_user=acting_user,
            nonce=action.nonce,
            acted_at=acted_at,
            **action.report,
        )
    else:
        raise _Refusal("This kind of change is not known.", code="bad_form")
