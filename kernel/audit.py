"""The audit trail: who did what to which row. Ids and actions only, never notes or contacts."""

from __future__ import annotations

from typing import Any

from django.db import models

from kernel.models import AuditEntry


def audit_log(
    *, actor: Any, action: str, obj: models.Model | None = None, **detail: Any
) -> AuditEntry:
    """Append one entry. ``detail`` holds ids and counts (scope, filters), never personal data."""
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor_id = None
    return AuditEntry.objects.create(
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
    )


CONTACT_DETAILS_VIEWED = "contact_details.viewed"


def contact_details_viewed(*, actor: Any, page: str, count: int) -> AuditEntry | None:
    """Record that ``actor`` was shown the email or phone of ``count`` other people on ``page``
    (a URL name or an admin page). Never the details themselves. Nothing when nobody was shown.

    Call it from every page that shows another person's email or phone; pages that show names
    only do not call it.
    """
    if count <= 0:
        return None
    return audit_log(actor=actor, action=CONTACT_DETAILS_VIEWED, page=page, count=count)
