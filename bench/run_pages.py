"""Time the two day pages at the peer's shape: one strike day, one school with 1,000 shifts of 6
places, 10,000 members of the school, 3,000 sign-ups; and both pages for a 20-shift school.

    .venv/bin/python bench/run_pages.py [-n 50] [--warmup 5] [--rebuild] [--json FILE]

The shape is the one Volunteer Planner was measured at (`../shared/peers/README.md`): its own
database, ``BENCH_PAGES_DATABASE_URL`` (default ``pl_bench_pages`` on 127.0.0.1), dropped and made
again from the models when it holds no such day or with ``--rebuild``. Rows are made with the
test factories for the few (union, dispute, day, schools, entrances, lines) and in bulk for the
many (members, shifts, sign-ups); the counters are then rebuilt by their owner.

Each request goes through Django's test Client in this process (middleware, session, the
permission checks, SQL and the template), signed in as the person who would open the page: a
member of the school for "strike days at your school", the school's rep for the rep's day page.
Printed per page: p50, p95 and max server time in ms, the response size and the queries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pl_bench_pages"
os.environ["BENCH_DATABASE_URL"] = os.environ.get("BENCH_PAGES_DATABASE_URL", DEFAULT_URL)

TITLE = "Day-page bench (1,000 shifts)"
ENTRANCES = 25  # 25 entrances x 40 quarter-hour shifts = 1,000 shifts at one school
SHIFTS_PER_ENTRANCE = 40
MEMBERS = 10_000
SIGNUPS = 3_000
SMALL_SHIFTS = 20
SMALL_MEMBERS = 60


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class Measure:
    name: str
    target_ms: float | None = None
    times: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return percentile(self.times, 95)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "p50_ms": round(self.p50, 1),
            "p95_ms": round(self.p95, 1),
            "target_ms": self.target_ms,
            "met": None if self.target_ms is None else self.p95 <= self.target_ms,
            "queries": max(self.queries),
            "bytes": max(self.sizes),
        }


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


def reset_database() -> None:
    import environ
    import psycopg

    config = environ.Env.db_url_config(os.environ["BENCH_DATABASE_URL"])
    name = config["NAME"]
    if "bench" not in name and "pages" not in name:
        raise SystemExit(f"Refusing to drop {name!r}: a bench database's name contains 'bench'.")
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build(say: Any) -> None:
    """Make the two schools' day at the peer's shape."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from members.models import Membership, Role, User
    from schools.models import Entrance, Site
    from strikes.models import CalledOutSchool, Shift, Signup
    from tests import factories as f

    started = time.perf_counter()
    call_command("migrate", run_syncdb=True, verbosity=0)
    say(f"schema made ({time.perf_counter() - started:.0f} s)")
    with transaction.atomic():
        union = f.UnionFactory()
        big = f.SchoolFactory(name="Oakfield Academy (bench)", main_entrance=False)
        small = f.SchoolFactory(name="Little Lane Primary (bench)", district=big.district)
        site = Site.objects.create(school=big, name="Main site", is_main=True)
        entrances = Entrance.objects.bulk_create(
            Entrance(site=site, name=f"Gate {i + 1}", is_main=i == 0) for i in range(ENTRANCES)
        )
        day = f.StrikeDayFactory(
            dispute__union=union,
            title=TITLE,
            date=timezone.localdate() + dt.timedelta(days=7),
        )
        for school in (big, small):
            f.CalledOutSchoolFactory(strike_day=day, school=school)
        lines = [f.PicketLineFactory(strike_day=day, entrance=e) for e in entrances]
        small_line = f.PicketLineFactory(
            strike_day=day, entrance=Entrance.objects.get(site__school=small, is_main=True)
        )
        shifts: list[Shift] = []
        for line in lines:
            for k in range(SHIFTS_PER_ENTRANCE):
                starts = f.london(day.date, "07:00") + dt.timedelta(minutes=15 * k)
                shifts.append(
                    Shift(
                        picket_line=line,
                        starts_at=starts,
                        ends_at=starts + dt.timedelta(minutes=15),
                        capacity=6,
                        minimum_wanted=2,
                    )
                )
        for k in range(SMALL_SHIFTS):
            starts = f.london(day.date, "07:00") + dt.timedelta(minutes=30 * k)
            shifts.append(
                Shift(
                    picket_line=small_line,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=30),
                    capacity=6,
                    minimum_wanted=2,
                )
            )
        shifts = Shift.objects.bulk_create(shifts)
        say(f"{len(shifts):,} shifts")
        password = make_password(None)
        users = User.objects.bulk_create(
            User(
                email=f"member{i}@bench.example.org",
                full_name=f"Bench Member {i:05d}",
                password=password,
            )
            for i in range(MEMBERS + SMALL_MEMBERS)
        )
        Membership.objects.bulk_create(
            Membership(user=u, union=union, workplace=big if i < MEMBERS else small)
            for i, u in enumerate(users)
        )
        say(f"{len(users):,} members")
        Role.objects.create(user=users[0], union=union, kind=Role.Kind.REP, school=big)
        Role.objects.create(user=users[MEMBERS], union=union, kind=Role.Kind.REP, school=small)
        big_shifts = shifts[: ENTRANCES * SHIFTS_PER_ENTRANCE]
        # 3,000 sign-ups: three on each of the big school's shifts, by members 1..3,000 (not the
        # rep, so the rep's page has 7,000 members not signed up, as in the peer's shape).
        Signup.objects.bulk_create(
            Signup(shift=big_shifts[i // 3], user=users[1 + i], status=Signup.Status.REGISTERED)
            for i in range(SIGNUPS)
        )
        Signup.objects.bulk_create(
            Signup(shift=s, user=users[MEMBERS + 1 + i], status=Signup.Status.REGISTERED)
            for i, s in enumerate(shifts[len(big_shifts) :])
        )
        assert CalledOutSchool.objects.filter(strike_day=day).count() == 2
    rebuild_counters(day)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # planner statistics, as autovacuum would gather after a load
    say(f"built in {time.perf_counter() - started:.0f} s")


def rebuild_counters(day: Any) -> None:
    """Counters through their owner when it exists; else as the services would have kept them."""
    try:
        from strikes import counters  # type: ignore[attr-defined]
    except ImportError:
        counters = None
    if counters is not None and hasattr(counters, "rebuild"):
        counters.rebuild()
        return
    from django.db.models import Count, Q

    from strikes.models import PicketLine, Shift, Signup

    live = Q(signups__status__in=[Signup.Status.REGISTERED, Signup.Status.CONFIRMED])
    for shift in Shift.objects.filter(picket_line__strike_day=day).annotate(
        n=Count("signups", filter=live)
    ):
        Shift.objects.filter(pk=shift.pk).update(booked=shift.n)
    for line in PicketLine.objects.filter(strike_day=day).annotate(
        n=Count("shifts__signups", filter=Q(shifts__signups__user__isnull=False))
    ):
        PicketLine.objects.filter(pk=line.pk).update(pickets_signed_up=line.n)


def run(n: int, warmup: int, rebuild: bool, say: Any) -> list[Measure]:
    import django

    if rebuild:
        reset_database()
    django.setup()
    from django.db import connection
    from django.db.utils import OperationalError, ProgrammingError
    from django.test import Client
    from django.urls import reverse

    from members.models import Role
    from strikes.models import CalledOutSchool, StrikeDay

    try:
        day = StrikeDay.objects.filter(title=TITLE).order_by("-pk").first()
    except (OperationalError, ProgrammingError):  # no database yet, or no schema
        connection.close()
        reset_database()
        day = None
    if day is None:
        say("building the 1,000-shift day (once; --rebuild makes it again)")
        build(say)
        day = StrikeDay.objects.get(title=TITLE)
    schools = list(
        CalledOutSchool.objects.filter(strike_day=day)
        .order_by("pk")
        .values_list("school_id", flat=True)
    )
    big_id, small_id = schools[0], schools[1]
    reps = dict(
        Role.objects.filter(kind=Role.Kind.REP, school_id__in=schools).values_list(
            "school_id", "user"
        )
    )
    from members.models import Membership, User

    member_of = {
        sid: Membership.objects.filter(workplace_id=sid)
        .exclude(user_id=reps[sid])
        .order_by("pk")
        .values_list("user_id", flat=True)[5000 if sid == big_id else 0]
        for sid in schools
    }
    people = User.objects.in_bulk([*reps.values(), *member_of.values()])
    client = Client()
    counter = QueryCounter()
    measures: list[Measure] = []
    pages = [
        (
            "member's strike-days page, 1,000 shifts",
            member_of[big_id],
            reverse("strikes:my-strike-days"),
            60,
        ),
        (
            "rep's day page, 1,000 shifts",
            reps[big_id],
            reverse("strikes:rep-day", args=[day.pk, big_id]),
            60,
        ),
        (
            "member's strike-days page, 20 shifts",
            member_of[small_id],
            reverse("strikes:my-strike-days"),
            60,
        ),
        (
            "rep's day page, 20 shifts",
            reps[small_id],
            reverse("strikes:rep-day", args=[day.pk, small_id]),
            60,
        ),
        # The rep's page asks for its list of members not signed up (7,000 here) once it has
        # loaded: that request is timed too.
        (
            "rep's members not signed up (htmx, after the page), 1,000 shifts",
            reps[big_id],
            reverse("strikes:rep-day", args=[day.pk, big_id]) + "?part=not-signed-up",
            60,
        ),
    ]
    htmx = {"HX-Request": "true"}
    for name, user_id, url, target in pages:
        measure = Measure(name, target_ms=target)
        client.force_login(people[user_id])
        headers = htmx if "part=" in url else {}
        for i in range(n + warmup):
            counter.count = 0
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{name}: {url} answered {response.status_code}")
            if i >= warmup:
                measure.times.append(elapsed)
                measure.sizes.append(len(response.content))
                measure.queries.append(counter.count)
        measures.append(measure)
        say(f"{name}: p50 {measure.p50:.1f} ms, p95 {measure.p95:.1f} ms")
    return measures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per page first")
    parser.add_argument("--rebuild", action="store_true", help="drop and build the data again")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()

    def say(text: str) -> None:
        print(f"  {text}", file=sys.stderr, flush=True)

    load_start = os.getloadavg()
    measures = run(args.n, args.warmup, args.rebuild, say)
    load_end = os.getloadavg()
    print("| page | p50 ms | p95 ms | max ms | size KB | queries | target p95 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for m in measures:
        q = sorted(set(m.queries))
        queries = f"{q[0]}" if len(q) == 1 else f"{q[0]}–{q[-1]}"
        print(
            f"| {m.name} | {m.p50:.1f} | {m.p95:.1f} | {max(m.times):.1f} | "
            f"{max(m.sizes) / 1024:.0f} | {queries} | {m.target_ms:.0f} |"
        )
    load = f"{load_start[0]:.2f} at start, {load_end[0]:.2f} at end"
    print(f"\nLoad average (1 min): {load}; n = {args.n} per page after {args.warmup} warm-up.")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"load_average": load, "measures": [m.as_dict() for m in measures]}, indent=2
            )
        )


if __name__ == "__main__":
    main()
