"""Celery tasks: interfaces that take ids and call services (see strikes.services)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def notification_send(self: object, notification_id: int) -> str:
    from strikes.services.delivery import notification_deliver

    return notification_deliver(notification_id=notification_id)


@shared_task(acks_late=True)
def notifications_sweep() -> int:
    from strikes.services.delivery import notifications_queue_due

    return notifications_queue_due()
