"""Navigation that fits the signed-in person's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from members.permissions import viewer_for
from members.selectors import audit_viewer_allowed


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    viewer = viewer_for(user)
    if viewer.is_anonymous:
        return {"nav": {"signed_in": False}}
    return {
        "nav": {
            "signed_in": True,
            "is_member": bool(viewer.memberships),
            "is_rep": bool(viewer.rep_school_ids),
            "is_officer": viewer.is_officer,
            "can_audit": audit_viewer_allowed(user),
        }
    }
