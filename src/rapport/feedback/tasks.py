"""Background work for feedback: run an uploaded import (`rapport worker` picks it up)."""

from __future__ import annotations

from django_tasks import task

# The module, not its function: services imports this module to queue the task (a cycle that
# importing modules, rather than names from them, resolves whichever is imported first).
from rapport.feedback import services


@task()
def run_import(job_id: int) -> None:
    services.run_import_job(job_id=job_id)
