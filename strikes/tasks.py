"""Celery tasks: interfaces that take ids and call services (see strikes.services)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def notification_send(self: object, notification_id: int) -> str:
    """Send one outbox row. Safe to run twice: the row is claimed in the database first."""
    from strikes.services.delivery import notification_deliver

    return notification_deliver(notification_id=notification_id)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def strike_day_announcement_queue(self: object, strike_day_id: int) -> int:
    """Queue a large strike day's announcement to the members it calls out. Safe to run twice."""
    from strikes.services.planning import strike_day_announcement_send

    return strike_day_announcement_send(strike_day_id=strike_day_id)


@shared_task(bind=True, acks_late=True, max_retries=5)
def notifications_send(self: Any, notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of outbox rows queued by the sweep, each claimed in the database first.

    Safe to run twice (a redelivered or retried batch skips what already went). One message
    failing does not stop the others; ids that hit a database error are retried with backoff
    in a smaller batch, and after the last retry they are left to their lease and the sweep.
    """
    from celery.utils.time import get_exponential_backoff_interval

    from strikes.services.delivery import notifications_deliver

    result = notifications_deliver(notification_ids=notification_ids)
    if result.retry_ids and self.request.retries < self.max_retries:
        countdown = get_exponential_backoff_interval(
            factor=1, retries=self.request.retries, maximum=600, full_jitter=True
        )
        raise self.retry(args=(result.retry_ids,), countdown=countdown)
    return dict(result.outcomes)


@shared_task(acks_late=True)
def notifications_sweep() -> int:
    """Beat: queue every message that has fallen due (and every expired lease)."""
    from strikes.services.delivery import notifications_queue_due

    return notifications_queue_due()


@shared_task(acks_late=True)
def reminders_schedule_task() -> dict[str, Any]:
    """Beat: write the reminder and digest rows for shifts coming up."""
    from strikes.services.reminders import reminders_schedule

    return reminders_schedule()


@shared_task(acks_late=True)
def support_messages_retention_task() -> int:
    """Beat, daily: after a dispute closes, clear senders' contacts from its messages of support
    and delete those never published (strikes.services.public.support_messages_retention)."""
    from django.conf import settings

    from strikes.services.public import support_messages_retention

    return support_messages_retention(older_than_days=settings.SUPPORT_CONTACT_DAYS_AFTER_DISPUTE)


@shared_task(acks_late=True)
def turnout_reminders_task() -> dict[str, int]:
    """Beat: the ballot reminders due (a week, two days, the last day), to those not yet voted."""
    from strikes.services.turnout import turnout_reminders_schedule

    return turnout_reminders_schedule()


@shared_task(acks_late=True)
def turnout_retention_task() -> dict[str, int]:
    """Beat (daily): delete the per-person marks of ballots closed past the retention time."""
    from strikes.services.turnout import turnout_marks_delete

    result = turnout_marks_delete()
    return {"ballots": len(result.ballots), "marks": result.marks, "messages": result.messages}
