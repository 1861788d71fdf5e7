"""Reads for the outbox: messages about the places where the viewer has a dashboard."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from members.permissions import Action, Viewer
from strikes.models import Notification, Signup


def notifications_for_viewer(*, viewer: Viewer, status: str = "") -> QuerySet[Notification]:
    """Outbox rows about places where the viewer may see the dashboard, newest first.

    A row is in scope through its own school/district (digests, nudges, escalations) or through
    its signup's picket line, and only for the viewer's own unions.
    """
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


def notification_counts_for_viewer(*, viewer: Viewer) -> dict[str, int]:
    """How many of the viewer's outbox rows are in each status."""
    return dict(
        notifications_for_viewer(viewer=viewer)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )


def signup_for_link(*, signup_id: int) -> Signup | None:
    """The member's signup a reminder link names (the link's signature is the access check)."""
    return (
        Signup.objects.select_related(
            "user", "shift__picket_line__school", "shift__picket_line__entrance"
        )
        .filter(pk=signup_id, user__isnull=False)
        .first()
    )
