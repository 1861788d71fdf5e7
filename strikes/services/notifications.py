"""The notification outbox: writing a message row, and sending it.

Creating the row and sending it are separate steps. ``notification_enqueue`` writes a row with a
unique key (so the same message is never queued twice) and, once the transaction commits, hands
messages that are already due to a worker. Everything else waits for the beat sweep.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from kernel.db import insert_unless_exists
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
    notification = Notification(
        key=key,
        kind=kind,
        channel=channel,
        user=user,
        supporter=supporter,
        due_at=due,
        context=context or {},
        **about,
    )
    # One statement, no savepoint: a key already queued inserts nothing (kernel.db).
    if insert_unless_exists(notification, conflict='"key"') is None:
        return None
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
