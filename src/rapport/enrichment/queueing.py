"""Queue an enrichment run. Apart from services.py, which loads the text models (scikit-learn,
VADER, scipy: seconds and ~80 MB), so that an import or a page that only queues a run does
not pay for them."""

from __future__ import annotations

from django.db import transaction

from rapport.core.access import Actor, Capability, require
from rapport.enrichment.models import EnrichmentJob, JobKind, JobStatus
from rapport.enrichment.tasks import run_enrichment


def start_enrichment(
    *, actor: Actor | None, reason: str, created_by: Actor | None = None
) -> EnrichmentJob:
    """Queue an enrichment run (one waiting run at a time: it takes whatever is pending)."""
    by = created_by or actor
    if actor is not None:
        require(actor, Capability.MANAGE_THEMES, None)
    waiting = EnrichmentJob.objects.filter(kind=JobKind.ENRICH, status=JobStatus.PENDING).first()
    if waiting is not None:
        return waiting
    job = EnrichmentJob.objects.create(
        kind=JobKind.ENRICH,
        reason=reason[:40],
        created_by=by if by is not None and by.is_authenticated else None,
    )
    transaction.on_commit(lambda: run_enrichment.enqueue(job.pk))
    return job
