"""Run every bench (``bench/run_*.py``) and print one table: measure, p50, p95, target, met.

    .venv/bin/python bench/run_all.py [--quick] [--json FILE] [--rebuild] [--only NAME ...]

Each bench runs in its own process, as it would alone, and its printed table is read back. The
national data set of ``generate.py`` is built once in its own database, ``pl_bench_all``
(``BENCH_ALL_DATABASE_URL`` to use another; its name must say "bench"), and reused while its
strike day has not started (the actions bench signs people up, so the day must be ahead);
``--rebuild`` builds it again. The day-page bench keeps its own 1,000-shift database,
``pl_bench_all_pages``. The fan-out bench needs Redis: ``REDIS_URL`` (default
``redis://127.0.0.1:6379/12``) is given to it alone; the others use a cache in the process.

The load average (1, 5 and 15 minutes) is printed at the start and the end, and each bench's
1-minute load at its start and end is a column of the table: timings taken on a busy machine
are slower, so read every figure with its load. ``--quick`` runs fewer requests per case and a
tenth of the fan-out (its target scaled to match) — about 10 minutes instead of 25.

A bench that is missing is skipped; a bench that fails or runs out of time is a row that says
so, and the run goes on. ``--json FILE`` also writes
``{"load_average": "...", "measures": [{"name", "p50_ms", "p95_ms", "target_ms", "met",
"queries", "bench", "load"}]}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
NATIONAL_URL = os.environ.get(
    "BENCH_ALL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pl_bench_all"
)
PAGES_URL = os.environ.get(
    "BENCH_ALL_PAGES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pl_bench_all_pages"
)
FANOUT_REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
BUDGET_SECONDS = 30 * 60

# Targets of issue 16 (p95, milliseconds).
DASHBOARD_COLD = 50.0
DASHBOARD_WARM = 20.0
PUBLIC_WARM = 30.0
DAY_PAGE = 60.0
ACTION = 30.0
ACTION_QUERIES = 10
ANNOUNCE = 2000.0
FANOUT_SECONDS_PER_300K = 180.0
GENERATE = 60_000.0


@dataclass
class Measure:
    name: str
    p50_ms: float | None
    p95_ms: float | None
    target_ms: float | None
    met: bool | None
    queries: str | None
    bench: str
    load: str = ""
    note: str = ""


def load_now(which: int = 3) -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()[:which])


def number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def measure(
    bench: str,
    name: str,
    p50: float | None,
    p95: float | None,
    target: float | None,
    queries: str | None = None,
    max_queries: int | None = None,
) -> Measure:
    met: bool | None = None
    if target is not None and p95 is not None:
        met = p95 <= target
        if max_queries is not None and queries:
            met = met and max(int(q) for q in re.split(r"[–-]", queries)) <= max_queries
    return Measure(name, p50, p95, target, met, queries, bench)


# ---- reading each bench's printed table ------------------------------------------------------


def markdown_rows(text: str) -> list[dict[str, str]]:
    """The rows of the first markdown table in ``text``, as header -> cell."""
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            if header and rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            header = [c.lower() for c in cells]
        elif set("".join(cells)) <= set("-: "):
            continue
        else:
            rows.append(dict(zip(header, cells, strict=False)))
    return rows


def column_rows(text: str, first: str) -> list[dict[str, str]]:
    """Rows of a fixed-width table whose header line starts with ``first``.

    Header names are split on two or more spaces; in a row the last cells are the numbers
    (one a column) and what comes before them is the name.
    """
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(first) and "p95" in line:
            header = [c.lower() for c in re.split(r"\s{2,}", line.strip())]
            continue
        if header is None:
            continue
        if not line.strip():
            if rows:
                header = None  # the table ended; another may follow (a new header line)
            continue
        tokens = line.split()
        count = len(header) - 1
        if len(tokens) <= count:
            continue
        values = tokens[-count:]
        if number(values[0]) is None:
            continue
        rows.append(
            {header[0]: " ".join(tokens[:-count]), **dict(zip(header[1:], values, strict=False))}
        )
    return rows


def read_dashboard(out: str) -> list[Measure]:
    result = []
    for row in column_rows(out, "case"):
        for mode, target in (("cold", DASHBOARD_COLD), ("warm", DASHBOARD_WARM)):
            result.append(
                measure(
                    "dashboard",
                    f"dashboard {row['case']}, {mode}",
                    number(row[f"{mode} p50"]),
                    number(row[f"{mode} p95"]),
                    target,
                    row.get("queries"),
                )
            )
    return result


def read_public(out: str) -> list[Measure]:
    result = []
    for row in column_rows(out, "page"):
        for mode in ("cold", "warm"):
            result.append(
                measure(
                    "public",
                    f"public {row['page']}, {mode}",
                    number(row[f"{mode} p50"]),
                    number(row[f"{mode} p95"]),
                    PUBLIC_WARM if mode == "warm" else None,
                )
            )
    return result


def read_pages(out: str) -> list[Measure]:
    return [
        measure(
            "pages",
            row["page"],
            number(row["p50 ms"]),
            number(row["p95 ms"]),
            number(row.get("target p95 ms", "")) or DAY_PAGE,
            row.get("queries"),
        )
        for row in markdown_rows(out)
    ]


def read_actions(out: str) -> list[Measure]:
    return [
        measure(
            "actions",
            row["case"],
            number(row["p50"]),
            number(row["p95"]),
            ACTION,
            row.get("queries"),
            ACTION_QUERIES,
        )
        for row in markdown_rows(out)
    ]


def read_announce(out: str) -> list[Measure]:
    totals = [number(row["total s"]) for row in markdown_rows(out)]
    totals = [t * 1000 for t in totals if t is not None]
    queries = sorted({row["queries"] for row in markdown_rows(out)})
    if not totals:
        return []
    ordered = sorted(totals)
    return [
        measure(
            "announce",
            f"announce a national day ({len(totals)} runs)",
            statistics.median(ordered),
            ordered[-1] if len(ordered) < 20 else ordered[round(0.95 * len(ordered)) - 1],
            ANNOUNCE,
            "–".join(queries) if queries else None,
        )
    ]


def read_turnout(out: str) -> list[Measure]:
    result = []
    for row in column_rows(out, "case"):
        result.append(
            measure(
                "turnout",
                f"turnout {row['case']}",
                number(row["p50"]),
                number(row["p95"]),
                ACTION if row["case"].startswith("I've voted") else None,
                row.get("queries"),
            )
        )
    return result


def read_fanout(out: str, n: int) -> list[Measure]:
    sweep = re.search(r"(\d[\d,.]*)s from the first sweep", out)
    span = re.search(r"sent ([\d,]+) in ([\d.]+)s from first to last send", out)
    per = re.search(r"([\d.]+) queries a message", out)
    target = FANOUT_SECONDS_PER_300K * 1000 * n / 300_000
    name = f"fan-out: {n:,} reminders sent by 2 workers"
    if n != 300_000:
        name += " (target scaled)"
    if not sweep:
        return []
    wall = float(sweep.group(1).replace(",", "")) * 1000
    result = measure("fanout", name, wall, wall, target, per.group(1) if per else None)
    # Every row must be settled, once: sent, or cancelled at send as undeliverable (the
    # outbox's own verdict, e.g. a person with no usable address), and none tried twice.
    statuses = re.search(r"rows by status: \{([^}]*)\}", out)
    counts = {
        key: int(value)
        for key, value in re.findall(r"'(\w+)': (\d+)", statuses.group(1) if statuses else "")
    }
    sent = counts.get("sent", int(span.group(1).replace(",", "")) if span else 0)
    cancelled = counts.get("cancelled", 0)
    twice = re.search(r"rows attempted more than once: (\d+)", out)
    if sent + cancelled < n:
        result.met = False
        result.note = f"only {sent + cancelled:,} of {n:,} settled"
    elif twice and int(twice.group(1)):
        result.met = False
        result.note = f"{twice.group(1)} rows attempted more than once"
    elif cancelled:
        result.note = f"{sent:,} sent, {cancelled:,} cancelled at send (no longer due)"
    return [result]


# ---- running --------------------------------------------------------------------------------


@dataclass
class Bench:
    name: str
    script: str
    args: Callable[[bool], list[str]]
    read: Callable[[str], list[Measure]]
    env: Callable[[], dict[str, str]]


def national_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["BENCH_DATABASE_URL"] = NATIONAL_URL
    return env


def pages_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["BENCH_PAGES_DATABASE_URL"] = PAGES_URL
    return env


def fanout_env() -> dict[str, str]:
    env = national_env()
    env["REDIS_URL"] = FANOUT_REDIS
    return env


def fanout_n(quick: bool) -> int:
    return 30_000 if quick else 300_000


BENCHES = [
    Bench(
        "dashboard",
        "run_dashboard.py",
        lambda q: ["-n", "15" if q else "50"],
        read_dashboard,
        national_env,
    ),
    Bench(
        "public", "run_public.py", lambda q: ["-n", "20" if q else "100"], read_public, national_env
    ),
    Bench(
        "pages",
        "run_pages.py",
        lambda q: ["-n", "15" if q else "50"],
        read_pages,
        pages_env,
    ),
    Bench(
        "actions",
        "run_actions.py",
        lambda q: ["-n", "30" if q else "200", "--warmup", "5" if q else "10"],
        read_actions,
        national_env,
    ),
    Bench(
        "announce",
        "run_announce.py",
        lambda q: ["--runs", "1" if q else "3"],
        read_announce,
        national_env,
    ),
    Bench(
        "turnout",
        "run_turnout.py",
        lambda q: ["-n", "10", "--marks", "30"] if q else ["-n", "50", "--marks", "200"],
        read_turnout,
        national_env,
    ),
    Bench(
        "fanout",
        "run_fanout.py",
        lambda q: ["-n", str(fanout_n(q)), "--no-single", "--in-process", "2000" if q else "20000"],
        lambda out, q=False: read_fanout(out, 0),  # replaced in main() with the run's n
        fanout_env,
    ),
]


def national_day_ahead() -> bool:
    """Whether the national database holds a strike day that has not started."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(NATIONAL_URL)
    try:
        with psycopg.connect(
            host=config["HOST"] or "127.0.0.1",
            port=config["PORT"] or 5432,
            user=config["USER"] or "postgres",
            password=config["PASSWORD"] or None,
            dbname=config["NAME"],
            connect_timeout=10,
        ) as conn:
            row = conn.execute("SELECT max(date) FROM strikes_strikeday").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0] and row[0] > dt.date.today())


def run_script(script: str, args: list[str], env: dict[str, str], timeout: float) -> str:
    """Run one bench; its stdout and stderr together (some benches print to stderr)."""
    done = subprocess.run(
        [PYTHON, str(BENCH / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=max(timeout, 30),
        check=False,
    )
    out = done.stdout + "\n" + done.stderr
    if done.returncode != 0:
        tail = "\n".join(out.strip().splitlines()[-15:])
        raise RuntimeError(f"exit status {done.returncode}:\n{tail}")
    return out


def fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 1000 else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, a tenth of fan-out")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="build the national data and the day-page data again (after a migration)",
    )
    parser.add_argument("--only", nargs="*", help="run only these benches (e.g. actions pages)")
    parser.add_argument("--logs", type=Path, help="keep each bench's output in this folder")
    args = parser.parse_args()

    started = time.monotonic()
    load_start = load_now()
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    say(f"load average at the start: {load_start}")
    measures: list[Measure] = []

    benches = [b for b in BENCHES if (BENCH / b.script).exists()]
    if args.only:
        benches = [b for b in benches if b.name in args.only]
    extra = sorted(
        p.name
        for p in BENCH.glob("run_*.py")
        if p.name != "run_all.py" and p.name not in {b.script for b in BENCHES}
    )
    for script in extra:
        say(f"{script}: not known to run_all.py, not run (add it to BENCHES)")

    needs_national = any(b.env is not pages_env for b in benches)
    if needs_national and (args.rebuild or not national_day_ahead()):
        ahead = (dt.date.today() + dt.timedelta(days=7)).isoformat()
        say(f"building the national data set for {ahead} ...")
        load = load_now(1)
        begun = time.perf_counter()
        try:
            run_script("generate.py", ["--date", ahead], national_env(), BUDGET_SECONDS / 4)
            seconds = (time.perf_counter() - begun) * 1000
            m = measure("generate", "generate the national data set", seconds, seconds, GENERATE)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            raise SystemExit(f"generate.py failed: {error}") from error
        m.load = f"{load} → {load_now(1)}"
        measures.append(m)

    for bench in benches:
        remaining = BUDGET_SECONDS - (time.monotonic() - started)
        load = load_now(1)
        bench_args = bench.args(args.quick)
        if args.rebuild and bench.name == "pages":
            bench_args.append("--rebuild")  # its own database, made from today's models
        say(f"{bench.script} {' '.join(bench_args)} (load {load}) ...")
        try:
            out = run_script(bench.script, bench_args, bench.env(), remaining)
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                (args.logs / f"{bench.name}.txt").write_text(out)
            if bench.name == "fanout":
                found = read_fanout(out, fanout_n(args.quick))
            else:
                found = bench.read(out)
            if not found:
                raise RuntimeError("its output had no table run_all.py could read")
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            reason = "ran out of time" if isinstance(error, subprocess.TimeoutExpired) else "failed"
            say(f"{bench.script} {reason}: {error}")
            found = [Measure(bench.script, None, None, None, False, None, bench.name)]
            found[0].note = reason
        for m in found:
            m.load = f"{load} → {load_now(1)}"
        measures.extend(found)

    load_end = load_now()
    minutes = (time.monotonic() - started) / 60
    print(f"Load average (1, 5, 15 min): {load_start} at the start, {load_end} at the end")
    print(
        f"{'quick' if args.quick else 'full'} run of {minutes:.1f} min, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    print("| measure | p50 ms | p95 ms | target p95 ms | met | queries | load (1 min) |")
    print("| --- | ---: | ---: | ---: | --- | ---: | --- |")
    for m in measures:
        met = "–" if m.met is None else ("met" if m.met else "NOT met")
        if m.note:
            met += f" ({m.note})"
        print(
            f"| {m.name} | {fmt(m.p50_ms)} | {fmt(m.p95_ms)} | {fmt(m.target_ms)} | {met} | "
            f"{m.queries or '–'} | {m.load} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "load_average": f"{load_start} at the start, {load_end} at the end",
                    "quick": args.quick,
                    "minutes": round(minutes, 1),
                    "measures": [asdict(m) for m in measures],
                },
                indent=2,
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
