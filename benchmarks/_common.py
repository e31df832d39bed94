"""Shared pieces of the benchmarks: a throwaway data dir, Django against it, timing, printing.

Benchmarks always work in a fresh temporary RAPPORT_DATA_DIR with its own SQLite file; they
clear RAPPORT_DATABASE_URL so they can never reach the user's database or ./var. With
`--database-url postgres://…/` they instead create a scratch PostgreSQL database with a
generated name on that server and drop it at the end; an existing database is never used.
"""

from __future__ import annotations

import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_SECRET = "rapport-benchmark-only-secret-0123456789"  # noqa: S105 - throwaway data dir
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=20000",
    "PRAGMA cache_size=-64000",
    "PRAGMA temp_store=MEMORY",
)  # the same as settings.py sets on every SQLite connection


def bench_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment for Django (in this process or a child) on the throwaway data dir.

    `database_url` is a scratch database from scratch_postgres(); without it, SQLite in the
    data dir."""
    env = {k: v for k, v in os.environ.items() if k != "RAPPORT_DATABASE_URL"}
    if database_url:
        env["RAPPORT_DATABASE_URL"] = database_url
    env.update(
        RAPPORT_DATA_DIR=str(data_dir),
        RAPPORT_SECRET_KEY=BENCH_SECRET,
        RAPPORT_DEBUG="false",
        RAPPORT_TASKS_BACKEND="immediate",
        RAPPORT_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="rapport.settings",
    )
    return env


@contextmanager
def temp_data_dir(keep: bool = False) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    try:
        yield path
    finally:
        if keep:
            print(f"(kept {path})")
        else:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def scratch_postgres(server_url: str | None) -> Iterator[str | None]:
    """A new PostgreSQL database on the server of `server_url`, dropped afterwards.

    The name is generated (`rapport_bench_` + random hex) and created here, so the benchmark
    can only ever write to a database it made itself; the path of `server_url` is ignored.
    Yields None (SQLite) when no URL is given."""
    if not server_url:
        yield None
        return
    import psycopg

    parts = urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"--database-url must be postgres://…, not {parts.scheme}://")
    name = f"rapport_bench_{secrets.token_hex(4)}"
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    print(f"  scratch database {name} on {parts.hostname}:{parts.port or 5432}", flush=True)
    # A benchmark stopped with `kill` still drops its database (SystemExit runs `finally`).
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        signal.signal(signal.SIGTERM, previous)
        print(f"  dropped scratch database {name}", flush=True)


def setup_django(data_dir: Path, database_url: str | None = None) -> None:
    """Point Django at the throwaway data dir (and scratch database), set it up, migrate."""
    if "django.conf" in sys.modules:
        from django.conf import settings

        if settings.configured:
            raise RuntimeError("Django was already set up; benchmarks need a fresh process")
    os.environ.pop("RAPPORT_DATABASE_URL", None)
    os.environ.update(bench_env(data_dir, database_url))
    (data_dir / "static").mkdir(parents=True, exist_ok=True)  # quiets WhiteNoise's warning
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--no-input", verbosity=0)


def sqlite_path(data_dir: Path) -> Path:
    return data_dir / "rapport.sqlite3"


@dataclass(frozen=True, slots=True)
class Timing:
    samples: tuple[float, ...]

    @property
    def mean(self) -> float:
        return sum(self.samples) / len(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    def describe(self) -> str:
        return (
            f"mean {ms(self.mean)}, p50 {ms(percentile(self.samples, 50))}, "
            f"p95 {ms(self.p95)}, max {ms(max(self.samples))} (n={len(self.samples)})"
        )


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@contextmanager
def stopwatch(label: str) -> Iterator[None]:
    """Print how long a setup step took."""
    print(f"  {label}…", end="", flush=True)
    started = time.perf_counter()
    yield
    print(f" {time.perf_counter() - started:.1f} s", flush=True)


@dataclass(frozen=True, slots=True)
class ChildRun:
    returncode: int
    seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str


def run_child(args: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> ChildRun:
    """Run a command, timing it and reading its own peak RSS (wait4, so only this child)."""
    started = time.perf_counter()
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        proc = subprocess.Popen(list(args), env=env, cwd=cwd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    rss_kb = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return ChildRun(proc.returncode, seconds, rss_kb / 1024, stdout, stderr)


def heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


def verdict(label: str, value: str, goal: str, ok: bool) -> bool:
    print(f"  {label:<28} {value:<22} goal {goal:<14} {'PASS' if ok else 'FAIL'}", flush=True)
    return ok


def fail(message: str) -> int:
    print(f"\nFAIL: {message}", file=sys.stderr, flush=True)
    return 1
