"""Generating a run (the worker): build the type's document from the data as of now, gather
its recommendations, render the files, and hand it to review or delivery. Queued runs are due
work (`core.claims`), so two workers never generate the same run."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from rapport.core.claims import claim_due, finish_claim
from rapport.core.models import AuditAction
from rapport.core.services import record_audit
from rapport.customers.selectors import accounts_for
from rapport.reports.document import Block, Document
from rapport.reports.models import (
    Audience,
    ReportDefinition,
    ReportOutput,
    ReportRun,
    RunRecommendation,
    RunStatus,
)
from rapport.reports.recommendations import gather_recommendations
from rapport.reports.registry import BuildContext, get_type
from rapport.reports.rendering import render_all

logger = logging.getLogger(__name__)


def _accounts(run: ReportRun) -> QuerySet[Any]:
    definition = run.definition
    accounts = accounts_for(definition.owner).filter(team_id=run.team_id)
    filters = run.filters
    if filters.get("accounts"):
        accounts = accounts.filter(pk__in=filters["accounts"])
    if filters.get("tier"):
        accounts = accounts.filter(tier=filters["tier"])
    return accounts


def document_for(run: ReportRun) -> Document:
    """The run's stored document with its recommendations as they are now (edited, left out
    or added on the run), in the last section."""
    document = Document.from_json(run.document or {})
    items = [r.text for r in run.recommendations.all() if r.included]
    section = next((s for s in document.sections if s.key == "recommendations"), None)
    if section is None:
        section = document.section("recommendations", "Recommendations")
    section.blocks = [
        Block("list", items=items) if items else Block("paragraph", text="No recommendations.")
    ]
    return document


def file_stem(run: ReportRun) -> str:
    return f"{slugify(run.definition.name)[:60] or 'report'}-{run.period_end:%Y-%m-%d}"


def render_outputs(run: ReportRun) -> None:
    """(Re)write the run's files from its document and recommendations."""
    formats = list(run.definition_snapshot.get("formats", []))
    files = render_all(document_for(run), formats, file_stem(run))
    with transaction.atomic():
        run.outputs.all().delete()
        ReportOutput.objects.bulk_create(
            ReportOutput(
                run=run,
                format=f.format,
                name=f.name,
                content_type=f.content_type,
                content=f.content,
                size=len(f.content),
            )
            for f in files
        )
        ReportRun.objects.filter(pk=run.pk).update(outputs_stale=False)
    run.outputs_stale = False


def ensure_outputs(run: ReportRun) -> None:
    if run.outputs_stale and run.document is not None:
        render_outputs(run)


def generate(run: ReportRun) -> None:
    """Build, store and render one claimed run; a failure is recorded on the run."""
    run = ReportRun.objects.select_related("definition", "definition__owner", "team").get(pk=run.pk)
    report_type = get_type(run.report_type)
    formats = list(run.definition_snapshot.get("formats", []))
    renders = 1 if ({"pdf", "email", "xlsx", "csv"} & set(formats)) else 0
    accounts = _accounts(run)
    steps = report_type.steps
    if report_type.per_account_steps:
        steps = max(1, min(steps, accounts.count()))
    total = steps + renders
    now = timezone.now()
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        started_at=now,
        data_as_of=now,
        steps_done=0,
        steps_total=total,
        error="",
    )
    done = 0

    def progress(_step: str) -> None:
        nonlocal done
        done += 1
        ReportRun.objects.filter(pk=run.pk).update(
            steps_done=done, steps_total=max(total, done + renders)
        )

    try:
        ctx = BuildContext(
            reader=run.definition.owner,
            team=run.team,
            accounts=accounts,
            audience=run.audience,
            period_start=run.period_start,
            period_end=run.period_end,
            as_of=now,
            title=run.definition_snapshot.get("name") or run.definition.name,
            progress=progress,
        )
        document = report_type.build(ctx)
        gather_recommendations(ctx, run)
        with transaction.atomic():
            run.document = document.to_json()
            run.save(update_fields=["document"])
            RunRecommendation.objects.filter(run=run).delete()
            RunRecommendation.objects.bulk_create(
                RunRecommendation(
                    run=run,
                    position=i,
                    text=r["text"],
                    source_kind=r["source_kind"],
                    source_ref=r["source_ref"],
                    source_url=r["source_url"],
                )
                for i, r in enumerate(ctx.recommendations, start=1)
            )
        render_outputs(run)
        ReportRun.objects.filter(pk=run.pk).update(steps_done=F("steps_total"))
    except Exception as error:
        logger.exception("report run %s failed", run.pk)
        ReportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000]
            + "\n"
            + traceback.format_exc(limit=3)[-1500:],
        )
        return
    finished = timezone.now()
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.REVIEW, finished_at=finished)
    run.refresh_from_db()
    # A scheduled internal run goes out as generated; a customer-facing one waits for its
    # account owner's approval, and one asked for by hand for its requester's review.
    if run.scheduled and run.audience != Audience.CUSTOMER:
        # Approved as generated; due again at once, so the periodic pass queues its e-mails.
        ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.APPROVED, approved_at=finished)


def generate_claimed(queryset: QuerySet[ReportRun], *, limit: int) -> int:
    runs = claim_due(queryset.filter(status=RunStatus.QUEUED), limit=limit)
    for run in runs:
        generate(run)
        # A scheduled internal run that went out as generated is due again for delivery.
        approved = ReportRun.objects.filter(pk=run.pk, status=RunStatus.APPROVED).exists()
        finish_claim(run, next_due_at=timezone.now() if approved else None)
    return len(runs)


def generate_due(*, limit: int = 5) -> int:
    """Periodic: queued runs whose task has not run (no task worker, or a lost one)."""
    return generate_claimed(ReportRun.objects.all(), limit=limit)


def generate_one(run_id: int) -> int:
    return generate_claimed(ReportRun.objects.filter(pk=run_id), limit=1)


def schedule_due(*, limit: int = 50) -> int:
    """Periodic: definitions whose next run is due queue one and move to the next time."""
    from rapport.reports.services import _next_due, queue_run

    definitions = claim_due(ReportDefinition.objects.filter(active=True), limit=limit)
    for definition in definitions:
        definition = ReportDefinition.objects.select_related("owner").get(pk=definition.pk)
        try:
            queue_run(actor=None, definition=definition, scheduled=True, via="worker")
        finally:
            finish_claim(definition, next_due_at=_next_due(definition))
    return len(definitions)


def clean_up_old_runs(*, limit: int = 200) -> int:
    """Periodic: delete runs (and their files) finished more than RAPPORT_REPORT_KEEP_DAYS ago,
    each deletion audited."""
    from django.conf import settings

    cut = timezone.now() - timedelta(days=settings.RAPPORT_REPORT_KEEP_DAYS)
    old = list(
        ReportRun.objects.filter(finished_at__lt=cut)
        .exclude(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        .only("pk", "team_id")
        .order_by("finished_at")[:limit]
    )
    for run in old:
        with transaction.atomic():
            record_audit(
                actor=None,
                action=AuditAction.DELETE,
                instance=run,
                team_id=run.team_id,
                via="worker",
                detail="retention: RAPPORT_REPORT_KEEP_DAYS",
            )
            run.delete()
    return len(old)
