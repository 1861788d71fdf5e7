"""The dashboard's map: schools projected to Web Mercator pixels and drawn as one SVG path per
status, with the tiles of ``settings.MAP_TILE_URL`` behind them when one is set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

MAP_WIDTH = 600
# Not reported first, so the reported colours are drawn over the grey.
DRAW_ORDER = ("not_reported", "closed", "restricted", "open")
STATUSES = ("closed", "restricted", "open", "not_reported")


@dataclass
class MapData:
    paths: dict[str, str]
    counts: dict[str, int]
    view_box: str
    points: int
    tiles: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MapFrame:
    """Where each school sits on the map (``None``: no coordinates), the view box and the tiles
    behind. Schools do not move during a morning, so callers may keep a frame for a while and
    only colour it again."""

    points: dict[int, tuple[int, int] | None]
    view_box: str
    tiles: list[dict[str, Any]]


def map_draw(frame: MapFrame, statuses: list[tuple[int, str | None, Any]]) -> MapData:
    """Colour the frame's points: ``statuses`` are (school id, status, has a report) rows.
    Schools on the same pixel with the same colour share one dot."""
    paths: dict[str, list[str]] = {s: [] for s in DRAW_ORDER}
    counts = dict.fromkeys(STATUSES, 0)
    seen: set[tuple[str, int, int]] = set()
    for school_id, status, has_report in statuses:
        point = frame.points.get(school_id)
        if point is None:
            continue
        st = status if has_report and status in ("closed", "restricted", "open") else "not_reported"
        dot = (st, *point)
        if dot in seen:
            continue
        seen.add(dot)
        paths[st].append(f"M{point[0]} {point[1]}h0")
        counts[st] += 1
    return MapData(
        paths={s: "".join(p) for s, p in paths.items() if p},
        counts=counts,
        view_box=frame.view_box,
        points=len(seen),
        tiles=frame.tiles if seen else [],
    )


def mercator(lat: float, lng: float) -> tuple[float, float]:
    """Web Mercator, as a fraction of the world (0..1 each way), as tile servers use."""
    lat = max(min(lat, 85.0), -85.0)
    x = (lng + 180.0) / 360.0
    rad = math.radians(lat)
    y = (1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0
    return x, y


def map_project(rows: list[tuple[int, float | None, float | None]]) -> MapFrame:
    """Project (school id, latitude, longitude) rows to Web Mercator pixels at the zoom that
    makes the area ~600 px across, so tiles from ``settings.MAP_TILE_URL``
    (``.../{z}/{x}/{y}.png``) line up behind the points."""
    points: dict[int, tuple[int, int] | None] = {}
    projected: dict[int, tuple[float, float]] = {}
    for school_id, lat, lng in rows:
        if lat is None or lng is None:
            points[school_id] = None
        else:
            projected[school_id] = mercator(lat, lng)
    if not projected:
        return MapFrame(points=points, view_box="0 0 600 700", tiles=[])
    xs = [p[0] for p in projected.values()]
    ys = [p[1] for p in projected.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-5)
    zoom = max(0, min(16, int(math.log2(MAP_WIDTH / (span * 256)))))
    world = 256 * 2**zoom
    margin = 10
    left, top = min(xs) * world - margin, min(ys) * world - margin
    width = (max(xs) - min(xs)) * world + 2 * margin
    height = (max(ys) - min(ys)) * world + 2 * margin
    for school_id, (mx, my) in projected.items():
        points[school_id] = (round(mx * world - left), round(my * world - top))
    tiles = []
    template = settings.MAP_TILE_URL
    if template:
        for tx in range(int(left // 256), int((left + width) // 256) + 1):
            for ty in range(int(top // 256), int((top + height) // 256) + 1):
                if 0 <= tx < 2**zoom and 0 <= ty < 2**zoom:
                    url = template.replace("{z}", str(zoom)).replace("{x}", str(tx))
                    tiles.append(
                        {
                            "href": url.replace("{y}", str(ty)),
                            "x": round(tx * 256 - left),
                            "y": round(ty * 256 - top),
                        }
                    )
    return MapFrame(points=points, view_box=f"0 0 {round(width)} {round(height)}", tiles=tiles)
