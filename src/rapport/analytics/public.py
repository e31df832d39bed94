"""What other apps may use from analytics."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import FloatField, OuterRef, Subquery, Sum

from rapport.analytics.models import AccountSnapshot, MetricRollup, Period
from rapport.stats.metrics import SUM_FIELDS


def snapshot_value(metric: str) -> Subquery:
    """Annotation: the account's current 90-day figure for a metric (None below minimum n)."""
    return Subquery(
        AccountSnapshot.objects.filter(account=OuterRef("pk"), metric=metric).values("value")[:1],
        output_field=FloatField(),
    )


def window_sums(
    *,
    metric: str,
    start: date,
    end: date,
    account_ids: Iterable[int] | None = None,
    team_id: int | None = None,
) -> dict[str, float]:
    """The metric's sums (stats.metrics.SUM_FIELDS) over the days start..end inclusive, from
    the day rollups of the given accounts, or of every account of a team: one aggregate query.
    Feed them to `stats.metrics.estimate`/`difference_interval` (actions: an action's metric
    before and after)."""
    rows = MetricRollup.objects.filter(
        period=Period.DAY, metric=metric, period_start__gte=start, period_start__lte=end
    )
    if account_ids is not None:
        rows = rows.filter(account_id__in=list(account_ids))
    if team_id is not None:
        rows = rows.filter(account__team_id=team_id)
    totals = rows.aggregate(**{f: Sum(f) for f in SUM_FIELDS})
    return {f: float(totals[f] or 0) for f in SUM_FIELDS}
