"""The dashboard's chart: reports and pickets reported per 15 minutes, 06:00–12:00 London, as
SVG bars. Takes rows already read and scoped (minutes since the chart's start, reports, pickets).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

CHART_START = dt.time(6, 0)
CHART_END = dt.time(12, 0)
BUCKET_MINUTES = 15


@dataclass
class Bucket:
    starts: dt.datetime
    reports: int = 0
    pickets: int = 0

    @property
    def label(self) -> str:
        return f"{self.starts:%H:%M}"


@dataclass
class Chart:
    buckets: list[Bucket]
    max_reports: int
    max_pickets: int
    width: int = 720
    height: int = 220
    bars: list[dict[str, Any]] = field(default_factory=list)
    top: int = 1


def chart_window(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The chart's start and end on a strike day, in local time."""
    return (
        dt.datetime.combine(day, CHART_START, tzinfo=tz),
        dt.datetime.combine(day, CHART_END, tzinfo=tz),
    )


def chart_draw(*, start: dt.datetime, end: dt.datetime, rows: Iterable[dict[str, Any]]) -> Chart:
    """Bucket rows (``m``: minutes since ``start``, ``n``: reports, ``p``: pickets) into
    15-minute bars between ``start`` and ``end``; rows outside the window are left out."""
    count = int((end - start).total_seconds() // (BUCKET_MINUTES * 60))
    buckets = [
        Bucket(starts=start + dt.timedelta(minutes=BUCKET_MINUTES * i)) for i in range(count)
    ]
    for row in rows:
        index = int(row["m"]) // BUCKET_MINUTES
        if 0 <= index < count:
            buckets[index].reports += row["n"]
            buckets[index].pickets += row["p"] or 0
    max_reports = max((b.reports for b in buckets), default=0)
    max_pickets = max((b.pickets for b in buckets), default=0)
    chart = Chart(buckets=buckets, max_reports=max_reports, max_pickets=max_pickets)
    plot_h = chart.height - 40
    slot = (chart.width - 40) / count
    top = max(max_reports, max_pickets, 1)
    for i, b in enumerate(buckets):
        x = 30 + i * slot
        rh = plot_h * b.reports / top
        ph = plot_h * b.pickets / top
        chart.bars.append(
            {
                "bucket": b,
                "rx": round(x + 1, 1),
                "ry": round(10 + plot_h - rh, 1),
                "rh": round(rh, 1),
                "px": round(x + slot / 2, 1),
                "py": round(10 + plot_h - ph, 1),
                "ph": round(ph, 1),
                "w": round(slot / 2 - 1, 1),
                "tick": b.starts.minute == 0,
                "tx": round(x, 1),
            }
        )
    chart.top = top
    return chart
