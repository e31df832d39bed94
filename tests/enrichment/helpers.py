"""Builders for the comment analysis tests."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from rapport.enrichment import services
from rapport.enrichment.models import CommentAnalysis, EnrichmentJob, ResponseTheme, ThemeRollup
from rapport.feedback.models import Response

WHEN = timezone.make_aware(dt.datetime(2026, 6, 10, 12, 0))


def respond(account, comment: str, *, when: dt.datetime = WHEN, **scores) -> Response:
    return Response.objects.create(account=account, submitted_at=when, comment=comment, **scores)


def enrich(batch: int = 1000) -> EnrichmentJob:
    """Create and run one enrichment job in the foreground."""
    job = EnrichmentJob.objects.create(reason="test")
    return services.run_enrichment_job(job_id=job.pk, batch=batch)


def analysis(response: Response) -> CommentAnalysis:
    return CommentAnalysis.objects.get(response=response)


def themes_of(response: Response) -> set[str]:
    return set(
        ResponseTheme.objects.filter(analysis__response=response).values_list(
            "theme__slug", flat=True
        )
    )


def rollup_sums(period: str = "month") -> dict[tuple[int, str, dt.date], tuple[int, float]]:
    return {
        (r.account_id, r.key, r.period_start): (r.n, round(r.total, 6))
        for r in ThemeRollup.objects.filter(period=period)
        if r.n
    }


def direct_counts() -> dict[tuple[int, str, dt.date], tuple[int, float]]:
    """What the month rollups must hold, counted from the analyses themselves."""
    from rapport.core.dates import bucket_starts

    n: Counter[tuple[int, str, dt.date]] = Counter()
    total: Counter[tuple[int, str, dt.date]] = Counter()
    for a in CommentAnalysis.objects.prefetch_related("themes__theme"):
        month = bucket_starts(a.submitted_at)[2]
        for key in ["*", *(t.theme.slug for t in a.themes.all())]:
            n[(a.account_id, key, month)] += 1
            total[(a.account_id, key, month)] += a.compound
    return {k: (v, round(total[k], 6)) for k, v in n.items()}
