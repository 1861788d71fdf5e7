"""Time sign-up, cancel, check-in and report against the national data set of ``generate.py``.

    .venv/bin/python bench/run_actions.py [-n 200] [--warmup 10]

Each request goes through Django's test Client in this process (middleware, session, CSRF,
permission checks, SQL, template, the notification hand-off after commit), signed in as the
person who would make it: a member of the shift's school for sign-up and cancel, the school's
rep for check-in and report. Every request has its own target (a different school, shift,
signup or line), picked deterministically from the data by a hash of ids, and is checked after
it is timed (status code, and the row it should have changed), so an error page is never timed.

Cases, ``n`` requests each after ``--warmup`` untimed ones:

- sign-up, htmx (the shift's card swapped in place) and plain POST (redirect);
- cancel, htmx and plain, of the signups the two sign-up cases made;
- check-in, htmx and plain, of someone signed up on the rep's line;
- report, htmx (timeline and a fresh form) and plain, each with a fresh nonce.

Sign-up needs shifts that have not started: build the data for a day ahead, e.g.
``bench/generate.py --date $(date -d '+7 days' +%F)``. Rerunning picks new targets (people not
yet signed up, signups not yet checked in). Messages are handed to a private filesystem broker
in a temporary folder (or to ``REDIS_URL`` if set), never to a shared queue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

HASH = "(({x}) * 2654435761 %% 4294967296)"  # Knuth's multiplicative hash, as generate.py


def h(expr: str) -> str:
    return HASH.format(x=expr)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class Case:
    name: str
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)

    def row(self) -> str:
        q = sorted(self.queries)
        queries = f"{q[0]}" if q[0] == q[-1] else f"{q[0]}–{q[-1]}"
        return (
            f"| {self.name} | {statistics.median(self.times):.1f} | "
            f"{percentile(self.times, 95):.1f} | {max(self.times):.1f} | "
            f"{statistics.median(self.cpu):.1f} | {queries} |"
        )


class QueryCounter:
    """Counts the SQL statements run (a cheap execute wrapper, no SQL text kept)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per case first")
    args = parser.parse_args()
    per_case = args.n + args.warmup

    broker_dir = None
    if not os.environ.get("REDIS_URL") and not os.environ.get("CELERY_BROKER_FOLDER"):
        broker_dir = tempfile.mkdtemp(prefix="pl-bench-broker-")
        os.environ["CELERY_BROKER_FOLDER"] = broker_dir
    try:
        run(args.n, args.warmup, per_case)
    finally:
        if broker_dir:
            shutil.rmtree(broker_dir, ignore_errors=True)


def run(n: int, warmup: int, per_case: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from kernel.nonces import scoped_nonce
    from members.models import Role, User
    from strikes.models import PicketReport, Shift, Signup, StrikeDay

    day = StrikeDay.objects.filter(title="National strike day (bench)").order_by("-pk").first()
    if day is None:
        raise SystemExit("No bench strike day: run bench/generate.py first.")
    union_id = day.dispute.union_id
    now = timezone.now()
    first_start = (
        Shift.objects.filter(picket_line__strike_day=day).order_by("starts_at").first().starts_at
    )
    if first_start <= now:
        raise SystemExit(
            f"The bench strike day ({day.date}) has started, so nobody can sign up to its shifts. "
            "Build it for a day ahead: bench/generate.py --date YYYY-MM-DD (a future date)."
        )
    p = {"day": day.pk, "union": union_id, "k": 2 * per_case}

    with connection.cursor() as cur:
        # Sign-up: one live shift with a free place per school still called out (the school's
        # first by hash), schools by hash; for each, a member of the school not on the shift.
        cur.execute(
            f"""WITH s AS (
                  SELECT DISTINCT ON (l.school_id) sh.id AS shift_id, l.school_id
                  FROM strikes_shift sh JOIN strikes_picketline l ON l.id = sh.picket_line_id
                  JOIN strikes_calledoutschool c ON c.strike_day_id = l.strike_day_id
                    AND c.school_id = l.school_id AND c.cancelled_at IS NULL
                  WHERE l.strike_day_id = %(day)s AND sh.cancelled_at IS NULL
                    AND sh.booked < sh.capacity
                  ORDER BY l.school_id, {h("sh.id")}
                ), picked AS (
                  SELECT * FROM s ORDER BY {h("s.school_id + 7")} LIMIT %(k)s
                )
                SELECT picked.shift_id, (
                  SELECT m.user_id FROM members_membership m
                  WHERE m.workplace_id = picked.school_id AND m.union_id = %(union)s
                    AND m.is_active AND NOT EXISTS (
                      SELECT 1 FROM strikes_signup sg
                      WHERE sg.shift_id = picked.shift_id AND sg.user_id = m.user_id)
                  ORDER BY {h("m.user_id")} LIMIT 1)
                FROM picked ORDER BY {h("picked.school_id + 7")}""",
            p,
        )
        signup_targets = [row for row in cur.fetchall() if row[1] is not None]
        # Rep actions: one line per school still called out (schools by another hash), with
        # someone on it still only expected (signed up, not yet arrived) to check in.
        cur.execute(
            f"""WITH x AS (
                  SELECT DISTINCT ON (l.school_id) l.school_id, l.id AS line_id, sg.id AS signup_id
                  FROM strikes_signup sg
                  JOIN strikes_shift sh ON sh.id = sg.shift_id
                  JOIN strikes_picketline l ON l.id = sh.picket_line_id
                  JOIN strikes_calledoutschool c ON c.strike_day_id = l.strike_day_id
                    AND c.school_id = l.school_id AND c.cancelled_at IS NULL
                  WHERE l.strike_day_id = %(day)s AND sh.cancelled_at IS NULL
                    AND sg.status IN ('registered', 'confirmed') AND sg.user_id IS NOT NULL
                  ORDER BY l.school_id, {h("sg.id")}
                )
                SELECT school_id, line_id, signup_id FROM x
                ORDER BY {h("school_id + 13")} LIMIT %(k)s""",
            p,
        )
        rep_targets = cur.fetchall()
    if len(signup_targets) < 2 * per_case or len(rep_targets) < 2 * per_case:
        raise SystemExit(
            f"Not enough targets left ({len(signup_targets)} sign-ups, {len(rep_targets)} lines "
            f"for {2 * per_case} each): regenerate the data or lower -n."
        )

    # Each school's rep: a member of the school (the first by id) with the rep role.
    schools = [school_id for school_id, _, _ in rep_targets]
    reps = dict(
        Role.objects.filter(kind=Role.Kind.REP, union_id=union_id, school_id__in=schools)
        .order_by("pk")
        .values_list("school_id", "user_id")
    )
    missing = [s for s in schools if s not in reps]
    if missing:
        with connection.cursor() as cur:
            cur.execute(
                """SELECT DISTINCT ON (workplace_id) workplace_id, user_id FROM members_membership
                WHERE workplace_id = ANY(%s) AND union_id = %s ORDER BY workplace_id, user_id""",
                [missing, union_id],
            )
            firsts = dict(cur.fetchall())
        Role.objects.bulk_create(
            Role(user_id=firsts[s], union_id=union_id, kind=Role.Kind.REP, school_id=s)
            for s in missing
        )
        reps.update(firsts)

    users = User.objects.in_bulk(
        {u for _, u in signup_targets[: 2 * per_case]} | set(reps.values())
    )
    htmx = {"HX-Request": "true"}
    counter = QueryCounter()

    # One client (so one handler, with its middleware loaded once, as in a server process),
    # signed in afresh as each request's person, untimed.
    client = Client()

    def timed(case: Case, index: int, user_id: int, do: Callable[[Client], Any], check) -> None:
        client.force_login(users[user_id])
        counter.count = 0
        with connection.execute_wrapper(counter):
            cpu_started = time.process_time()
            started = time.perf_counter()
            response = do(client)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
        check(response)
        if index >= warmup:
            case.times.append(elapsed)
            case.cpu.append(cpu)
            case.queries.append(counter.count)

    def expect(response: Any, status: int, what: str) -> None:
        assert response.status_code == status, (what, response.status_code, response.content[:300])

    cases: list[Case] = []

    # --- Sign-up ----------------------------------------------------------------------------
    made: dict[str, list[tuple[int, int]]] = {"htmx": [], "plain": []}
    for mode, targets in (
        ("htmx", signup_targets[:per_case]),
        ("plain", signup_targets[per_case : 2 * per_case]),
    ):
        case = Case(f"sign-up, {mode}")
        headers = htmx if mode == "htmx" else {}
        for i, (shift_id, user_id) in enumerate(targets):
            url = reverse("strikes:shift-sign-up", args=[shift_id])

            def check(response: Any, shift_id=shift_id, user_id=user_id, mode=mode, case=case):
                expect(response, 200 if mode == "htmx" else 302, "sign-up")
                signup = Signup.objects.get(shift_id=shift_id, user_id=user_id)
                assert signup.status in (Signup.Status.REGISTERED, Signup.Status.WAITLISTED)
                if signup.status == Signup.Status.WAITLISTED:
                    case.notes["waitlisted"] = case.notes.get("waitlisted", 0) + 1
                made[mode].append((signup.pk, user_id))

            timed(
                case,
                i,
                user_id,
                lambda c, url=url, headers=headers: c.post(
                    url, {"nonce": uuid.uuid4().hex}, headers=headers
                ),
                check,
            )
        cases.append(case)

    # --- Cancel (the signups just made) ------------------------------------------------------
    for mode in ("htmx", "plain"):
        case = Case(f"cancel, {mode}")
        headers = htmx if mode == "htmx" else {}
        for i, (signup_id, user_id) in enumerate(made[mode]):
            url = reverse("strikes:signup-cancel", args=[signup_id])

            def check(response: Any, signup_id=signup_id, mode=mode) -> None:
                expect(response, 200 if mode == "htmx" else 302, "cancel")
                status = Signup.objects.values_list("status", flat=True).get(pk=signup_id)
                assert status == Signup.Status.CANCELLED, status

            timed(
                case,
                i,
                user_id,
                lambda c, url=url, headers=headers: c.post(url, headers=headers),
                check,
            )
        cases.append(case)

    # --- Check-in ---------------------------------------------------------------------------
    # Check-in and reports open on the strike day only (from an hour before the first shift):
    # time them at 08:00 London on the day, as a rep outside the school would.
    morning = time_machine.travel(
        dt.datetime.combine(day.date, dt.time(8, 0), tzinfo=ZoneInfo("Europe/London"))
    )
    morning.start()
    for mode, targets in (
        ("htmx", rep_targets[:per_case]),
        ("plain", rep_targets[per_case : 2 * per_case]),
    ):
        case = Case(f"check-in, {mode}")
        headers = htmx if mode == "htmx" else {}
        for i, (school_id, line_id, signup_id) in enumerate(targets):
            url = reverse("strikes:line-check-in", args=[line_id])
            data = {"action": "arrived", "signup": signup_id, "nonce": uuid.uuid4().hex}

            def check(response: Any, signup_id=signup_id, mode=mode) -> None:
                expect(response, 200 if mode == "htmx" else 302, "check-in")
                status = Signup.objects.values_list("status", flat=True).get(pk=signup_id)
                assert status == Signup.Status.ARRIVED, status

            timed(
                case,
                i,
                reps[school_id],
                lambda c, url=url, data=data, headers=headers: c.post(url, data, headers=headers),
                check,
            )
        cases.append(case)

    # --- Report -----------------------------------------------------------------------------
    statuses = ("closed", "closed", "restricted", "open", "unknown")
    for mode, targets in (
        ("htmx", rep_targets[:per_case]),
        ("plain", rep_targets[per_case : 2 * per_case]),
    ):
        case = Case(f"report, {mode}")
        headers = htmx if mode == "htmx" else {}
        for i, (school_id, line_id, _) in enumerate(targets):
            url = reverse("strikes:line-report", args=[line_id])
            nonce = uuid.uuid4().hex
            incident = i % 25 == 0
            data = {
                "nonce": nonce,
                "school_status": statuses[i % len(statuses)],
                "pickets": 2 + i % 5,
                "supporters": i % 3,
                "members_working": i % 4,
                "non_balloted_refusing": i % 2,
                "agency_staff": 0,
                "incident_at": "08:10" if incident else "",
                "incident": "A delivery driver refused to cross." if incident else "",
                "notes": "Good spirits, leaflets handed out." if i % 3 == 0 else "",
            }
            if i % 7 == 0:
                data["police_present"] = "on"
            if incident and i % 100 == 0:
                data["escalate"] = "on"

            rep_id = reps[school_id]

            def check(
                response: Any, line_id=line_id, nonce=nonce, mode=mode, rep_id=rep_id
            ) -> None:
                expect(response, 200 if mode == "htmx" else 302, "report")
                if mode == "htmx":
                    assert b"Report sent at" in response.content
                stored = scoped_nonce(action="report", person=rep_id, nonce=nonce)
                assert PicketReport.objects.filter(picket_line_id=line_id, nonce=stored).exists()

            timed(
                case,
                i,
                reps[school_id],
                lambda c, url=url, data=data, headers=headers: c.post(url, data, headers=headers),
                check,
            )
        cases.append(case)
    morning.stop()

    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(
        f"Strike day {day.pk} ({day.date}); n={n} per case after {warmup} warm-up requests; "
        f"load average at the end {load}"
    )
    print(
        "Milliseconds of server time per request (p50, p95, max); Python CPU p50: this process's"
        " CPU time in the request (the rest is waiting: PostgreSQL, the disk, other jobs);"
        " queries per request (min–max).\n"
    )
    print("| case | p50 | p95 | max | CPU p50 | queries |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for case in cases:
        print(case.row())
    for case in cases:
        for note, count in case.notes.items():
            print(f"{case.name}: {count} of {n + warmup} went to the waitlist ({note})")


if __name__ == "__main__":
    main()
