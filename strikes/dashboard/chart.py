"""The dashboard's chart: reports and pickets reported per 15 minutes over the strike day's own
hours (London), as SVG bars. Takes rows already read and scoped (minutes since the chart's
start, reports, pickets).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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

    @property
    def window(self) -> str:
        """The hours shown, "06:00 to 16:00"."""
        if not self.buckets:
            return ""
        end = self.buckets[-1].starts + dt.timedelta(minutes=BUCKET_MINUTES)
        return f"{self.buckets[0].label} to {end:%H:%M}"


def _as_time(value: dt.time | str) -> dt.time:
    # A row made in this process may still hold the field's default as text ("07:30").
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


def chart_window(
    day: dt.date, starts_at: dt.time | str, ends_at: dt.time | str, tz: dt.tzinfo
) -> tuple[dt.datetime, dt.datetime]:
    """The chart's start and end on a strike day, in local time: the day's own hours, from the
    whole hour before it starts (pickets gather and report early) to the whole hour after it
    ends (the end of the day at the latest)."""
    starts, ends = _as_time(starts_at), _as_time(ends_at)
    start = dt.datetime.combine(day, dt.time(max(starts.hour - 1, 0)), tzinfo=tz)
    end_hour = ends.hour + (1 if ends.minute or ends.second else 0)
    if end_hour >= 24:
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    else:
        end = dt.datetime.combine(day, dt.time(end_hour), tzinfo=tz)
    return start, max(end, start + dt.timedelta(hours=1))


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
