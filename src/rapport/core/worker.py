"""`rapport worker`: runs queued background tasks and the periodic work that is due.

Tasks go through the django-tasks API. With the database backend this process runs them;
with RQ (RAPPORT_TASKS_BACKEND=rq) run `rapport manage rqworker` instead.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError

from rapport.core.registries import DUE_WORK, PERIODIC
from rapport.core.workers import WORKER_ID, Beating

log = logging.getLogger("rapport.worker")


def run_periodic() -> None:
    """Work driven by time rather than by a queued task: the jobs apps registered in
    `core.registries.PERIODIC` from their AppConfig.ready()."""
    for job in PERIODIC.in_order():
        job()


def run_due_work() -> None:
    """Due work that should not wait for the minute (`core.registries.DUE_WORK`)."""
    for job in DUE_WORK.in_order():
        job()


def run_worker(
    *, once: bool = False, interval: float = 1.0, stop: threading.Event | None = None
) -> int:
    """The loop of `rapport worker`, and of the worker thread beside `rapport serve`, which
    passes `stop` (signals belong to the main thread there)."""
    from django_tasks_db.management.commands.db_worker import Worker

    backend = str(settings.TASKS["default"]["BACKEND"])
    if not backend.startswith("django_tasks_db"):
        log.error("RAPPORT_TASKS_BACKEND is not 'database'; run that backend's own worker.")
        return 2
    if stop is None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, frame: stop.set())
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=WORKER_ID,
        excluded_queue_names=[],
    )
    last_periodic: float | None = None
    last_due: float | None = None
    unreachable = False
    with Beating():
        while not stop.is_set():
            try:
                if last_periodic is None or time.monotonic() - last_periodic > 60:
                    run_periodic()
                    last_periodic = time.monotonic()
                if (
                    last_due is None
                    or time.monotonic() - last_due >= settings.RAPPORT_DUE_WORK_SECONDS
                ):
                    run_due_work()
                    last_due = time.monotonic()
                worker.run()  # runs every ready task, then returns (batch mode)
            except (OperationalError, InterfaceError) as error:  # database down: wait for it
                if not unreachable:
                    log.warning("worker: the database is unreachable (%s); retrying", error)
                unreachable = True
            else:
                if unreachable:
                    log.warning("worker: the database is back")
                unreachable = False
            if once:
                break
            stop.wait(interval)
    return 0
