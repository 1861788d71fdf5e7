"""Map data for the one map component (``static/js/map.js``), public and dashboard alike.

The points travel as compact columns rather than one object per school, so a national day of
23,000 schools stays well under 150 KB compressed:

``{"v": 1, "q": 1000, "lat0": 49.0, "lng0": -11.0, "id": [...], "lat": [...], "lng": [...],
"s": "0120...", "names": [...], "statuses": [...], "url": "/.../{id}/"}``

- ``id``: school ids in ascending order, each given as the step from the one before;
- ``lat``/``lng``: ``round((value - lat0) * q)``, i.e. 0.001° (about 100 m), plenty for a dot;
- ``s``: one character per school, an index into ``statuses`` (the legend's keys);
- ``names``: the schools' names, only when there are few enough points to label them
  (``NAME_LIMIT``); otherwise a click opens the school's page, which names it;
- ``url``: where a click goes, with ``{id}`` for the school.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.cache import cache
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse

from schools.models import School
from strikes.models import CalledOutSchool

LAT0 = 49.0
LNG0 = -11.0
QUANTUM = 1000
NAME_LIMIT = 1500


def map_points_encode(
    rows: Iterable[tuple[int, float | None, float | None, int, str]],
    *,
    statuses: Sequence[str],
    url: str,
    names: bool | None = None,
) -> dict[str, Any]:
    """``rows``: (school id, latitude, longitude, status index, name); rows without
    coordinates are left off (they are still in the table beside the map)."""
    placed = sorted(
        (row for row in rows if row[1] is not None and row[2] is not None), key=lambda r: r[0]
    )
    with_names = len(placed) <= NAME_LIMIT if names is None else names
    ids: list[int] = []
    lats: list[int] = []
    lngs: list[int] = []
    codes: list[str] = []
    labels: list[str] = []
    previous = 0
    for school_id, lat, lng, status, name in placed:
        ids.append(school_id - previous)
        previous = school_id
        lats.append(round((float(lat) - LAT0) * QUANTUM))  # type: ignore[arg-type]
        lngs.append(round((float(lng) - LNG0) * QUANTUM))  # type: ignore[arg-type]
        codes.append(str(status))
        if with_names:
            labels.append(name)
    data: dict[str, Any] = {
        "v": 1,
        "q": QUANTUM,
        "lat0": LAT0,
        "lng0": LNG0,
        "id": ids,
        "lat": lats,
        "lng": lngs,
        "s": "".join(codes),
        "statuses": list(statuses),
        "url": url,
    }
    if with_names:
        data["names"] = labels
    return data


def map_points_decode(data: dict[str, Any]) -> list[tuple[int, float, float, str]]:
    """The inverse, for tests: (school id, latitude, longitude, status key)."""
    out = []
    school_id = 0
    q = data["q"]
    for i, step in enumerate(data["id"]):
        school_id += step
        out.append(
            (
                school_id,
                round(data["lat0"] + data["lat"][i] / q, 6),
                round(data["lng0"] + data["lng"][i] / q, 6),
                data["statuses"][int(data["s"][i])],
            )
        )
    return out


# --- The dashboard's map ---------------------------------------------------------------------

DASHBOARD_MAP_STATUSES = ("not_reported", "closed", "restricted", "open")
DASHBOARD_MAP_CACHE_SECONDS = 60


def dashboard_map_data(*, scope: Any) -> dict[str, Any]:
    """The schools in a dashboard's scope, coloured by their reported status (one query, two
    with names where there are few enough to show), shared for a minute by everyone watching
    the same place. ``scope``: a dashboard Scope."""
    # Imported here: the dashboard's selectors may import this module's encoder.
    from strikes.selectors.dashboard import _past_status

    key = scope.cache_key("map-points")
    found = cache.get(key)
    if found is not None:
        return found
    qs = CalledOutSchool.objects.filter(scope.filter_q, cancelled_at__isnull=True)
    if scope.from_counters:
        # The status's place in DASHBOARD_MAP_STATUSES, worked out by PostgreSQL: a national
        # day is 23,000 rows, and reading each one's report time only to test it for NULL
        # was half the request.
        code = Case(
            When(reported_at__isnull=True, then=Value(0)),
            *(
                When(status=name, then=Value(i))
                for i, name in enumerate(DASHBOARD_MAP_STATUSES)
                if i
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
        rows = list(
            qs.annotate(code=code).values_list(
                "school_id", "school__latitude", "school__longitude", "code"
            )
        )
    else:
        index = {name: i for i, name in enumerate(DASHBOARD_MAP_STATUSES)}
        rows = [
            (sid, lat, lng, index.get(past or "", 0))
            for sid, lat, lng, past in qs.annotate(
                past=_past_status(scope, scope.as_of)
            ).values_list("school_id", "school__latitude", "school__longitude", "past")
        ]
    # Names only where the map shows them (a few hundred schools, one more query).
    names: dict[int, str] = {}
    if len(rows) <= NAME_LIMIT:
        names = dict(
            School.objects.filter(pk__in=[row[0] for row in rows]).values_list("pk", "name")
        )
    points = ((sid, lat, lng, code, names.get(sid, "")) for sid, lat, lng, code in rows)
    url = reverse("strikes:dashboard-school", args=[scope.strike_day.pk, 0])[:-2] + "{id}/"
    data = map_points_encode(
        points, statuses=DASHBOARD_MAP_STATUSES, url=url, names=len(rows) <= NAME_LIMIT
    )
    cache.set(key, data, DASHBOARD_MAP_CACHE_SECONDS)
    return data
