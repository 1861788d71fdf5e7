"""Celery tasks for people and data protection: interfaces that call services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True)
def retention_sweep_task() -> dict[str, Any]:
    """Monthly beat: anonymise rosters of disputes closed longer ago than the retention period."""
    from members.privacy import disputes_anonymise_closed

    result = disputes_anonymise_closed(older_than_days=settings.RETENTION_DAYS_AFTER_DISPUTE)
    return {
        "disputes": len(result.disputes),
        "signups": result.signups,
        "supporters_deleted": result.supporters_deleted,
    }
