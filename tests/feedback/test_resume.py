"""A killed import resumes after its last committed batch: nothing lost, nothing twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from rapport.analytics.models import MetricRollup
from rapport.feedback import services
from rapport.feedback.importing import pipeline
from rapport.feedback.models import ImportJob, ImportStatus, Response
from tests.feedback.helpers import (
    HEADER,
    assert_reconciles,
    assert_rollups_match,
    counts,
    csv_bytes,
    errors,
    import_bytes,
    run,
    start,
    stored,
)

pytestmark = pytest.mark.django_db

# 12 data rows (rows 2-13): batches of 3 are rows 2-4, 5-7, 8-10, 11-13.
LINES = (
    HEADER,
    "A-1,r01,2025-03-01 10:00,9,4,6,one",
    "A-2,r02,2025-03-02 10:00,3,2,,two",
    "A-1,r03,2025-03-03 10:00,11,,,bad score",  # rejected in batch 1
    "A-1,r04,2025-03-04 10:00,7,,,",
    "A-2,r01,2025-03-05 10:00,1,,,repeats row 2",  # rejected: duplicate of batch 1
    "A-1,,2025-03-06 10:00,5,,,no id",
    "NEW-1,r07,2025-03-07 10:00,8,5,7,new account",
    "A-1,r08,2025-03-08 10:00,10,,,",
    "A-1,,2025-03-06 10:00,5,,,no id",  # rejected: repeats row 7
    "A-2,r10,2025-03-10 10:00,6,3,3,",
    "NEW-1,r11,2025-03-11 10:00,2,,,",
    "A-1,r12,2025-03-12 10:00,0,1,1,last",
)
CONTENT = csv_bytes(*LINES)
MAPPING = {"create_missing_accounts": True, "default_team": ""}
CLEAN_COUNTS = (12, 9, 0, 0, 3)


@pytest.fixture
def mapping(world) -> dict[str, Any]:
    return {**MAPPING, "default_team": world.team.slug}


def _clean_import(world: Any, mapping: dict[str, Any]) -> tuple[list[Any], list[Any], Any]:
    """What an uninterrupted import of the same file leaves (in a database emptied first)."""
    Response.objects.all().delete()
    MetricRollup.objects.all().delete()
    from rapport.customers.models import Account

    Account.objects.filter(external_id="NEW-1").delete()
    job = import_bytes(world.user, CONTENT, mapping=mapping, batch_rows=3)
    return stored(), errors(job), counts(job)


def _interrupt_after(batches: int, error: BaseException):
    calls = []

    def on_progress(job: ImportJob) -> None:
        calls.append(job.rows_read)
        if len(calls) == batches:
            raise error

    return on_progress


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(1)], ids=["ctrl-c", "exit"])
def test_interrupted_import_resumes_to_the_same_result_as_a_clean_one(
    accounts, world, mapping, error
):
    job = start(world.user, CONTENT, mapping=mapping)
    with pytest.raises(type(error)):
        services.run_import_job(job_id=job.pk, batch_rows=3, on_progress=_interrupt_after(2, error))
    job.refresh_from_db()
    assert (job.status, job.error) == (ImportStatus.FAILED, "the import was interrupted; resume it")
    assert job.checkpoint_row == 7
    assert counts(job) == (6, 4, 0, 0, 2)
    assert_reconciles(job)
    assert Response.objects.count() == 4
    assert services.resumable(job)

    job = run(job, batch_rows=3)
    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert counts(job) == CLEAN_COUNTS
    assert job.accounts_created == 1
    assert_rollups_match()
    resumed_rows, resumed_errors = stored(), errors(job)

    assert _clean_import(world, mapping) == (resumed_rows, resumed_errors, CLEAN_COUNTS)


def test_a_failing_batch_rolls_back_alone_and_resume_finishes(
    accounts, world, mapping, monkeypatch
):
    real_write_rows = pipeline.write_rows
    calls = []

    def fail_on_third_batch(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_write_rows(*args, **kwargs)

    monkeypatch.setattr(pipeline, "write_rows", fail_on_third_batch)
    job = run(start(world.user, CONTENT, mapping=mapping), batch_rows=3)
    assert (job.status, job.error) == (ImportStatus.FAILED, "unexpected error: disk full")
    assert job.checkpoint_row == 7
    assert counts(job) == (6, 4, 0, 0, 2)
    # The third batch's new account was rolled back with its rows.
    assert job.accounts_created == 0
    assert not Response.objects.filter(external_id__in=["r07", "r08"]).exists()
    assert_rollups_match()

    monkeypatch.setattr(pipeline, "write_rows", real_write_rows)
    job = run(job, batch_rows=3)
    assert counts(job) == CLEAN_COUNTS
    assert job.accounts_created == 1
    assert_rollups_match()
    assert _clean_import(world, mapping) == (stored(), errors(job), CLEAN_COUNTS)


def test_a_job_left_running_by_a_killed_process_resumes(accounts, world, mapping):
    job = start(world.user, CONTENT, mapping=mapping)
    with pytest.raises(KeyboardInterrupt):
        services.run_import_job(
            job_id=job.pk, batch_rows=3, on_progress=_interrupt_after(3, KeyboardInterrupt())
        )
    # A kill -9 would not have marked the job failed; its heartbeat stops.
    job.refresh_from_db()
    assert job.heartbeat_at is not None  # the checkpoints beat
    quiet_since = timezone.now() - dt.timedelta(minutes=11)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, error="", heartbeat_at=quiet_since
    )
    job.refresh_from_db()
    assert services.stalled(job)
    assert services.resumable(job)
    job = run(job, batch_rows=3)
    assert counts(job) == CLEAN_COUNTS
    assert Response.objects.count() == 9
    assert_rollups_match()


def test_interrupted_after_the_last_batch_resumes_to_nothing_more(accounts, world, mapping):
    job = start(world.user, CONTENT, mapping=mapping)
    with pytest.raises(KeyboardInterrupt):
        services.run_import_job(
            job_id=job.pk, batch_rows=3, on_progress=_interrupt_after(4, KeyboardInterrupt())
        )
    before = stored()
    job = run(job, batch_rows=3)
    assert (job.status, counts(job)) == (ImportStatus.SUCCEEDED, CLEAN_COUNTS)
    assert stored() == before


def test_a_file_changed_between_runs_is_refused(accounts, world, mapping):
    job = start(world.user, CONTENT, mapping=mapping)
    with pytest.raises(KeyboardInterrupt):
        services.run_import_job(
            job_id=job.pk, batch_rows=3, on_progress=_interrupt_after(1, KeyboardInterrupt())
        )
    path = Path(ImportJob.objects.get(pk=job.pk).file_path)
    path.write_bytes(CONTENT + b"A-1,r13,2025-03-13 10:00,9,,,\n")
    job = run(job, batch_rows=3)
    assert job.status == ImportStatus.FAILED
    assert job.error == "the file has changed since this import started; start a new one"
    assert counts(job) == (3, 2, 0, 0, 1)
    assert sorted(Response.objects.values_list("external_id", flat=True)) == ["r01", "r02"]


def test_a_file_that_is_gone_fails_clearly(accounts, world):
    job = start(world.user, CONTENT)
    Path(job.file_path).unlink()
    job = run(job)
    assert (job.status, job.error) == (
        ImportStatus.FAILED,
        "the file is no longer on the server; upload it again",
    )


def test_a_running_job_with_a_recent_heartbeat_is_not_resumable(accounts, world, mapping):
    job = start(world.user, CONTENT, mapping=mapping)
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now - dt.timedelta(minutes=9)
    )
    job.refresh_from_db()
    assert not services.stalled(job)
    assert not services.resumable(job)
    assert services.stalled(job, now=now + dt.timedelta(minutes=2))


def test_the_worker_marks_stalled_imports_failed_with_the_reason(accounts, world, mapping):
    stale, alive, legacy = (start(world.user, CONTENT, mapping=mapping) for _ in range(3))
    now = timezone.now()
    ImportJob.objects.filter(pk=stale.pk).update(
        status=ImportStatus.RUNNING, heartbeat_at=now - dt.timedelta(minutes=30)
    )
    ImportJob.objects.filter(pk=alive.pk).update(status=ImportStatus.RUNNING, heartbeat_at=now)
    ImportJob.objects.filter(pk=legacy.pk).update(  # started before heartbeats existed
        status=ImportStatus.RUNNING, heartbeat_at=None, started_at=now - dt.timedelta(hours=2)
    )
    assert services.fail_stalled_imports() == 2
    stale.refresh_from_db()
    alive.refresh_from_db()
    legacy.refresh_from_db()
    assert (stale.status, alive.status, legacy.status) == ("failed", "running", "failed")
    assert stale.error.startswith("stalled: no progress since ")
    assert stale.error.endswith("rows up to the last checkpoint are saved, resume it")
    assert services.resumable(stale)
    job = run(stale, batch_rows=3)
    assert counts(job) == CLEAN_COUNTS
