"""What `rapport serve` and `rapport demo` run beside the web server, in one thread: the
migrations, retried until the database answers, then a worker (unless `--no-worker`)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from django.core.management import call_command
from django.db import InterfaceError, OperationalError, connection

from rapport.core.worker import run_worker

RETRY_SECONDS = 5.0


def migrate() -> None:
    call_command("migrate", "--no-input", "-v", "0")


def try_migrate(run_migrations: Callable[[], None] = migrate, *, say_why: bool = True) -> bool:
    """One attempt; False, with one line on stderr rather than a traceback, when the database
    is unreachable."""
    try:
        run_migrations()
    except (OperationalError, InterfaceError) as error:
        if say_why:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            print(
                f"rapport: the database is unreachable ({reason}); serving 503 until it "
                f"answers, retrying the migrations every {RETRY_SECONDS:g} s",
                file=sys.stderr,
                flush=True,
            )
        return False
    return True


def migrate_when_reachable(
    *,
    stop: threading.Event,
    run_migrations: Callable[[], None] = migrate,
    retry_seconds: float = RETRY_SECONDS,
) -> bool:
    """Retry the migrations every retry_seconds until they run; False when stopped first."""
    while not stop.wait(retry_seconds):
        if try_migrate(run_migrations, say_why=False):
            print("rapport: the database answers; migrations applied", file=sys.stderr, flush=True)
            return True
    return False


class BesideTheServer:
    """Migrations (unless applied already) and then a worker, in a daemon thread; `stop()` asks
    the worker to finish its current poll and waits a little for it (a task still running
    then is cut off with the process; its worker's beats stop, so it can be resumed)."""

    def __init__(self, *, migrated: bool, worker: bool) -> None:
        self.migrated = migrated
        self.worker = worker
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="rapport-beside", daemon=True)

    def start(self) -> None:
        if self.worker or not self.migrated:
            self.thread.start()

    def stop(self, *, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        try:
            migrated = self.migrated or migrate_when_reachable(stop=self.stopping)
            if migrated and self.worker:
                run_worker(stop=self.stopping)
        finally:
            connection.close()  # this thread's own connection
