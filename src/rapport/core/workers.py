"""Which worker processes are alive.

A process that runs background tasks (`rapport worker`, the worker beside `rapport serve`, a
`rapport import` in the terminal) writes a `WorkerBeat` row every BEAT_SECONDS from a thread of
its own, so the beat goes on while a long task runs. Silent for RAPPORT_WORKER_LOST_SECONDS, the
process is lost (killed, out of memory, machine gone): its tasks will not finish.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapport.core.models import WorkerBeat

log = logging.getLogger(__name__)

BEAT_SECONDS = 2.0
WORKER_ID = f"{socket.gethostname()}-{os.getpid()}"[:100]
_beating = threading.Event()  # set while this process beats


class WorkerLost(Exception):
    """The worker running a task stopped without finishing it (recorded on the task's row)."""


def lost_after() -> timedelta:
    return timedelta(seconds=settings.RAPPORT_WORKER_LOST_SECONDS)


def current_worker_id() -> str:
    """This process's id while it beats, else "" (its work cannot be told alive or lost)."""
    return WORKER_ID if _beating.is_set() else ""


def beat(worker_id: str = WORKER_ID) -> None:
    WorkerBeat.objects.update_or_create(worker_id=worker_id, defaults={"beat_at": timezone.now()})


def last_seen(worker_id: str) -> datetime | None:
    """When the worker last beat; None once it is forgotten (lost and reaped)."""
    return WorkerBeat.objects.filter(worker_id=worker_id).values_list("beat_at", flat=True).first()


def any_alive(*, now: datetime | None = None) -> bool:
    return WorkerBeat.objects.filter(beat_at__gte=(now or timezone.now()) - lost_after()).exists()


def reap_lost_workers(*, now: datetime | None = None) -> int:
    """Periodic: fail the task rows that lost workers left running, then forget those workers.
    Returns how many task rows. Rows of workers that never beat (`rapport manage db_worker`)
    are left alone: nothing tells whether they are alive."""
    cutoff = (now or timezone.now()) - lost_after()
    lost = WorkerBeat.objects.filter(beat_at__lt=cutoff)
    seen = dict(lost.values_list("worker_id", "beat_at"))
    failed = 0
    for result in DBTaskResult.objects.running():
        owner = result.worker_ids[-1] if result.worker_ids else ""
        if owner in seen:
            lost_at = timezone.localtime(seen[owner])
            result.set_failed(WorkerLost(f"worker {owner} was last seen at {lost_at:%H:%M:%S}"))
            log.warning("task %s: worker %s lost", result.pk, owner)
            failed += 1
    lost.filter(worker_id__in=seen).delete()
    return failed


class Beating:
    """Context manager: this process beats from a daemon thread until the block ends."""

    def __init__(self, worker_id: str = WORKER_ID, *, interval: float = BEAT_SECONDS) -> None:
        self.worker_id = worker_id
        self.interval = interval
        self._stop = threading.Event()
        self._first = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rapport-beat", daemon=True)

    def __enter__(self) -> Beating:
        self._thread.start()
        self._first.wait(timeout=10)  # a task started next must find this worker's row
        _beating.set()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        _beating.clear()
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        failing = False
        try:
            while True:
                try:
                    beat(self.worker_id)
                    failing = False
                except DatabaseError as error:  # the database is down: say so once, go on
                    if not failing:
                        log.warning("worker %s cannot record its beat: %s", self.worker_id, error)
                    failing = True
                self._first.set()
                if self._stop.wait(self.interval):
                    break
            # The block ended, so no task of this process is left running: forget it now.
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            pass  # down: the row goes stale and the next periodic pass removes it
        finally:
            connection.close()  # this thread's own connection
