"""Background work for feedback: run an uploaded import (`rapport worker` picks it up)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    from rapport.feedback.services import run_import_job

    run_import_job(job_id=job_id)
