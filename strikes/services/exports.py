"""Records of what left the app: each export of figures is an audit entry (ids and counts only)."""

from __future__ import annotations

from typing import Any

from kernel.audit import audit_log
from strikes.models import StrikeDay


def dashboard_exported(
    *, strike_day: StrikeDay, acting_user: Any, level: str, place_id: int | None, rows: int
) -> None:
    """Record a dashboard CSV export: the day, the level and place, and how many rows."""
    audit_log(
        actor=acting_user,
        action="dashboard.export",
        obj=strike_day,
        scope=level,
        place_id=place_id,
        rows=rows,
    )
