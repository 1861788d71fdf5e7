"""Build a national strike day in PostgreSQL, for the dashboard benchmark.

    .venv/bin/python bench/generate.py [GIAS_CSV] [--date YYYY-MM-DD]

GIAS_CSV defaults to ``schools/data/gias-open-state-2025-05-24.csv.gz``. The database is
``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/pl_dashboard``); it is
DROPPED and made again from the models, so only a database whose name contains "dashboard" or
"bench" is accepted. Schools are imported with the project's own importer; everything else is
made by ``INSERT ... SELECT`` over ``generate_series`` and the rows already there, in SQL, with
deterministic hashes of ids (so a rerun builds the same day):

- one national strike day (today unless ``--date``) calling out every school (~23,400; 1 in 200
  cancelled), one picket line per entrance (~25,100: 1 school in 14 has a second gate);
- 450,000 users with a membership at a school (~19 members a school);
- 2 or 3 one-hour shifts per line from 07:00 (~70,000), 6 places, 2 wanted;
- ~300,000 signups by the school's own members (1 line in 20 has none; 1 shift in 10 has only
  one picket, below the minimum);
- ~100,000 reports between 07:00 and 10:00 from 9 lines in 10 (about 4 each, 1 in 250
  escalated);
- the counters (places booked, latest reports, school statuses, the chart's buckets) set from
  those rows by ``strikes.counters.rebuild``, as ``manage.py counters_rebuild`` would.
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

DEFAULT_GIAS = ROOT / "schools" / "data" / "gias-open-state-2025-05-24.csv.gz"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pl_dashboard"
USERS = 450_000
HASH = "(({x}) * 2654435761 %% 4294967296)"  # Knuth's multiplicative hash of an id


def h(expr: str) -> str:
    return HASH.format(x=expr)


def reset_database() -> None:
    import environ
    import psycopg

    config = environ.Env.db_url_config(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    name = config["NAME"]
    if "dashboard" not in name and "bench" not in name:
        raise SystemExit(f"Refusing to drop {name!r}: the bench database's name must say bench.")
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def without_constraints(cur, tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' constraints (but the primary key) and indexes, returning the SQL that
    puts them back: one index build and one foreign-key check per table after a bulk load is far
    quicker than maintaining them row by row."""
    cur.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype <> 'p'""",
        [list(tables)],
    )
    constraints = cur.fetchall()
    cur.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                        AND c.contype IN ('u', 'p', 'x'))""",
        [list(tables)],
    )
    indexes = cur.fetchall()
    for table, name, _ in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    return [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in constraints] + [
        d for _, d in indexes
    ]


class Step:
    def __init__(self) -> None:
        self.started = self.last = time.monotonic()

    def __call__(self, what: str) -> None:
        now = time.monotonic()
        print(f"{now - self.started:7.1f}s  {what} ({now - self.last:.1f}s)", flush=True)
        self.last = now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gias", nargs="?", default=str(DEFAULT_GIAS), help="GIAS CSV (or .gz)")
    parser.add_argument("--date", help="the strike day's date (default: today, London)")
    args = parser.parse_args()
    step = Step()

    reset_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from members.models import Role, Union, User
    from schools.importer import schools_import_gias
    from schools.models import District, Nation, Region
    from strikes import counters
    from strikes.models import Dispute, StrikeDay

    call_command("migrate", run_syncdb=True, verbosity=0)
    step("schema made from the models")
    result = schools_import_gias(source=args.gias, progress_every=0)
    step(f"schools imported: {result.created:,} created")

    day_date = dt.date.fromisoformat(args.date) if args.date else timezone.localdate()
    union = Union.objects.create(name="National Education Union", short_name="NEU")
    dispute = Dispute.objects.create(
        union=union, title="Bench pay dispute", staff_groups=["teacher"]
    )
    dispute.nations.set(Nation.objects.all())
    day = StrikeDay.objects.create(
        dispute=dispute,
        date=day_date,
        scope_kind=StrikeDay.ScopeKind.NATIONAL,
        title="National strike day (bench)",
    )
    day.nations.set(Nation.objects.all())
    p = {"day": day.pk, "union": union.pk, "date": day_date, "users": USERS}
    seven = "((%(date)s::date + time '07:00') AT TIME ZONE 'Europe/London')"

    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit TO off")
        cur.execute("SET maintenance_work_mem TO '256MB'")
        restore = without_constraints(
            cur, ("members_user", "members_membership", "strikes_signup", "strikes_picketreport")
        )

        def run(sql: str, what: str) -> None:
            cur.execute(sql, p)
            step(f"{what}: {cur.rowcount:,} rows")

        run(
            f"""INSERT INTO schools_entrance (site_id, name, is_main)
            SELECT id, 'Back gate', false FROM schools_site
            WHERE is_main AND {h("id")} %% 14 = 0""",
            "second entrances",
        )
        run(
            """CREATE TEMP TABLE school_idx AS
            SELECT id AS school_id, (row_number() OVER (ORDER BY id) - 1)::bigint AS idx
            FROM schools_school""",
            "school index",
        )
        cur.execute("CREATE UNIQUE INDEX ON school_idx (idx); ANALYZE school_idx")
        cur.execute("SELECT count(*) FROM school_idx")
        p["n"] = cur.fetchone()[0]
        run(
            f"""INSERT INTO strikes_calledoutschool
              (strike_day_id, school_id, district_id, region_id, cancelled_at, status, reported_at,
               staff_groups)
            SELECT %(day)s, s.id, s.district_id, d.region_id,
                   CASE WHEN {h("s.id")} %% 200 = 7 THEN now() END, 'unknown', NULL,
                   '["teacher"]'::jsonb
            FROM schools_school s JOIN schools_district d ON d.id = s.district_id""",
            "schools called out",
        )
        run(
            """INSERT INTO strikes_picketline
              (strike_day_id, entrance_id, school_id, district_id, region_id, organiser_id,
               supervisor_name, public_token, pickets_signed_up, supporters_signed_up,
               latest_report_id, latest_pickets, latest_supporters)
            SELECT %(day)s, e.id, s.id, s.district_id, d.region_id, NULL, '',
                   md5(e.id::text || random()::text), 0, 0, NULL, 0, 0
            FROM schools_entrance e JOIN schools_site si ON si.id = e.site_id
            JOIN schools_school s ON s.id = si.school_id
            JOIN schools_district d ON d.id = s.district_id""",
            "picket lines",
        )
        run(
            """INSERT INTO members_user
              (password, last_login, is_superuser, email, full_name, phone, preferred_channel,
               reminders_opt_out, calendar_token, is_active, is_staff, date_joined, erased_at,
               access_version)
            SELECT '!', NULL, false, 'member' || g || '@bench.invalid', '', '', 'email',
                   false, md5('calendar' || g), true, false, now(), NULL, 0
            FROM generate_series(1, %(users)s) g""",
            "users",
        )
        cur.execute("SELECT min(id), max(id) FROM members_user")
        p["umin"], p["umax"] = cur.fetchone()
        # Member u works at school number (u mod n): ~19 members a school.
        run(
            """INSERT INTO members_membership
              (user_id, union_id, workplace_id, member_number, staff_group, is_active, joined_on)
            SELECT u.id, %(union)s, si.school_id, '', 'teacher', true, current_date
            FROM members_user u JOIN school_idx si ON si.idx = u.id %% %(n)s""",
            "memberships",
        )
        run(
            f"""INSERT INTO strikes_shift
              (picket_line_id, starts_at, ends_at, capacity, minimum_wanted, booked, cancelled_at)
            SELECT l.id, {seven} + k * interval '1 hour', {seven} + (k + 1) * interval '1 hour',
                   6, 2, 0, NULL
            FROM strikes_picketline l
            CROSS JOIN LATERAL generate_series(
                0, CASE WHEN {h("l.id")} %% 10 < 8 THEN 2 ELSE 1 END) k
            WHERE l.strike_day_id = %(day)s""",
            "shifts",
        )
        # Signups by the school's own members: user idx + n * m, m from the first such user.
        run(
            f"""INSERT INTO strikes_signup
              (shift_id, user_id, supporter_id, walk_up_name, is_supporter, status, created_at,
               updated_at, arrived_at, nonce)
            SELECT sh.id, u.id, NULL, '', false, 'confirmed', now(), now(), NULL, ''
            FROM strikes_shift sh
            JOIN strikes_picketline l ON l.id = sh.picket_line_id
            JOIN school_idx si ON si.school_id = l.school_id
            CROSS JOIN LATERAL generate_series(
                0, CASE WHEN {h("sh.id")} %% 10 = 0 THEN 0 ELSE 2 + {h("sh.id")} %% 5 END) k
            JOIN members_user u ON u.id = si.idx + %(n)s * (
                (%(umin)s - si.idx + %(n)s - 1) / %(n)s + (sh.id + k) %% 19)
            WHERE l.strike_day_id = %(day)s AND {h("l.id")} %% 20 <> 3
              AND LEAST(6, 3 + {h("sh.id")} %% 5) > k""",
            "signups",
        )
        status = (
            f"CASE WHEN {h('l.id')} %% 20 < 11 THEN 'closed' WHEN {h('l.id')} %% 20 < 15 THEN "
            f"'restricted' WHEN {h('l.id')} %% 20 < 18 THEN 'open' ELSE 'unknown' END"
        )
        run(
            f"""INSERT INTO strikes_picketreport
              (picket_line_id, reported_by_id, reported_at, school_status, pickets,
               supporters, members_working, non_balloted_refusing, agency_staff, police_present,
               media_present, incident_at, incident, escalate, notes, nonce)
            SELECT l.id, NULL,
                   {seven} + (k - 1 + random()) * (interval '180 minutes' / (1 + {h("l.id")} %% 8)),
                   {status}, ({h("l.id")} + k) %% 9, ({h("l.id")} + k) %% 6, 0, 0, 0,
                   false, false, NULL,
                   CASE WHEN ({h("l.id")} + k) %% 250 = 0 THEN 'Bench incident' ELSE '' END,
                   ({h("l.id")} + k) %% 250 = 0, '', 'bench-' || k
            FROM strikes_picketline l
            CROSS JOIN LATERAL generate_series(1, 1 + {h("l.id")} %% 8) k
            WHERE l.strike_day_id = %(day)s AND {h("l.id")} %% 10 <> 9""",
            "reports",
        )
        for sql in restore:
            cur.execute(sql)
        step("constraints and indexes put back")
        cur.execute(
            "ANALYZE strikes_shift, strikes_signup, strikes_picketline, strikes_picketreport, "
            "strikes_calledoutschool"
        )  # the rebuild's joins are planned from these statistics
        # Every figure the services keep (places booked, signed up, latest and first reports,
        # school statuses, the chart's buckets) set from the rows by their one owner.
        counters.rebuild(strike_day_id=day.pk, progress=lambda msg: step(f"counters: {msg}"))

    # The organisers the benchmark signs in as: national, the largest region and district.
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db.models import Count

    region = Region.objects.annotate(n=Count("districts__schools")).order_by("-n").first()
    district = (
        District.objects.filter(region=region).annotate(n=Count("schools")).order_by("-n").first()
    )
    for email, kind, place in (
        ("national@bench.invalid", Role.Kind.NATIONAL_ORGANISER, {}),
        ("region@bench.invalid", Role.Kind.REGIONAL_OFFICER, {"region": region}),
        ("district@bench.invalid", Role.Kind.DISTRICT_OFFICER, {"district": district}),
    ):
        user = User.objects.create_user(email=email)
        Role.objects.create(user=user, union=union, kind=kind, **place)
        TOTP.activate(user, generate_totp_secret())  # officers sign in with a second factor
    step(f"organisers: region {region} and district {district}")

    connection.close()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    step("vacuum analyze")
    with connection.cursor() as cur:
        for table in (
            "strikes_calledoutschool",
            "strikes_picketline",
            "members_user",
            "members_membership",
            "strikes_shift",
            "strikes_signup",
            "strikes_picketreport",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")
            print(f"  {table}: {cur.fetchone()[0]:,}")
    print(f"Strike day {day.pk} on {day_date}; total {time.monotonic() - step.started:.1f}s")


if __name__ == "__main__":
    main()
