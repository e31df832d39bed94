"""`rapport worker`: runs queued background tasks and the periodic work that is due.

Tasks go through the django-tasks API. With the database backend this process runs them;
with RQ (RAPPORT_TASKS_BACKEND=rq) run `rapport manage rqworker` instead.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from types import FrameType

from django.conf import settings

from rapport.core.registries import PERIODIC

log = logging.getLogger("rapport.worker")


def run_periodic() -> None:
    """Work driven by time rather than by a queued task: the jobs apps registered in
    `core.registries.PERIODIC` from their AppConfig.ready()."""
    for job in PERIODIC.in_order():
        job()


def run_worker(*, once: bool = False, interval: float = 1.0) -> int:
    from django_tasks_db.management.commands.db_worker import Worker

    backend = str(settings.TASKS["default"]["BACKEND"])
    if not backend.startswith("django_tasks_db"):
        log.error("RAPPORT_TASKS_BACKEND is not 'database'; run that backend's own worker.")
        return 2
    stop = False

    def _stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"rapport-{os.getpid()}",
        excluded_queue_names=[],
    )
    last_periodic = 0.0
    print("Rapport worker started; waiting for tasks (Ctrl+C to stop)", flush=True)
    while not stop:
        if time.monotonic() - last_periodic > 60:
            run_periodic()
            last_periodic = time.monotonic()
        worker.run()  # runs every ready task, then returns (batch mode)
        if once:
            break
        time.sleep(interval)
    return 0
