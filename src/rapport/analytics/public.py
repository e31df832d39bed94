"""What other apps may use from analytics."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import FloatField, OuterRef, Q, Subquery, Sum

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


def day_sums(
    *,
    metrics: Iterable[str],
    start: date,
    end: date,
    account_ids: Iterable[int] = (),
    team_ids: Iterable[int] = (),
) -> list[dict[str, Any]]:
    """Day rollups (account_id, team_id, metric, day and SUM_FIELDS) of the given accounts and
    of every account of the given teams, start..end inclusive: one query for a page of windows
    (actions: the effects on the loop-closure log)."""
    accounts, teams = list(account_ids), list(team_ids)
    if not accounts and not teams:
        return []
    rows = MetricRollup.objects.filter(
        period=Period.DAY,
        metric__in=list(metrics),
        period_start__gte=start,
        period_start__lte=end,
    ).filter(Q(account_id__in=accounts) | Q(account__team_id__in=teams))
    return [
        {
            "account_id": r["account_id"],
            "team_id": r["account__team_id"],
            "metric": r["metric"],
            "day": r["period_start"],
            **{f: float(r[f] or 0) for f in SUM_FIELDS},
        }
        for r in rows.values(
            "account_id", "account__team_id", "metric", "period_start", *SUM_FIELDS
        )
    ]


def window_sums_by_account(
    *, account_ids: Iterable[int], metric: str, start: date, end: date
) -> dict[int, dict[str, float]]:
    """Each account's metric sums over the days `start` ≤ day < `end`, from the day rollups
    (one grouped query; accounts without responses are absent). The caller scopes the ids."""
    grouped = (
        MetricRollup.objects.filter(
            account_id__in=list(account_ids),
            metric=metric,
            period=Period.DAY,
            period_start__gte=start,
            period_start__lt=end,
        )
        .order_by()
        .values("account_id")
        .annotate(**{f: Sum(f) for f in SUM_FIELDS})
    )
    rows: Iterable[dict[str, Any]] = grouped  # type: ignore[assignment]
    return {row["account_id"]: {f: float(row[f] or 0) for f in SUM_FIELDS} for row in rows}
