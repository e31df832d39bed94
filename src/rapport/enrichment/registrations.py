"""What enrichment registers with the apps below it (called from EnrichmentConfig.ready)."""

from __future__ import annotations

from rapport.core.registries import PERIODIC
from rapport.enrichment.public import enqueue_if_pending, enrich_after_import
from rapport.feedback import hooks


def analyse_after_import(job_id: int, account_ids: set[int]) -> None:
    enrich_after_import(job_id)  # comment analysis in the background, after the commit


def register() -> None:
    hooks.on_import_finished(analyse_after_import)
    # Comments that arrived outside an import (API, manual notes).
    PERIODIC.register("enrichment.pending", enqueue_if_pending, order=40)
