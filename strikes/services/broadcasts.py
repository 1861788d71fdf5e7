"""Broadcasts: an organiser writes one message to the reps or the members of their place."""

from __future__ import annotations

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


def _recipients(scope: BroadcastScope, audience: str) -> list[tuple[int, int, int]]:
    """(user id, school id, district id) of everyone the broadcast goes to."""
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
    rows = rows.filter(user__is_active=True, user__reminders_opt_out=False)
    seen: dict[int, tuple[int, int, int]] = {}
    for user_id, school_id, district_id in rows.values_list(*fields):
        seen.setdefault(user_id, (user_id, school_id, district_id))
    return list(seen.values())


@transaction.atomic
def broadcast_send(
    *, scope_key: str, audience: str, subject: str, message: str, nonce: str, acting_user: Any
) -> int:
    """Queue the message for everyone in the audience; returns how many were queued.

    The form's nonce is part of each row's key, so a double tap or a retry queues nothing twice.
    """
    scope = next((s for s in broadcast_scopes(user=acting_user) if s.key == scope_key), None)
    if scope is None:
        raise NotAllowed("You can only send messages to your own area.")
    if audience not in AUDIENCES:
        raise DomainError("Choose who the message is for: reps or members.", code="audience")
    if not subject.strip() or not message.strip():
        raise DomainError("Write a subject and a message.", code="empty")
    sent = scoped_nonce(action="broadcast", person=getattr(acting_user, "pk", None), nonce=nonce)
    recipients = _recipients(scope, audience)
    rows = [
        Notification(
            key=f"broadcast:{sent[:40]}:{user_id}",
            kind=Notification.Kind.BROADCAST,
            user_id=user_id,
            school_id=school_id,
            district_id=district_id,
            context={"subject": subject.strip()[:150], "text": message.strip()[:5000]},
        )
        for user_id, school_id, district_id in recipients
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    audit_log(
        actor=acting_user,
        action="broadcast.send",
        obj=None,
        scope=scope.label,
        audience=audience,
        recipients=len(created),
    )
    transaction.on_commit(_sweep_now)
    return len(recipients)


def _sweep_now() -> None:
    from strikes.tasks import notifications_sweep

    try:
        notifications_sweep.delay()
    except Exception:  # noqa: BLE001 - broker down: beat's sweep sends them when it is back
        logger.warning("Broker unavailable; the broadcast waits for the next sweep.")
