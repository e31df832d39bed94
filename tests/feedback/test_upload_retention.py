"""Uploaded files are deleted RAPPORT_IMPORT_KEEP_UPLOADS_DAYS after their job ends; the job
keeps its counts and rejected rows, and is no longer offered for resume."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.core.models import AuditAction, AuditEvent
from rapport.feedback import services
from rapport.feedback.models import ImportJob, ImportStatus
from tests.feedback.helpers import HEADER, csv_bytes, run, start

pytestmark = pytest.mark.django_db

CONTENT = csv_bytes(HEADER, "A-1,r1,2025-03-04 10:00,9,4,6,fine", "A-1,r2,2025-03-04 10:00,11,,,")


def _ended_days_ago(job: ImportJob, days: float, status: str = ImportStatus.SUCCEEDED) -> None:
    finished = timezone.now() - dt.timedelta(days=days)
    ImportJob.objects.filter(pk=job.pk).update(status=status, finished_at=finished)


def test_uploads_older_than_the_limit_are_deleted_and_the_job_kept(
    world, accounts, settings, tmp_path
):
    settings.RAPPORT_IMPORT_KEEP_UPLOADS_DAYS = 30
    old = run(start(world.user, CONTENT))
    _ended_days_ago(old, 31)
    old_failed = start(world.user, CONTENT, name="failed.csv")
    _ended_days_ago(old_failed, 31, ImportStatus.FAILED)
    recent = start(world.user, CONTENT, name="recent.csv")
    _ended_days_ago(recent, 29)
    running = start(world.user, CONTENT, name="running.csv")
    local = tmp_path / "local.csv"  # the CLI imports a file where it is: never deleted
    local.write_bytes(CONTENT)
    from_cli = services.start_import(
        actor=world.user, file_name="local.csv", path=local, background=False
    )
    _ended_days_ago(from_cli, 40)
    paths = {job.pk: Path(job.file_path) for job in ImportJob.objects.all()}

    assert services.delete_old_uploads() == 2

    jobs = {job.pk: job for job in ImportJob.objects.all()}
    for removed in (old.pk, old_failed.pk):
        assert not paths[removed].exists()
        assert jobs[removed].file_path == ""
        assert jobs[removed].file_removed_at is not None
    for kept in (recent.pk, running.pk, from_cli.pk):
        assert paths[kept].exists()
        assert jobs[kept].file_removed_at is None
    assert (jobs[old.pk].rows_read, jobs[old.pk].rows_inserted, jobs[old.pk].rows_rejected) == (
        2,
        1,
        1,
    )
    assert jobs[old.pk].row_errors.count() == 1
    events = AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="feedback.importjob")
    assert sorted(int(e.object_id) for e in events) == sorted([old.pk, old_failed.pk])
    assert services.delete_old_uploads() == 0  # once


def test_a_job_whose_file_was_removed_is_not_offered_for_resume(
    world, accounts, settings, user_client, api_client
):
    settings.RAPPORT_IMPORT_KEEP_UPLOADS_DAYS = 0
    job = start(world.user, CONTENT)
    _ended_days_ago(job, 0.001, ImportStatus.FAILED)
    assert services.delete_old_uploads() == 1
    job.refresh_from_db()
    assert not services.resumable(job)

    refused = api_client.post(f"/api/v1/imports/{job.pk}/resume")
    assert refused.status_code == 422
    assert "its uploaded file was removed on" in refused.json()["detail"]
    assert api_client.get(f"/api/v1/imports/{job.pk}").json()["file_removed_at"] is not None
    page = user_client.get(reverse("feedback:import", args=[job.pk])).content.decode()
    assert "The uploaded file was removed on" in page
    assert "Resume import" not in page


def test_the_workers_periodic_pass_deletes_old_uploads(world, accounts, settings, worker_pass):
    settings.RAPPORT_IMPORT_KEEP_UPLOADS_DAYS = 7
    job = run(start(world.user, CONTENT))
    _ended_days_ago(job, 8)
    worker_pass()
    job.refresh_from_db()
    assert job.file_removed_at is not None
