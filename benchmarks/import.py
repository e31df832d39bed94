"""Import benchmark: `rapport import feedback FILE --format csv` against raw executemany.

    rapport bench import [--rows 1000000] [--accounts 200] [--seed 1] [--keep]
                         [--database-url postgres://postgres@127.0.0.1:5432/]

A realistic CSV (default columns: account, external_id, submitted_at, nps, csat, ces, comment,
channel) is written for accounts created first. Baseline: the same rows read with csv.reader
and inserted with one sqlite3 executemany into an equivalent table (Django's own DDL for
feedback_response, with its indexes and constraints) in a fresh SQLite file with the same
PRAGMAs. With --database-url, all of it runs in a scratch PostgreSQL database created and
dropped on that server; the baseline there is psycopg executemany (the primitive the import
itself uses) into a copy of feedback_response made with LIKE … INCLUDING ALL plus its foreign
keys, and a raw COPY of the same rows is printed as well, as the floor (decision 74).
Measured: the real command in a subprocess on a migrated database, with its peak RSS.
Goals: rows/s at least half the baseline's; peak RSS at most 200 MB.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import random
import re
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import (
    SQLITE_PRAGMAS,
    bench_env,
    fail,
    heading,
    run_child,
    scratch_postgres,
    setup_django,
    sqlite_path,
    stopwatch,
    temp_data_dir,
    verdict,
)

GOAL_RATIO = 0.50
GOAL_RSS_MB = 200.0
COLUMNS = ("account", "external_id", "submitted_at", "nps", "csat", "ces", "comment", "channel")
CHANNELS = ("survey", "email", "call", "business_review", "informal_note", "staff")
CHANNEL_P = (0.82, 0.06, 0.05, 0.02, 0.03, 0.02)
SEGMENTS = ("Retail", "Financial services", "Healthcare", "Logistics", "Manufacturing")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rapport bench import", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the CSV")
    parser.add_argument("--accounts", type=int, default=200, help="accounts the rows refer to")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgres://user@host:port/); a scratch database is created"
        " there and dropped afterwards",
    )
    return parser.parse_args(argv)


def account_key(i: int) -> str:
    return f"ACC-{i:05d}"


def create_accounts(count: int) -> None:
    from rapport.core.models import Membership, Role, Team, User
    from rapport.customers.models import Account

    team = Team.objects.create(name="Benchmark", slug="benchmark")
    user = User.objects.create_superuser("bench", "bench@example.com", None)
    Membership.objects.create(user=user, team=team, role=Role.ADMIN)
    rng = random.Random(count)
    Account.objects.bulk_create(
        [
            Account(
                name=f"Benchmark Customer {i:05d} Ltd",
                external_id=account_key(i),
                team=team,
                tier=rng.choice(("strategic", "key", "growth", "maintain")),
                segment=rng.choice(SEGMENTS),
                annual_value=rng.randint(50, 5000) * 1000,
                cost_to_serve=rng.randint(5, 900) * 1000,
            )
            for i in range(1, count + 1)
        ],
        batch_size=1000,
    )


def comment_pool(seed: int, size: int = 4000) -> list[str]:
    from rapport.sampledata import comments

    rng = random.Random(seed)
    themes = list(comments.THEMES)
    pool = []
    for i in range(size):
        sentiment = ("positive", "mixed", "negative")[i % 3]
        pool.append(comments.comment(rng, rng.choice(themes), sentiment))
    return pool


def write_csv(path: Path, rows: int, accounts: int, seed: int) -> None:
    """Realistic responses: per-account baselines, answered subsets, comments on ~30 %."""
    rng = np.random.default_rng(seed)
    account = rng.integers(1, accounts + 1, rows)
    baseline = rng.normal(0.74, 0.06, accounts + 1)[account]
    s = baseline + rng.normal(0, 0.13, rows)
    nps = np.clip(np.rint(10 * s + 0.6 + rng.normal(0, 1.1, rows)), 0, 10).astype(int)
    csat = np.clip(np.rint(1 + 4 * s + rng.normal(0, 0.35, rows)), 1, 5).astype(int)
    ces = np.clip(np.rint(1 + 6 * s + rng.normal(0, 0.6, rows)), 1, 7).astype(int)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    seconds = rng.integers(0, 730 * 86400, rows)
    stamps = np.datetime64(end.replace(tzinfo=None), "s") - seconds.astype("timedelta64[s]")
    submitted = np.char.add(np.datetime_as_string(stamps, unit="s"), "+00:00")
    channel = np.array(CHANNELS)[rng.choice(len(CHANNELS), rows, p=CHANNEL_P)]
    survey = channel == "survey"
    answered = rng.random((rows, 3)) < np.array([0.82, 0.88, 0.5])
    answered[:, 1] |= survey & ~answered.any(axis=1)
    answered[~survey, 0] = False
    answered[~survey, 2] = False
    pool = comment_pool(seed)
    has_comment = (rng.random(rows) < 0.3) | ~answered.any(axis=1)
    which = rng.integers(0, len(pool), rows)
    columns = [
        [account_key(int(a)) for a in account],
        [f"bench-{i:07d}" for i in range(1, rows + 1)],
        submitted.tolist(),
        np.where(answered[:, 0], nps.astype(str), "").tolist(),
        np.where(answered[:, 1], csat.astype(str), "").tolist(),
        np.where(answered[:, 2], ces.astype(str), "").tolist(),
        [pool[w] if c else "" for w, c in zip(which.tolist(), has_comment.tolist(), strict=True)],
        channel.tolist(),
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(zip(*columns, strict=True))


def response_ddl(app_db: Path) -> list[str]:
    """Django's CREATE TABLE / CREATE INDEX statements for feedback_response."""
    with sqlite3.connect(app_db) as conn:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'feedback_response' AND sql IS NOT NULL"
            " ORDER BY type DESC"  # the table before its indexes
        ).fetchall()
    return [r[0] for r in rows]


def baseline(app_db: Path, base_db: Path, csv_path: Path, accounts: int) -> tuple[int, float]:
    """Insert the CSV rows with one sqlite3 executemany into an equivalent table."""
    ddl = response_ddl(app_db)
    parents = sorted(set(re.findall(r'REFERENCES "(\w+)"', ddl[0])))
    conn = sqlite3.connect(base_db, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    for table in parents:  # stub parents so the foreign keys hold, as in the real schema
        conn.execute(f'CREATE TABLE "{table}" ("id" integer NOT NULL PRIMARY KEY)')
    for statement in ddl:
        conn.execute(statement)
    conn.execute("BEGIN")
    conn.executemany(
        'INSERT INTO "customers_account" (id) VALUES (?)', ((i,) for i in range(1, accounts + 1))
    )
    conn.execute('INSERT INTO "core_team" (id) VALUES (1)')  # every account's team
    conn.execute("COMMIT")
    ids = {account_key(i): i for i in range(1, accounts + 1)}
    sql = (
        'INSERT INTO "feedback_response" (account_id, external_id, submitted_at, nps, csat, ces,'
        " comment, channel, answers, source_system, created_at, updated_at, team_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', 'csv', ?, ?, 1)"
    )
    started = time.perf_counter()
    now = datetime.now(UTC).isoformat(" ")
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.execute("BEGIN")
        conn.executemany(
            sql,
            (
                (
                    ids[r[0]],
                    r[1],
                    r[2],
                    r[3] or None,
                    r[4] or None,
                    r[5] or None,
                    r[6],
                    r[7],
                    now,
                    now,
                )
                for r in reader
            ),
        )
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    count = conn.execute('SELECT COUNT(*) FROM "feedback_response"').fetchone()[0]
    conn.close()
    return count, seconds


BASELINE_TABLE = "bench_baseline_response"
BASELINE_COLUMNS = (
    "account_id, external_id, submitted_at, nps, csat, ces, comment, channel, answers,"
    " source_system, created_at, updated_at, team_id"
)


def _postgres_rows(csv_path: Path, ids: dict[str, int], team: int) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC)
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for r in reader:
            yield (ids[r[0]], r[1], r[2], r[3] or None, r[4] or None, r[5] or None, r[6], r[7],
                   "{}", "csv", now, now, team)  # fmt: skip


def postgres_baseline(database_url: str, csv_path: Path, *, copy: bool) -> tuple[int, float]:
    """The CSV rows into a copy of feedback_response (indexes, constraints, foreign keys to
    the real accounts and team) with psycopg executemany, or COPY; the copy is dropped."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        conn.execute(f"CREATE TABLE {BASELINE_TABLE} (LIKE feedback_response INCLUDING ALL)")
        foreign = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'feedback_response'::regclass AND contype = 'f'"
        ).fetchall()
        for (definition,) in foreign:
            conn.execute(f"ALTER TABLE {BASELINE_TABLE} ADD {definition}")
        ids = dict(conn.execute("SELECT external_id, id FROM customers_account").fetchall())
        (team,) = conn.execute("SELECT team_id FROM customers_account LIMIT 1").fetchone() or (0,)
        rows = _postgres_rows(csv_path, ids, team)
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cursor:
            if copy:
                with cursor.copy(f"COPY {BASELINE_TABLE} ({BASELINE_COLUMNS}) FROM STDIN") as out:
                    for row in rows:
                        out.write_row(row)
            else:
                values = ", ".join(["%s"] * len(BASELINE_COLUMNS.split(",")))
                cursor.executemany(
                    f"INSERT INTO {BASELINE_TABLE} ({BASELINE_COLUMNS}) VALUES ({values})",  # noqa: S608
                    rows,
                )
        seconds = time.perf_counter() - started
        count = conn.execute(f"SELECT COUNT(*) FROM {BASELINE_TABLE}").fetchone()  # noqa: S608
        conn.execute(f"DROP TABLE {BASELINE_TABLE}")
    return (count[0] if count else 0), seconds


def stored_rows(app_dir: Path, database_url: str | None) -> int:
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as conn:
            found = conn.execute("SELECT COUNT(*) FROM feedback_response").fetchone()
    else:
        with sqlite3.connect(sqlite_path(app_dir)) as conn:
            found = conn.execute("SELECT COUNT(*) FROM feedback_response").fetchone()
    return found[0] if found else 0


# `python -m rapport.cli …` that reports its own peak RSS on exit. The rusage of wait4 would
# not do: Linux carries a process's peak across exec, so it would count the pages of this
# process (hundreds of MB after writing a million-row CSV) that the child had between fork
# and exec. VmHWM is the peak of the child's own address space.
MEASURED_CLI = """
import atexit, runpy, sys

def report():
    with open("/proc/self/status") as status:
        peak = next((line.split()[1] for line in status if line.startswith("VmHWM:")), "")
    print(f"VmHWM-kB {peak}", file=sys.stderr)

atexit.register(report)
sys.argv[0] = "rapport"
runpy.run_module("rapport.cli", run_name="__main__")
"""


def own_peak_rss_mb(stderr: str) -> float | None:
    """The child's peak RSS as MEASURED_CLI reported it (None where /proc is missing)."""
    found = re.findall(r"^VmHWM-kB (\d+)$", stderr, flags=re.MULTILINE)
    return int(found[-1]) / 1024 if found else None


def import_command_exists() -> bool:
    try:
        spec = importlib.util.find_spec("rapport.feedback.cli")
    except ModuleNotFoundError:
        return False
    if spec is None:
        return False
    module = importlib.import_module("rapport.feedback.cli")
    return callable(getattr(module, "run_import", None))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    heading(f"import benchmark: {args.rows:,} rows for {args.accounts:,} accounts")
    with temp_data_dir(args.keep) as root, scratch_postgres(args.database_url) as database_url:
        return run(args, root, database_url)


def run(args: argparse.Namespace, root: Path, database_url: str | None) -> int:
    app_dir, csv_path = root / "app", root / "responses.csv"
    app_dir.mkdir()
    with stopwatch("migrate a fresh database and create the accounts"):
        setup_django(app_dir, database_url)
        create_accounts(args.accounts)
        from django.db import connections

        connections.close_all()
    with stopwatch("write the CSV"):
        write_csv(csv_path, args.rows, args.accounts, args.seed)
    print(f"  CSV: {csv_path.stat().st_size / 1e6:.1f} MB")

    if database_url:
        count, base_seconds = postgres_baseline(database_url, csv_path, copy=False)
        method = "psycopg executemany"
        copied, copy_seconds = postgres_baseline(database_url, csv_path, copy=True)
        print(f"  (floor    raw COPY: {copied:,} rows in {copy_seconds:.2f} s"
              f" = {copied / copy_seconds:,.0f} rows/s; not the goal's baseline)")  # fmt: skip
    else:
        count, base_seconds = baseline(
            sqlite_path(app_dir), root / "baseline.sqlite3", csv_path, args.accounts
        )
        method = "sqlite3 executemany"
    base_rate = count / base_seconds
    print(f"  baseline  {method}: {count:,} rows in {base_seconds:.2f} s"
          f" = {base_rate:,.0f} rows/s")  # fmt: skip
    if count != args.rows:
        return fail(f"baseline inserted {count:,} rows, expected {args.rows:,}")

    if not import_command_exists():
        return fail(
            "`rapport import feedback` is not available yet (rapport.feedback.cli.run_import"
            " is missing); only the baseline was measured"
        )
    command = [sys.executable, "-c", MEASURED_CLI, "import", "feedback", str(csv_path)]
    # The tasks backend the command has in production: work it queues (comment analysis
    # of the new rows) is left for `rapport worker`. bench_env's "immediate" backend would
    # run that analysis inside the measured command.
    env = {**bench_env(app_dir, database_url), "RAPPORT_TASKS_BACKEND": "database"}
    run = run_child([*command, "--format", "csv"], env=env, cwd=root)
    if run.returncode != 0:
        print(run.stdout[-2000:])
        print(run.stderr[-4000:], file=sys.stderr)
        return fail(f"the import command exited with status {run.returncode}")
    imported = stored_rows(app_dir, database_url)
    rate = imported / run.seconds
    peak_rss_mb = own_peak_rss_mb(run.stderr) or run.peak_rss_mb
    print(f"  measured  rapport import feedback: {imported:,} rows in {run.seconds:.2f} s"
          f" = {rate:,.0f} rows/s (whole command, start-up included)")  # fmt: skip
    if imported != args.rows:
        print(run.stdout[-2000:])
        return fail(f"the import stored {imported:,} rows, expected {args.rows:,}")
    ratio = rate / base_rate
    print()
    ok = verdict(
        "ratio import/baseline", f"{ratio:.2f}", f">= {GOAL_RATIO:.2f}", ratio >= GOAL_RATIO
    )
    ok &= verdict(
        "peak RSS of the import", f"{peak_rss_mb:.0f} MB", f"<= {GOAL_RSS_MB:.0f} MB",
        peak_rss_mb <= GOAL_RSS_MB,
    )  # fmt: skip
    print(f"\n{'PASS' if ok else 'FAIL'}: import benchmark", flush=True)
    return 0 if ok else 1
