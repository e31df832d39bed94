"""Rules benchmark: a full evaluation of every account against the incremental evaluation a
10k-row import sets off (issue 12: the latter at most 5 % of the former).

    rapport bench rules [--accounts 2000] [--responses 1000000] [--import-rows 10000]
                        [--import-accounts 5] [--repeat 3]
                        [--database-url postgres://postgres@127.0.0.1:5432/] [--keep]

Builds the portfolio benchmark's data (accounts, commitments, responses over 24 months,
rollups and snapshots), adds decision makers and health, then the default rules (installed by
the alerts migration). Measured, in this process:
- full: `alerts.evaluation.run` over every account (the daily evaluation), after a first run
  that opens the alerts (its time is printed too);
- incremental: a real import (`feedback.services.run_import_job`) of `--import-rows` rows into
  `--import-accounts` accounts, whose `on_import_finished` hook evaluates those accounts; the
  time is the `Evaluation` row that evaluation recorded (trigger "import"), and the same
  evaluation is then repeated directly.
Goal: incremental / full at most 5 %.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks._common import (
    fail,
    heading,
    ms,
    scratch_postgres,
    setup_django,
    stopwatch,
    temp_data_dir,
    verdict,
)
from benchmarks.portfolio import REBUILD_CHUNK, build_register, build_responses

GOAL_SHARE = 0.05


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rapport bench rules", description=__doc__)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24, help="history the responses span")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--import-accounts", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="timed full evaluations")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgres://user@host:port/); a scratch database is created"
        " there and dropped afterwards",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    return parser.parse_args(argv)


def add_decision_makers(account_ids: list[int], seed: int) -> None:
    from rapport.customers.models import Contact, DecisionRole

    rng = random.Random(seed)
    Contact.objects.bulk_create(
        [
            Contact(account_id=a, name=f"Decision maker {a}", email=f"dm{a}@example.com",
                    decision_role=DecisionRole.DECISION_MAKER)
            for a in account_ids
            if rng.random() < 0.8
        ],
        batch_size=1000,
    )  # fmt: skip


def write_import(path: Path, accounts: list[str], rows: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC) - timedelta(hours=2)
    lines = ["account,external_id,submitted_at,nps,csat,ces,comment,channel"]
    for i in range(rows):
        when = now - timedelta(seconds=rng.randint(0, 20 * 86400))
        channel = "complaint" if rng.random() < 0.01 else "survey"
        lines.append(
            f"{rng.choice(accounts)},import-{i:06d},{when:%Y-%m-%d %H:%M:%S},"
            f"{rng.randint(0, 10)},{rng.randint(1, 5)},{rng.randint(1, 7)},,{channel}"
        )
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    heading(f"rules benchmark: {args.accounts:,} accounts, {args.responses:,} responses")
    with temp_data_dir(args.keep) as root, scratch_postgres(args.database_url) as database_url:
        with stopwatch("migrate a fresh database"):
            setup_django(root, database_url)
        return run(args, root)


def run(args: argparse.Namespace, root: Path) -> int:
    from django.db import connection

    from rapport.alerts import evaluation
    from rapport.alerts.models import Alert, Evaluation, EvaluationTrigger, Rule
    from rapport.analytics.health.services import refresh_health
    from rapport.analytics.rollups.services import rebuild_rollups
    from rapport.customers.models import Account
    from rapport.feedback import services as feedback_services

    if not Rule.objects.filter(active=True).exists():
        return fail("no active rules: the alerts migration installs the default rules")
    method = "COPY" if connection.vendor == "postgresql" else "executemany"
    with stopwatch("create teams, user, accounts and commitments"):
        user, account_ids = build_register(args.accounts, args.seed)
    with stopwatch(f"insert {args.responses:,} responses ({method})"):
        build_responses(account_ids, args.responses, args.months, args.seed)
    with stopwatch("decision makers, rollups, snapshots and health"):
        add_decision_makers(account_ids, args.seed)
        rebuild_rollups(chunk_size=REBUILD_CHUNK)
        refresh_health()

    rules = len(evaluation.active_rules())
    started = time.perf_counter()
    first = evaluation.run(account_ids, trigger=EvaluationTrigger.DAILY)
    first_seconds = time.perf_counter() - started
    print(f"  first full evaluation ({rules} rules, {len(account_ids):,} accounts): "
          f"{first_seconds:.2f} s, {len(first.opened):,} alerts opened")  # fmt: skip
    samples = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        evaluation.run(account_ids, trigger=EvaluationTrigger.DAILY)
        samples.append(time.perf_counter() - started)
    full = statistics.median(samples)
    print(f"  full evaluation, steady state: median {full:.2f} s of {args.repeat} "
          f"({', '.join(f'{s:.2f}' for s in samples)})")  # fmt: skip

    chosen = random.Random(args.seed).sample(account_ids, args.import_accounts)
    keys = list(Account.objects.filter(pk__in=chosen).values_list("external_id", flat=True))
    csv_path = root / "import.csv"
    write_import(csv_path, keys, args.import_rows, args.seed)
    job = feedback_services.start_import(
        actor=user, file_name=csv_path.name, path=csv_path, file_format="csv", via="cli",
        background=False,
    )  # fmt: skip
    with stopwatch(f"import {args.import_rows:,} rows into {args.import_accounts} accounts"):
        job = feedback_services.run_import_job(job_id=job.pk)
    recorded = Evaluation.objects.filter(
        trigger=EvaluationTrigger.IMPORT, import_job_id=job.pk
    ).first()
    if recorded is None:
        return fail("the import did not set off an evaluation (on_import_finished)")
    print(f"  import {job.pk}: {job.rows_inserted:,} rows inserted; its evaluation: "
          f"{recorded.accounts} accounts, {ms(recorded.duration_ms / 1000)}, "
          f"{recorded.opened} opened, {recorded.closed} closed")  # fmt: skip
    again = []
    for _ in range(max(args.repeat, 5)):
        started = time.perf_counter()
        evaluation.run(chosen, trigger=EvaluationTrigger.CHANGE)
        again.append(time.perf_counter() - started)
    incremental = statistics.median([recorded.duration_ms / 1000, *again])
    print(f"  incremental evaluation of the {len(chosen)} accounts: median {ms(incremental)} "
          f"({', '.join(ms(s) for s in [recorded.duration_ms / 1000, *again])})")  # fmt: skip
    print(f"  open alerts now: {Alert.objects.filter(status='open').count():,}")
    share = incremental / full
    print()
    ok = verdict("incremental / full", f"{100 * share:.2f} %", f"<= {100 * GOAL_SHARE:.0f} %",
                 share <= GOAL_SHARE)  # fmt: skip
    print(f"\n{'PASS' if ok else 'FAIL'}: rules benchmark", flush=True)
    return 0 if ok else 1
