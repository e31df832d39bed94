"""Background work for reports: generate a queued run now (`rapport worker` picks it up); the
periodic pass picks up any the task did not."""

from __future__ import annotations

from django_tasks import task

from rapport.reports import generation


@task()
def generate_report(run_id: int) -> None:
    generation.generate_one(run_id)


def enqueue_generation(run_id: int) -> None:
    generate_report.enqueue(run_id)
