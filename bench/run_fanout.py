"""Time the notification fan-out: 300,000 due reminders found, queued and sent by real workers.

    REDIS_URL=redis://127.0.0.1:6379/13 \\
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pl_bench_fanout \\
    .venv/bin/python bench/run_fanout.py [-n 300000] [--workers 2] [--concurrency 2]

Runs on the national strike day of ``bench/generate.py`` (run that first, with the same
``BENCH_DATABASE_URL``). Each run starts from scratch:

1. **Rows.** The outbox is emptied, the strike day's shifts are moved to start from 90 minutes
   from now (so a reminder is still wanted, and not rescheduled: ``MORNING_REMINDER_MINUTES`` is
   240 for this process and the workers), and ``n`` morning reminders (``morning:{signup}``, as
   ``reminders_schedule`` writes them) are inserted for the first ``n`` signups, due a minute ago.
2. **Sweep.** One sweep over all of them (``limit=n``), timed, with its SQL queries counted, in
   batches of ``NOTIFICATION_BATCH_SIZE`` ids to a task; then, for comparison, one task per
   message as before (``--no-single`` skips it). The broker queue is emptied after each.
3. **Send through real workers.** ``--workers`` Celery worker processes (prefork,
   ``--concurrency`` each) on Redis and the bench database, with Django's dummy email backend
   (renders every message, writes nothing). This process plays beat: it runs the sweep as
   configured (``NOTIFICATION_SWEEP_LIMIT``) every ``--sweep-every`` seconds until no row is
   due or being sent. The rate is messages sent per second, first send to last.
4. **In process**, for comparison (``--in-process``, default 20,000): the same batches delivered
   in this process, no broker; also the SQL queries per message.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("MORNING_REMINDER_MINUTES", "240")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"

INSERT_REMINDERS = """
INSERT INTO strikes_notification
  (key, kind, channel, user_id, supporter_id, signup_id, strike_day_id, school_id, district_id,
   context, status, due_at, lease_until, attempts, last_error, created_at, sent_at)
SELECT 'morning:' || sg.id, 'reminder', 'email', sg.user_id, NULL, sg.id, l.strike_day_id,
       l.school_id, l.district_id,
       jsonb_build_object('signup_id', sg.id, 'shift_id', sg.shift_id),
       'due', now() - interval '1 minute', NULL, 0, '', now(), NULL
FROM strikes_signup sg
JOIN strikes_shift sh ON sh.id = sg.shift_id
JOIN strikes_picketline l ON l.id = sh.picket_line_id
WHERE l.strike_day_id = %(day)s AND sg.user_id IS NOT NULL
ORDER BY sg.id
LIMIT %(n)s
"""

# The strike day's shifts keep their order and length, the first starting in 90 minutes.
MOVE_SHIFTS = """
UPDATE strikes_shift sh
SET starts_at = now() + interval '90 minutes' + (sh.starts_at - f.first),
    ends_at = now() + interval '90 minutes' + (sh.ends_at - f.first)
FROM (SELECT min(s.starts_at) AS first FROM strikes_shift s
      JOIN strikes_picketline l ON l.id = s.picket_line_id
      WHERE l.strike_day_id = %(day)s) f
WHERE sh.picket_line_id IN (SELECT id FROM strikes_picketline WHERE strike_day_id = %(day)s)
"""


def log(message: str) -> None:
    print(message, flush=True)


def prepare(day_id: int, n: int) -> int:
    from django.db import connection
    from django.utils import timezone

    from strikes.models import Shift
    from strikes.services.reminders import morning_reminder_at

    with connection.cursor() as cur:
        cur.execute("TRUNCATE strikes_notification")
        cur.execute(MOVE_SHIFTS, {"day": day_id})
        cur.execute(INSERT_REMINDERS, {"day": day_id, "n": n})
        inserted = cur.rowcount
        cur.execute("ANALYZE strikes_notification")
    last = Shift.objects.filter(picket_line__strike_day_id=day_id).order_by("-starts_at").first()
    if morning_reminder_at(last.starts_at) > timezone.now():
        raise SystemExit(
            "The last shift's reminder is not due yet (quiet hours?): run between 08:00 and "
            "20:00 London time, or raise MORNING_REMINDER_MINUTES."
        )
    return inserted


def reset_rows() -> None:
    """Every reminder due again, never attempted (the queue is emptied separately)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE strikes_notification SET status = 'due', lease_until = NULL, attempts = 0, "
            "last_error = '', sent_at = NULL, due_at = now() - interval '1 minute'"
        )
        cur.execute("VACUUM ANALYZE strikes_notification")


def purge_queue() -> int:
    from config.celery import app

    return app.control.purge()


def timed_sweep(limit: int | None = None) -> tuple[int, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from strikes.services.delivery import notifications_queue_due

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        handed = notifications_queue_due(limit=limit)
        seconds = time.perf_counter() - started
    return handed, seconds, len(ctx.captured_queries)


def status_counts() -> dict[str, int]:
    from django.db.models import Count

    from strikes.models import Notification

    rows = Notification.objects.values_list("status").annotate(n=Count("pk"))
    return dict(rows)


def start_workers(count: int, concurrency: int, logs: Path) -> list[subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    processes = []
    for i in range(count):
        out = (logs / f"fanout-worker-{i}.log").open("w")
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=prefork",
                    f"--concurrency={concurrency}",
                    "-n",
                    f"fanout{i}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return processes


def stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()  # warm shutdown: the batches in hand are finished first
    for process in processes:
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def wait_ready(count: int, seconds: float = 60) -> None:
    from config.celery import app

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0) or []) >= count:
            return
    raise SystemExit("The workers did not answer within a minute: see their logs.")


def send_with_workers(args: argparse.Namespace, n: int) -> None:
    from django.conf import settings
    from django.db.models import Max, Min

    from strikes.models import Notification

    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    workers = start_workers(args.workers, args.concurrency, logs)
    try:
        wait_ready(args.workers)
        log(
            f"\n{args.workers} workers x concurrency {args.concurrency} ready; sweeping every "
            f"{args.sweep_every}s with limit {settings.NOTIFICATION_SWEEP_LIMIT:,}, "
            f"batch {settings.NOTIFICATION_BATCH_SIZE}"
        )
        started = time.monotonic()
        next_sweep = started
        pending = n
        while pending:
            now = time.monotonic()
            if args.max_seconds and now - started > args.max_seconds:
                log(f"  stopped after {args.max_seconds:.0f}s with {pending:,} not yet sent")
                break
            if now >= next_sweep:
                handed, seconds, queries = timed_sweep()
                log(
                    f"  {now - started:7.1f}s  sweep: {handed:,} queued in {seconds:.2f}s, "
                    f"{queries} queries; {pending:,} still due or sending"
                )
                next_sweep = now + args.sweep_every
            time.sleep(1)
            pending = Notification.objects.filter(status__in=["due", "sending"]).count()
        wall = time.monotonic() - started
    finally:
        stop_workers(workers)
    span = Notification.objects.filter(status="sent").aggregate(
        first=Min("sent_at"), last=Max("sent_at")
    )
    counts = status_counts()
    sent = counts.get("sent", 0)
    seconds = (span["last"] - span["first"]).total_seconds() if sent else 0.0
    attempts = Notification.objects.filter(attempts__gt=1).count()
    log(f"  {wall:.1f}s from the first sweep; rows by status: {counts}")
    log(f"  rows attempted more than once: {attempts:,}")
    if sent:
        log(
            f"  sent {sent:,} in {seconds:.1f}s from first to last send: "
            f"{sent / seconds:,.0f} messages/s ({sent / wall:,.0f}/s over the whole run)"
        )


def send_in_process(count: int) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from strikes.models import Notification
    from strikes.services.delivery import notifications_deliver

    if not count:
        return
    reset_rows()
    ids = list(Notification.objects.order_by("pk").values_list("pk", flat=True)[:count])
    size = settings.NOTIFICATION_BATCH_SIZE
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    with CaptureQueriesContext(connection) as ctx:
        first = notifications_deliver(notification_ids=batches[0])
    per_message = len(ctx.captured_queries) / len(batches[0])
    started = time.perf_counter()
    for batch in batches[1:]:
        notifications_deliver(notification_ids=batch)
    seconds = time.perf_counter() - started
    done = len(ids) - len(batches[0])
    log(
        f"\nIn process (no broker, one process): {done:,} messages in {seconds:.1f}s = "
        f"{done / seconds:,.0f} messages/s; {per_message:.1f} queries a message "
        f"(first batch: {dict(first.outcomes)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=300_000, help="due reminders to create")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool size of each worker")
    parser.add_argument("--sweep-every", type=float, default=None, help="seconds (default: beat)")
    parser.add_argument("--in-process", type=int, default=20_000, help="messages, 0 to skip")
    parser.add_argument("--no-single", action="store_true", help="skip one-task-per-message")
    parser.add_argument("--no-workers", action="store_true", help="skip the worker run")
    parser.add_argument("--single-sample", type=int, default=30_000, help="one-task-per-message")
    parser.add_argument("--max-seconds", type=float, default=0, help="stop the workers after")
    parser.add_argument("--logs", default="var/bench-fanout", help="worker logs folder")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("Set REDIS_URL (e.g. redis://127.0.0.1:6379/13): workers use Redis.")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    from strikes.models import StrikeDay

    if args.sweep_every is None:
        args.sweep_every = settings.NOTIFICATION_SWEEP_SECONDS
    day = StrikeDay.objects.order_by("-pk").first()
    if day is None:
        raise SystemExit("No strike day: run bench/generate.py first.")
    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        pg = cur.fetchone()[0].split(" on ")[0]
    log(f"{pg}; strike day {day.pk} ({day.date}); load average {Path('/proc/loadavg').read_text()}")

    started = time.perf_counter()
    n = prepare(day.pk, args.n)
    log(f"{n:,} due reminders written in {time.perf_counter() - started:.1f}s")
    purge_queue()

    size = settings.NOTIFICATION_BATCH_SIZE
    handed, seconds, queries = timed_sweep(limit=n)
    log(
        f"\nSweep, batches of {size}: {handed:,} queued in {seconds:.2f}s "
        f"({(handed + size - 1) // size:,} tasks), {queries} queries"
    )
    log(f"  {purge_queue():,} tasks purged from the queue")
    if not args.no_single:
        reset_rows()
        with override_settings(NOTIFICATION_BATCH_SIZE=1):
            handed, seconds, queries = timed_sweep(limit=min(n, args.single_sample))
        log(
            f"Sweep, one task a message (first {handed:,}): queued in {seconds:.2f}s, "
            f"{queries} queries; {seconds * n / handed:.0f}s for all {n:,} at that pace"
        )
        log(f"  {purge_queue():,} tasks purged from the queue")

    if not args.no_workers:
        reset_rows()
        send_with_workers(args, n)
    send_in_process(args.in_process)
    log(f"\nload average {Path('/proc/loadavg').read_text()}")


if __name__ == "__main__":
    main()
