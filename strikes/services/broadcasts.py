"""Broadcasts: an organiser writes one message to the reps or the members of their place."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from kernel.audit import audit_log
from kernel.errors import DomainError, NotAllowed
from kernel.nonces import scoped_nonce
from members.models import Membership, Role
from members.permissions import viewer_for
from strikes.models import Notification
from strikes.services.notifications import notification_enqueue
from strikes.sms import SmsLength, sms_length

logger = logging.getLogger(__name__)

AUDIENCES = {"reps": "workplace reps", "members": "members"}


@dataclass(frozen=True)
class BroadcastScope:
    """A place an officer may broadcast to: their own role's place."""

    key: str
    label: str
    union_id: int
    level: str  # "national", "region" or "district"
    place_id: int | None = None

    def school_filter(self, school_field: str) -> Q:
        """Rows whose school (reached through ``school_field``) lies in this place."""
        if self.level == "region":
            return Q(**{f"{school_field}__district__region_id": self.place_id})
        if self.level == "district":
            return Q(**{f"{school_field}__district_id": self.place_id})
        return Q()


def broadcast_scopes(*, user: Any) -> list[BroadcastScope]:
    """The places this person may broadcast to: one per officer role (the roles that hold
    ``Action.BROADCAST`` in members.permissions)."""
    viewer = viewer_for(user)
    scopes = []
    for role in viewer.roles:
        if role.kind == Role.Kind.NATIONAL_ORGANISER:
            scopes.append(
                BroadcastScope(str(role.pk), f"All of the {role.union}", role.union_id, "national")
            )
        elif role.kind == Role.Kind.REGIONAL_OFFICER:
            scopes.append(
                BroadcastScope(
                    str(role.pk), f"{role.region} region", role.union_id, "region", role.region_id
                )
            )
        elif role.kind == Role.Kind.DISTRICT_OFFICER:
            scopes.append(
                BroadcastScope(
                    str(role.pk),
                    f"{role.district} district",
                    role.union_id,
                    "district",
                    role.district_id,
                )
            )
    return scopes


def _scope_for(*, scope_key: str, audience: str, acting_user: Any) -> BroadcastScope:
    scope = next((s for s in broadcast_scopes(user=acting_user) if s.key == scope_key), None)
    if scope is None:
        raise NotAllowed("You can only send messages to your own area.")
    if audience not in AUDIENCES:
        raise DomainError("Choose who the message is for: reps or members.", code="audience")
    return scope


def _check_text(subject: str, message: str) -> None:
    if not subject.strip() or not message.strip():
        raise DomainError("Write a subject and a message.", code="empty")


def _recipients(scope: BroadcastScope, audience: str) -> list[tuple[int, int, int]]:
    """(user id, school id, district id) of everyone the broadcast goes to, by user id.

    The one selector of who a broadcast reaches: the preview counts with it and the send
    queues with it, so the number shown before sending is the number sent. People who chose
    "only the essentials" and closed accounts are left out.
    """
    if audience == "reps":
        rows = Role.objects.filter(
            scope.school_filter("school"), union_id=scope.union_id, kind=Role.Kind.REP
        )
        fields = ("user_id", "school_id", "school__district_id")
    else:
        rows = Membership.objects.filter(
            scope.school_filter("workplace"),
            union_id=scope.union_id,
            is_active=True,
            workplace__isnull=False,
        )
        fields = ("user_id", "workplace_id", "workplace__district_id")
    rows = rows.filter(
        user__is_active=True, user__reminders_opt_out=False, user__erased_at__isnull=True
    )
    seen: dict[int, tuple[int, int, int]] = {}
    for user_id, school_id, district_id in rows.values_list(*fields):
        seen.setdefault(user_id, (user_id, school_id, district_id))
    return [seen[user_id] for user_id in sorted(seen)]


# --- The preview ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BroadcastPreview:
    scope: BroadcastScope
    audience: str
    recipients: int
    subject: str
    text: str
    sms: str
    sms_length: SmsLength


def _draft(*, user: Any, subject: str, message: str, key: str = "") -> Notification:
    return Notification(
        key=key,
        kind=Notification.Kind.BROADCAST,
        user=user,
        context={"subject": subject.strip()[:150], "text": message.strip()[:5000]},
    )


def broadcast_preview(
    *, scope_key: str, audience: str, subject: str, message: str, acting_user: Any
) -> BroadcastPreview:
    """What the broadcast will look like (the email's subject and text, the text message and
    its length) and exactly how many people it goes to, before anything is sent. Writes
    nothing. The preview is shown with the author's own name where each person sees theirs."""
    from strikes.messages import message_render

    scope = _scope_for(scope_key=scope_key, audience=audience, acting_user=acting_user)
    _check_text(subject, message)
    rendered = message_render(_draft(user=acting_user, subject=subject, message=message))
    return BroadcastPreview(
        scope=scope,
        audience=audience,
        recipients=len(_recipients(scope, audience)),
        subject=rendered.subject,
        text=rendered.text,
        sms=rendered.sms,
        sms_length=sms_length(rendered.sms),
    )


@dataclass(frozen=True)
class BroadcastResult:
    recipients: int
    already_sent: bool = False


@transaction.atomic
def broadcast_send(
    *,
    scope_key: str,
    audience: str,
    subject: str,
    message: str,
    nonce: str,
    acting_user: Any,
    expected_recipients: int | None = None,
) -> BroadcastResult:
    """Queue the message for everyone in the audience.

    The form's nonce is part of each row's key, so a double tap or a retry queues nothing twice
    (and says so). ``expected_recipients`` is the count the author saw in the preview: when the
    audience has changed since, nothing is sent and the author is asked to look again.
    """
    scope = _scope_for(scope_key=scope_key, audience=audience, acting_user=acting_user)
    _check_text(subject, message)
    if not nonce:
        raise DomainError("The form was incomplete: open it again and resend.", code="no_nonce")
    sent = scoped_nonce(action="broadcast", person=getattr(acting_user, "pk", None), nonce=nonce)
    recipients = _recipients(scope, audience)
    prefix = f"broadcast:{sent[:40]}:"
    if recipients and Notification.objects.filter(key=f"{prefix}{recipients[0][0]}").exists():
        return BroadcastResult(recipients=len(recipients), already_sent=True)
    if expected_recipients is not None and expected_recipients != len(recipients):
        raise DomainError(
            f"The number of people this goes to has changed from {expected_recipients} to "
            f"{len(recipients)} since the preview. Check the preview and send again.",
            code="recipients_changed",
        )
    rows = [
        Notification(
            key=f"{prefix}{user_id}",
            kind=Notification.Kind.BROADCAST,
            user_id=user_id,
            school_id=school_id,
            district_id=district_id,
            context={"subject": subject.strip()[:150], "text": message.strip()[:5000]},
        )
        for user_id, school_id, district_id in recipients
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    audit_log(
        actor=acting_user,
        action="broadcast.send",
        obj=None,
        scope=scope.label,
        audience=audience,
        recipients=len(rows),
    )
    if rows:
        transaction.on_commit(_sweep_now)
    return BroadcastResult(recipients=len(rows))


@transaction.atomic
def broadcast_send_to_self(
    *, scope_key: str, audience: str, subject: str, message: str, nonce: str, acting_user: Any
) -> Notification | None:
    """Send the draft to its author only, through the same outbox, as the audience will get
    it. Returns None when this very draft was already sent to them with this nonce (a double
    tap); an edited draft goes again."""
    _scope_for(scope_key=scope_key, audience=audience, acting_user=acting_user)
    _check_text(subject, message)
    if not nonce:
        raise DomainError("The form was incomplete: open it again and resend.", code="no_nonce")
    person = getattr(acting_user, "pk", None)
    sent = scoped_nonce(action="broadcast-self", person=person, nonce=nonce)
    draft = hashlib.sha256(f"{subject.strip()}\x1f{message.strip()}".encode()).hexdigest()
    row = notification_enqueue(
        key=f"broadcast-self:{sent[:40]}:{draft[:16]}",
        kind=Notification.Kind.BROADCAST,
        user=acting_user,
        context={
            "subject": subject.strip()[:150],
            "text": message.strip()[:5000],
            "to_self": True,
        },
    )
    audit_log(actor=acting_user, action="broadcast.send_to_self", obj=None, queued=row is not None)
    return row


def _sweep_now() -> None:
    from strikes.tasks import notifications_sweep

    try:
        notifications_sweep.delay()
    except Exception:  # noqa: BLE001 - broker down: beat's sweep sends them when it is back
        logger.warning("Broker unavailable; the broadcast waits for the next sweep.")
