"""Worker liveness: beats, lost workers' task rows, and a worker that is quiet when idle."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapport.core import workers
from rapport.core.models import WorkerBeat
from rapport.feedback.tasks import run_import

pytestmark = pytest.mark.django_db


def _claimed_by(worker_id: str) -> DBTaskResult:
    result = DBTaskResult.objects.get(pk=run_import.enqueue(0).id)
    result.claim(worker_id)
    return result


def test_a_lost_workers_running_task_is_failed_and_the_worker_forgotten(settings):
    now = timezone.now()
    lost_at = now - timedelta(seconds=settings.RAPPORT_WORKER_LOST_SECONDS + 1)
    WorkerBeat.objects.create(worker_id="host-1", beat_at=lost_at)
    WorkerBeat.objects.create(worker_id="host-2", beat_at=now)
    of_lost, of_live = _claimed_by("host-1"), _claimed_by("host-2")
    of_unknown = _claimed_by("db_worker-without-beats")

    assert workers.reap_lost_workers(now=now) == 1

    of_lost.refresh_from_db()
    assert of_lost.status == "FAILED"
    assert of_lost.exception_class_path == "rapport.core.workers.WorkerLost"
    assert "worker host-1 was last seen at" in of_lost.traceback
    assert {r.status for r in DBTaskResult.objects.filter(pk__in=[of_live.pk, of_unknown.pk])} == {
        "RUNNING"
    }
    assert list(WorkerBeat.objects.values_list("worker_id", flat=True)) == ["host-2"]


def test_any_alive_and_last_seen(settings):
    assert not workers.any_alive()
    beat_at = timezone.now() - timedelta(seconds=settings.RAPPORT_WORKER_LOST_SECONDS + 1)
    WorkerBeat.objects.create(worker_id="old", beat_at=beat_at)
    assert not workers.any_alive()
    assert workers.last_seen("old") == beat_at
    workers.beat("new")
    assert workers.any_alive()
    assert workers.last_seen("gone") is None


def test_an_idle_worker_does_not_log_each_poll(caplog, worker_pass):
    caplog.set_level(logging.INFO)
    for _ in range(3):
        worker_pass()  # one poll each, as the loop does every second
    assert [r.getMessage() for r in caplog.records if r.name.startswith("django_tasks")] == []


def test_the_worker_beats_while_it_runs_and_forgets_itself_when_it_stops(monkeypatch, worker_pass):
    seen = []
    monkeypatch.setattr(
        "rapport.core.worker.run_periodic", lambda: seen.append(workers.current_worker_id())
    )
    worker_pass()
    assert seen == [workers.WORKER_ID]  # tasks run meanwhile record this id
    assert workers.current_worker_id() == ""
    assert not WorkerBeat.objects.filter(worker_id=workers.WORKER_ID).exists()
