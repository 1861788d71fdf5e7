"""Time announcing a national strike day for every school of the data set of ``generate.py``.

    .venv/bin/python bench/run_announce.py [--runs 3]

Through the planning service (``strikes.services.planning.strike_day_announce``), as the bench's
national organiser, on a fresh dispute with a statutory ballot that passes: each run announces
a national day on a new date (four weeks ahead and on, inside the mandate and the notice) and
prints the schools, picket lines and shifts it made, the SQL queries, and the wall time of the
whole service call: its statements, and its commit (where PostgreSQL checks the deferred foreign
keys of every row made), then the statements over 50 ms. After each run the day and its rows
are deleted again (untimed), so every run starts from the same tables; the dispute goes at the
end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from members.models import User
    from schools.models import Entrance, Nation, School
    from strikes.models import CalledOutSchool, Dispute, PicketLine, Shift, StrikeDay
    from strikes.rules import rule_sets_ensure
    from strikes.services.planning import ballot_record, dispute_create, strike_day_announce

    organiser = User.objects.filter(email="national@bench.invalid").first()
    if organiser is None:
        raise SystemExit("No bench organiser: run bench/generate.py first.")
    rule_sets_ensure()
    union = organiser.roles.get().union
    today = timezone.localdate()
    dispute = dispute_create(
        union=union,
        title=f"Bench announce {timezone.now():%Y-%m-%d %H:%M:%S}",
        nations=list(Nation.objects.all()),
        staff_groups=["teacher"],
        acting_user=organiser,
    )
    ballot_record(
        dispute=dispute,
        opens_on=today - dt.timedelta(days=40),
        closes_on=today - dt.timedelta(days=5),
        electorate=300_000,
        votes_cast=160_000,
        votes_yes=140_000,
        votes_no=20_000,
        acting_user=organiser,
    )
    schools = School.objects.count()
    entrances = Entrance.objects.count()
    print(
        f"{schools:,} schools, {entrances:,} entrances in the data set; dispute {dispute.pk}; "
        f"{args.runs} runs"
    )
    print("| run | date | schools | lines | shifts | queries | statements s | commit s | total s |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    times: list[str] = []
    try:
        for run in range(1, args.runs + 1):
            date = today + dt.timedelta(days=27 + run)
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                # The service's own transaction, opened here so its commit (where PostgreSQL
                # checks the deferred foreign keys of every row made) can be timed apart.
                with transaction.atomic():
                    day = strike_day_announce(
                        dispute=dispute,
                        date=date,
                        scope_kind=StrikeDay.ScopeKind.NATIONAL,
                        title=f"Bench national day {run}",
                        acting_user=organiser,
                    )
                    statements = time.perf_counter() - started
                elapsed = time.perf_counter() - started
            queries = [
                q["sql"]
                for q in ctx.captured_queries
                if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
            ]
            called = CalledOutSchool.objects.filter(strike_day=day).count()
            lines = PicketLine.objects.filter(strike_day=day).count()
            shifts = Shift.objects.filter(picket_line__strike_day=day).count()
            assert called > 0 and lines >= called and shifts >= lines, (called, lines, shifts)
            print(
                f"| {run} | {date} | {called:,} | {lines:,} | {shifts:,} | {len(queries)} | "
                f"{statements:.2f} | {elapsed - statements:.2f} | {elapsed:.2f} |",
                flush=True,
            )
            times.append(
                f"run {run}: "
                + ", ".join(
                    f"{float(q['time']):.2f} s {q['sql'].split('(')[0].strip()}"
                    for q in ctx.captured_queries
                    if float(q["time"]) >= 0.05
                )
            )
            _delete_day(day, connection, transaction)
    finally:
        with transaction.atomic():
            for day in StrikeDay.objects.filter(dispute=dispute):
                _delete_day(day, connection, transaction)
            Dispute.objects.filter(pk=dispute.pk).delete()
    print("Statements over 50 ms:")
    for line in times:
        print(f"  {line}")
    with open("/proc/loadavg") as f:
        print(f"load average at the end: {' '.join(f.read().split()[:3])}")


def _delete_day(day, connection, transaction) -> None:
    """Delete a bench day's shifts, lines and called-out schools in bulk, then the day."""
    from strikes.models import StrikeDay

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """DELETE FROM strikes_shift WHERE picket_line_id IN (
                SELECT id FROM strikes_picketline WHERE strike_day_id = %s)""",
            [day.pk],
        )
        cur.execute("DELETE FROM strikes_picketline WHERE strike_day_id = %s", [day.pk])
        cur.execute("DELETE FROM strikes_calledoutschool WHERE strike_day_id = %s", [day.pk])
        StrikeDay.objects.filter(pk=day.pk).delete()


if __name__ == "__main__":
    main()
