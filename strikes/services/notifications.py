"""The notification outbox: writing a message row, and sending it.

Creating the row and sending it are separate steps. ``notification_enqueue`` writes a row with a
unique key (so the same message is never queued twice) and, once the transaction commits, hands
messages that are already due to a worker. Everything else waits for the beat sweep.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from strikes.models import Notification


def notification_enqueue(
    *,
    key: str,
    kind: str,
    user: Any = None,
    supporter: Any = None,
    due_at: datetime | None = None,
    channel: str | None = None,
    context: dict[str, Any] | None = None,
    **about: Any,
) -> Notification | None:
    """Queue one message; returns None when a message with this key already exists.

    ``about`` takes the rows it concerns (``signup=``, ``strike_day=``, ``school=``,
    ``district=``); ``context`` holds ids and small facts, never personal details.
    """
    if channel is None:
        channel = getattr(user, "preferred_channel", None) or (
            Notification.Channel.EMAIL
            if supporter is None or supporter.email
            else Notification.Channel.SMS
        )
    due = due_at or timezone.now()
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                key=key,
                kind=kind,
                channel=channel,
                user=user,
                supporter=supporter,
                due_at=due,
                context=context or {},
                **about,
            )
    except IntegrityError:
        if Notification.objects.filter(key=key).exists():
            return None
        raise
    if due <= timezone.now():
        from strikes.tasks import notification_send

        transaction.on_commit(lambda: _hand_to_worker(notification_send, notification.pk))
    return notification


def _hand_to_worker(task: Any, notification_id: int) -> None:
    """Queue the send; if the broker is down, the beat sweep picks the row up later."""
    try:
        task.delay(notification_id)
    except Exception:  # noqa: BLE001 - any broker failure: the row stays due for the sweep
        import logging

        logging.getLogger(__name__).warning(
            "Broker unavailable; notification %s waits for the sweep.", notification_id
        )


# --- Reading the outbox ---------------------------------------------------------------------

OUTBOX_ACTION = "view_dashboard"  # reps for their school, officers for their area


def outbox_visible_to(viewer: Any) -> bool:
    """Reps and officers see the outbox for their place; members and anonymous people do not."""
    from members.permissions import ALLOWED_KINDS, Action

    kinds = ALLOWED_KINDS[Action.VIEW_DASHBOARD]
    return not viewer.is_anonymous and any(r.kind in kinds for r in viewer.roles)


def notifications_for_viewer(*, viewer: Any, status: str = "") -> Any:
    """Outbox rows about places where the viewer may see the dashboard, newest first.

    A row is in scope through its own school/district (digests, nudges, escalations) or through
    its signup's picket line, and only for the viewer's own unions.
    """
    from django.db.models import Q

    from members.permissions import Action

    scope = Q(pk__in=[])
    for union_id in viewer.union_ids:
        direct = viewer.area_q(
            Action.VIEW_DASHBOARD,
            union=union_id,
            school="school_id",
            district="district_id",
            region="district__region_id",
        ) & Q(strike_day__dispute__union_id=union_id)
        via = "signup__shift__picket_line__"
        by_signup = viewer.area_q(
            Action.VIEW_DASHBOARD,
            union=union_id,
            school=f"{via}school_id",
            district=f"{via}district_id",
            region=f"{via}region_id",
        ) & Q(**{f"{via}strike_day__dispute__union_id": union_id})
        scope |= direct | by_signup
    rows = Notification.objects.filter(scope)
    if status in Notification.Status.values:
        rows = rows.filter(status=status)
    return rows.select_related(
        "user",
        "supporter",
        "school",
        "district",
        "signup__shift__picket_line__school",
        "signup__shift__picket_line__entrance",
    ).order_by("-due_at", "-id")
