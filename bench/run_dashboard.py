"""Time the strike-day dashboard against the national data set of ``bench/generate.py``.

    .venv/bin/python bench/run_dashboard.py [-n 50]

Each case is requested ``n`` times in this process with Django's test Client (the whole request:
middleware, session, permission checks, SQL, template), after 3 warm-up requests, and the server
time of each is recorded; p50 and p95 are printed with the SQL queries per request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from members.models import User
    from strikes.models import StrikeDay

    day = StrikeDay.objects.order_by("-pk").first()
    if day is None:
        raise SystemExit("No strike day: run bench/generate.py first.")
    url = reverse("strikes:dashboard", args=[day.pk])
    map_url = reverse("strikes:dashboard-map", args=[day.pk])
    htmx = {"HX-Request": "true"}
    cases = [
        ("national", "national@bench.invalid", url, {}),
        ("region", "region@bench.invalid", url, {}),
        ("district", "district@bench.invalid", url, {}),
        ("htmx refresh, national", "national@bench.invalid", url, htmx),
        ("htmx refresh, region", "region@bench.invalid", url, htmx),
        ("htmx refresh, district", "district@bench.invalid", url, htmx),
        ("map points, national", "national@bench.invalid", map_url, {}),
    ]
    print(f"Strike day {day.pk} ({day.date}); n={args.n} per case and mode")
    print("cold: the cache is emptied before every request (every request computes everything)")
    print("warm: as served, with the short cache (DASHBOARD_CACHE_SECONDS, map 60 s)\n")
    print(
        f"{'case':26} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9} "
        f"{'queries':>8} {'KB':>5}"
    )
    for name, email, path, headers in cases:
        client = Client()
        client.force_login(User.objects.get(email=email))
        for _ in range(3):
            client.get(path, headers=headers)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, (name, response.status_code)
        size = len(response.content) / 1024
        queries = len(ctx.captured_queries)
        figures = []
        for cold in (True, False):
            times = []
            for _ in range(args.n):
                if cold:
                    cache.clear()
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            figures += [statistics.median(times), percentile(times, 95)]
        print(
            f"{name:26} {figures[0]:9.1f} {figures[1]:9.1f} {figures[2]:9.1f} {figures[3]:9.1f} "
            f"{queries:8d} {size:5.0f}"
        )


if __name__ == "__main__":
    main()
