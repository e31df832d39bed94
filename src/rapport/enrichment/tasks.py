"""Background work for comment analysis (`rapport worker` runs it)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_enrichment(job_id: int) -> None:
    from rapport.enrichment.services import run_enrichment_job

    run_enrichment_job(job_id=job_id)


@task()
def train_themes(job_id: int) -> None:
    from rapport.enrichment.training import run_training_job

    run_training_job(job_id=job_id)


@task()
def train_sentiment(job_id: int) -> None:
    from rapport.enrichment.training import run_training_job

    run_training_job(job_id=job_id)
