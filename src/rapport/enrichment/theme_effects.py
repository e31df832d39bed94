"""Per theme, over a window: share of comments, and the sums of the comments' sentiment and of
a metric for the responses that mention it and for the analysed responses that do not.

Read by analytics (the SWOT); callers pass accounts they scoped themselves (a list of ids or
a queryset of ids), as for `public.analyses_for`. Four queries whatever the window: shares
and sentiment come from the day rollups; no rollup keeps a metric per theme, so the metric
sums are aggregated in SQL over the window's analysed responses (one grouped query and one
total; the rows never reach Python).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from rapport.core.dates import local_days
from rapport.enrichment.models import CommentAnalysis, ResponseTheme, Theme, ThemeRollup
from rapport.enrichment.rollups import ALL
from rapport.stats.metrics import SUM_FIELDS, metric_def


@dataclass(frozen=True, slots=True)
class ThemeFigures:
    slug: str
    name: str
    mentions: int  # analysed comments with the theme in the window
    comments: int  # analysed comments in the window
    # n, total, total_sq of the sentiment (compound, −1..1) of the comments mentioning it and
    # of the other analysed comments: a mean with `metrics.estimate` on any custom key.
    sentiment_with: dict[str, float]
    sentiment_without: dict[str, float]
    with_theme: dict[str, float]  # metric sums (SUM_FIELDS) of responses mentioning it
    without_theme: dict[str, float]  # … of the other analysed responses answering the metric


def _metric_sums(field: str, metric: str) -> dict[str, Any]:
    """Aggregates giving `metrics.estimate` its sums for `field` (a path to the metric)."""
    top2_from = metric_def(metric).top2_from
    value = F(field)
    answered = Q(**{f"{field}__isnull": False})
    return {
        "n": Count("pk", filter=answered),
        "total": Sum(value),
        "total_sq": Sum(value * value),
        "promoters": Count("pk", filter=Q(**{f"{field}__gte": 9})),
        "passives": Count("pk", filter=Q(**{f"{field}__gte": 7, f"{field}__lte": 8})),
        "detractors": Count("pk", filter=Q(**{f"{field}__lte": 6})),
        "top2": Count("pk", filter=Q(**{f"{field}__gte": top2_from})),
    }


def _clean(row: Mapping[str, Any]) -> dict[str, float]:
    return {f: float(row.get(f) or 0) for f in SUM_FIELDS}


def theme_figures(
    account_ids: Iterable[int] | QuerySet[Any, Any], *, metric: str, start: date, end: date
) -> list[ThemeFigures]:
    """Every theme mentioned in the window (`start`..`end` inclusive, local days), most
    mentioned first."""
    since, until = local_days(start, end)
    rollups: dict[str, Mapping[str, Any]] = {
        row["key"]: row
        for row in ThemeRollup.objects.filter(
            account_id__in=account_ids,
            period="day",
            period_start__gte=start,
            period_start__lte=end,
        )
        .values("key")
        .annotate(n=Sum("n"), total=Sum("total"), total_sq=Sum("total_sq"))
        .order_by()
    }
    prefix = f"analysis__response__{metric}"
    by_theme = {
        row["theme__slug"]: _clean(row)
        for row in ResponseTheme.objects.filter(
            analysis__account_id__in=account_ids,
            analysis__submitted_at__gte=since,
            analysis__submitted_at__lt=until,
            analysis__response__isnull=False,
            **{f"{prefix}__isnull": False},
        )
        .values("theme__slug")
        .annotate(**_metric_sums(prefix, metric))
        .order_by()
    }
    everyone = _clean(
        CommentAnalysis.objects.filter(
            account_id__in=account_ids,
            submitted_at__gte=since,
            submitted_at__lt=until,
            response__isnull=False,
            **{f"response__{metric}__isnull": False},
        ).aggregate(**_metric_sums(f"response__{metric}", metric))
    )
    names = dict(Theme.objects.values_list("slug", "name"))
    every_comment = _clean(rollups.get(ALL, {}))
    result = []
    for slug, row in rollups.items():
        if slug == ALL or slug not in names or not row["n"]:
            continue
        with_theme = by_theme.get(slug, _clean({}))
        sentiment = _clean(row)
        result.append(
            ThemeFigures(
                slug=slug,
                name=names[slug],
                mentions=int(row["n"]),
                comments=int(every_comment["n"]),
                sentiment_with=sentiment,
                sentiment_without={f: every_comment[f] - sentiment[f] for f in SUM_FIELDS},
                with_theme=with_theme,
                without_theme={f: everyone[f] - with_theme[f] for f in SUM_FIELDS},
            )
        )
    result.sort(key=lambda t: (-t.mentions, t.name))
    return result
