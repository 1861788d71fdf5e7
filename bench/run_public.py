"""Time the public pages against the national data set of ``bench/generate.py``.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pl_bench_public \\
        .venv/bin/python bench/run_public.py [-n 100]

The latest strike day and its dispute are published (by a national organiser, through the
service) if they are not already. Each page is requested ``n`` times, anonymously, with Django's
test Client in this process (the whole request: middleware, SQL, template), after 3 warm-up
requests: "cold" with the cache emptied before each request (every page rendered afresh),
"warm" as served (the rendered page from the shared cache, as for every visitor but the first
in a minute).
Printed per page: p50 and p95 server time in ms, the size and the gzip size.
Targets: public pages p95 <= 30 ms warm; the national map's data <= 150 KB compressed.
"""

from __future__ import annotations

import argparse
import gzip
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
    parser.add_argument("-n", type=int, default=100)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.cache import cache
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from members.models import Role
    from strikes.models import CalledOutSchool, PublicPage, StrikeDay
    from strikes.services.public import public_page_publish

    day = StrikeDay.objects.select_related("dispute__union").order_by("-pk").first()
    if day is None:
        raise SystemExit("No strike day: run bench/generate.py first.")
    organiser = Role.objects.filter(
        kind=Role.Kind.NATIONAL_ORGANISER, union=day.dispute.union
    ).first()
    if organiser is None:
        raise SystemExit("No national organiser in the bench data.")
    if not PublicPage.objects.filter(strike_day=day, published_at__isnull=False).exists():
        public_page_publish(
            acting_user=organiser.user,
            strike_day=day,
            about="A fully funded pay rise for every teacher and support worker.",
        )
    if not PublicPage.objects.filter(dispute=day.dispute, published_at__isnull=False).exists():
        public_page_publish(acting_user=organiser.user, dispute=day.dispute, about="Pay.")
    biggest = (
        CalledOutSchool.objects.filter(strike_day=day)
        .values("district_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    school_id = (
        CalledOutSchool.objects.filter(strike_day=day, cancelled_at__isnull=True)
        .values_list("school_id", flat=True)
        .first()
    )
    day_url = reverse("strikes:public-day", args=[day.pk])
    cases = [
        ("day, national (areas)", day_url),
        (f"day, largest district ({biggest['n']})", f"{day_url}?district={biggest['district_id']}"),
        ("school", reverse("strikes:public-day-school", args=[day.pk, school_id])),
        ("dispute", reverse("strikes:public-dispute", args=[day.dispute.pk])),
        ("map.json, national", reverse("strikes:public-day-map", args=[day.pk])),
    ]
    print(f"Strike day {day.pk} ({day.date}); n={args.n} per page, anonymous, warm\n")
    print(
        f"{'page':30} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9} "
        f"{'KB':>7} {'KB gz':>7}"
    )
    client = Client()
    for name, path in cases:
        for _ in range(3):
            client.get(path)
        cold = []
        for _ in range(max(args.n // 5, 3)):
            cache.clear()
            start = time.perf_counter()
            client.get(path)
            cold.append((time.perf_counter() - start) * 1000)
        cache.clear()
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        warm = []
        for _ in range(args.n):
            start = time.perf_counter()
            client.get(path)
            warm.append((time.perf_counter() - start) * 1000)
        body = response.content
        print(
            f"{name:30} {statistics.median(cold):9.1f} {percentile(cold, 95):9.1f} "
            f"{statistics.median(warm):9.1f} {percentile(warm, 95):9.1f} "
            f"{len(body) / 1024:7.1f} "
            f"{len(gzip.compress(body)) / 1024:7.1f}"
        )


if __name__ == "__main__":
    main()
