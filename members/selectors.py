"""Reads about people, scoped to who is asking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from kernel.errors import Refused
from kernel.models import AuditEntry
from members.models import Supporter

AUDIT_PERMISSION = "kernel.view_auditentry"


def audit_viewer_allowed(user: Any) -> bool:
    """The data officer: staff holding the audit permission, or a superuser."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user.is_staff and user.has_perm(AUDIT_PERMISSION))


def audit_entries_search(
    *,
    viewer: Any,
    action: str = "",
    actor_email: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    object_type: str = "",
    object_id: str = "",
) -> QuerySet[AuditEntry]:
    """Audit entries matching the filters, newest first. Only the data officer may search."""
    if not audit_viewer_allowed(viewer):
        raise Refused("Only the union's data officer can read the audit log.")
    qs = AuditEntry.objects.select_related("actor").order_by("-at", "-id")
    if action:
        qs = qs.filter(action__istartswith=action.strip())
    if actor_email:
        qs = qs.filter(actor__email__iexact=actor_email.strip())
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    if object_type:
        qs = qs.filter(object_type__icontains=object_type.strip())
    if object_id:
        qs = qs.filter(object_id=object_id.strip())
    return qs


def supporter_by_token(token: str) -> Supporter | None:
    """The supporter whose private link this is (None once erased or for a wrong token)."""
    return Supporter.objects.filter(token=token, erased_at__isnull=True).first()
