"""Celery tasks for people and data protection: interfaces that call services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True)
def retention_sweep_task() -> dict[str, Any]:
    """Monthly beat: every app anonymises what is older than the retention period (for strikes:
    the rosters of disputes closed that long ago)."""
    from members.privacy import retention_sweep

    figures: dict[str, Any] = {}
    for outcome in retention_sweep(older_than_days=settings.RETENTION_DAYS_AFTER_DISPUTE):
        figures.update(outcome.figures())
    return figures
