"""Time ballot turnout tracking on the national data set of ``bench/generate.py`` (issue 17).

    .venv/bin/python bench/run_turnout.py [-n 50] [--marks 200] [--keep]

1. Tracks a ballot over every member (about 450,000) with the real service
   (``tracked_ballot_create``: the electorate in one ``INSERT ... SELECT``, then the counters).
2. Marks 40% of them voted (SQL, spread over the fortnight since the ballot opened, 1 in 50
   excluded) and rebuilds the counters from the marks (``turnout_counts_rebuild``), timed.
3. Times the turnout board through Django's test Client (the whole request: middleware, session,
   second-factor check, permission checks, SQL, template), signed in as the national organiser
   (union and nation boards), the regional officer and the district officer; nothing is cached.
4. Times "I've voted": a member's POST from their own page, and the signed link from a message
   (signed out), each on a different elector not yet voted, each checked after it is timed.
5. Checks the counters against the marks (``turnout_counts_check``) and deletes the ballot
   (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    parser.add_argument("-n", type=int, default=50, help="requests per board case")
    parser.add_argument("--marks", type=int, default=200, help="requests per mark case")
    parser.add_argument("--keep", action="store_true", help="keep the tracked ballot")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from members.models import Union, User
    from strikes.models.turnout import Elector, TrackedBallot
    from strikes.services.turnout import tracked_ballot_create, turnout_link_token
    from strikes.turnout_counters import turnout_counts_check, turnout_counts_rebuild

    # Every link request comes from this one process: lift the per-address public limits.
    settings.PUBLIC_RATE_LIMIT_WRITES = settings.PUBLIC_RATE_LIMIT_READS = "1000000/60"
    union = Union.objects.filter(short_name="NEU").first()
    national = User.objects.filter(email="national@bench.invalid").first()
    if union is None or national is None:
        raise SystemExit("No bench data: run bench/generate.py first.")
    today = timezone.localdate()
    TrackedBallot.objects.filter(title="Bench pay ballot").delete()  # left by an earlier run

    started = time.perf_counter()
    tracked = tracked_ballot_create(
        union=union,
        title="Bench pay ballot",
        opens_on=today - dt.timedelta(days=14),
        closes_on=today + dt.timedelta(days=14),
        acting_user=national,
    )
    electors = tracked.electors.count()
    print(
        f"tracked ballot {tracked.pk}: {electors:,} electors, built in "
        f"{time.perf_counter() - started:.1f} s (electorate insert and counters)"
    )

    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """UPDATE strikes_elector SET
                 status = CASE WHEN (id * 2654435761 %% 4294967296) %% 50 = 0 THEN 'excluded'
                               ELSE 'voted' END,
                 reason = CASE WHEN (id * 2654435761 %% 4294967296) %% 50 = 0 THEN 'absent'
                               ELSE '' END,
                 source = 'self',
                 marked_at = %s::timestamptz
                    - ((id * 40503 %% 65536) %% 14) * interval '1 day'
               WHERE tracked_ballot_id = %s AND (id * 2654435761 %% 4294967296) %% 5 < 2""",
            [timezone.now(), tracked.pk],
        )
        cur.execute("ANALYZE strikes_elector")
    turnout_counts_rebuild(tracked_ballot_id=tracked.pk)
    print(f"40% marked and counters rebuilt in {time.perf_counter() - started:.1f} s")

    board = reverse("strikes:turnout-board", args=[tracked.pk])
    nation_id = Elector.objects.filter(tracked_ballot=tracked).values("nation_id").first()
    cases = [
        ("board, union (national)", "national@bench.invalid", board),
        ("board, nation", "national@bench.invalid", f"{board}?nation={nation_id['nation_id']}"),
        ("board, region (regional officer)", "region@bench.invalid", board),
        ("board, district (district officer)", "district@bench.invalid", board),
    ]
    print(f"\nn={args.n} per board case after 3 warm-up requests; milliseconds of server time")
    print(f"{'case':38} {'p50':>7} {'p95':>7} {'max':>7} {'CPU p50':>8} {'queries':>8} {'KB':>5}")
    for name, email, path in cases:
        client = Client()
        client.force_login(User.objects.get(email=email))
        for _ in range(3):
            client.get(path)
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        queries = len(ctx.captured_queries)
        times, cpus = [], []
        for _ in range(args.n):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200
        print(
            f"{name:38} {statistics.median(times):7.1f} {percentile(times, 95):7.1f} "
            f"{max(times):7.1f} {statistics.median(cpus):8.1f} {queries:8d} "
            f"{len(response.content) / 1024:5.0f}"
        )

    # "I've voted": members not yet voted, by hash, each with their own request.
    pending = list(
        Elector.objects.filter(tracked_ballot=tracked, status="not_yet")
        .extra(where=["(strikes_elector.id * 2654435761 %% 4294967296) %% 97 = 1"])
        .values_list("pk", "membership__user_id")[: 2 * (args.marks + 10)]
    )
    own, links = pending[: args.marks + 10], pending[args.marks + 10 :]
    me = reverse("strikes:turnout-me", args=[tracked.pk])
    print(f"\nn={args.marks} per mark case after 10 warm-up requests")
    print(f"{'case':38} {'p50':>7} {'p95':>7} {'max':>7} {'CPU p50':>8} {'queries':>8}")
    for name, batch in (("I've voted, own page (signed in)", own), ("I've voted, link", links)):
        times, cpus, queries = [], [], set()
        for i, (elector_id, user_id) in enumerate(batch):
            client = Client()
            if name.startswith("I've voted, own"):
                client.force_login(User.objects.get(pk=user_id))
                path = me
            else:
                path = reverse(
                    "strikes:turnout-link",
                    args=[
                        turnout_link_token(
                            elector=Elector.objects.select_related("tracked_ballot").get(
                                pk=elector_id
                            )
                        )
                    ],
                )
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                started, cpu = time.perf_counter(), time.process_time()
                response = client.post(path, {"status": "voted"})
                elapsed = (time.perf_counter() - started) * 1000
                cpu = (time.process_time() - cpu) * 1000
            assert response.status_code in (200, 302), (name, response.status_code)
            assert Elector.objects.get(pk=elector_id).status == "voted", name
            if i >= 10:
                times.append(elapsed)
                cpus.append(cpu)
                queries.add(len(ctx.captured_queries))
        print(
            f"{name:38} {statistics.median(times):7.1f} {percentile(times, 95):7.1f} "
            f"{max(times):7.1f} {statistics.median(cpus):8.1f} "
            f"{'–'.join(str(q) for q in sorted(queries)):>8}"
        )

    started = time.perf_counter()
    diffs = turnout_counts_check(tracked_ballot_id=tracked.pk)
    print(
        f"\ncounters checked against the marks in {time.perf_counter() - started:.1f} s: "
        f"{'agree' if not diffs else f'{len(diffs)} differences'}"
    )
    if not args.keep:
        TrackedBallot.objects.filter(pk=tracked.pk).delete()
        print("tracked ballot deleted (--keep to keep it)")


if __name__ == "__main__":
    main()
