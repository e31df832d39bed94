"""Reads of metrics: from rollups and snapshots only, scoped to what the actor may see."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.http import Http404

from rapport.analytics.models import AccountSnapshot, MetricRollup, Period
from rapport.core.access import Actor, scope, scope_of
from rapport.customers.selectors import get_account
from rapport.stats.metrics import (
    SUM_FIELDS,
    Change,
    MetricValue,
    compare,
    estimate,
    prime_estimates,
)


@dataclass(frozen=True, slots=True)
class SnapshotView:
    """One metric of one account on the portfolio: now, before, the change and a trend line."""

    current: MetricValue
    previous: MetricValue
    change: Change
    monthly: list[dict[str, Any]]


def snapshots_for(
    account_ids: Iterable[int], metrics: Iterable[str]
) -> dict[tuple[int, str], SnapshotView]:
    """Snapshot figures for a page of accounts the caller already scoped (one query)."""
    min_n = settings.RAPPORT_MIN_N
    result = {}
    rows = list(
        AccountSnapshot.objects.filter(
            account_id__in=list(account_ids), metric__in=list(metrics)
        ).values_list("account_id", "metric", "current", "previous", "monthly")  # no objects
    )
    for shown in {metric for _, metric, *_ in rows}:
        prime_estimates(
            shown, (s for _, m, cur, prev, _ in rows if m == shown for s in (cur, prev))
        )
    for account_id, metric, current, previous, monthly in rows:
        result[(account_id, metric)] = SnapshotView(
            current=estimate(metric, current, min_n=min_n),
            previous=estimate(metric, previous, min_n=min_n),
            change=compare(metric, current, previous, min_n=min_n),
            monthly=monthly,
        )
    return result


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    period_start: date
    value: MetricValue


SCOPES = ("account", "team", "portfolio")
# Trend periods, shortest first. Rollups hold weeks and months; a quarter adds its months.
TREND_PERIODS = ("week", "month", "quarter")
QUARTER = "quarter"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def metric_series(
    user: Actor,
    *,
    scope_kind: str,
    scope_id: int | None,
    metric: str,
    period: str,
    start: date | None = None,
    end: date | None = None,
) -> list[SeriesPoint]:
    """A metric per period for one account, one team, or everything the actor may see.

    Rollup sums add exactly, so a team's figure is the sum of its accounts' buckets, and a
    quarter's the sum of its three months' (read from the month rollups: a quarter costs no
    more rows than its months, so the read stays bounded by the months asked for).
    """
    if period not in (*Period.values, QUARTER):
        raise ValueError(f"period must be one of {', '.join((*Period.values, QUARTER))}")
    stored = Period.MONTH.value if period == QUARTER else period
    if period == QUARTER and start is not None:
        start = quarter_start(start)
    records = _bucket_sums(user, scope_kind, scope_id, metric, stored, start, end)
    if period == QUARTER:
        records = _by_quarter(records)
    return _points(metric, records)


def trend_series(user: Actor, *, account_id: int, metric: str) -> dict[str, list[SeriesPoint]]:
    """An account's metric by week, month and quarter (two queries: quarters add months)."""
    weeks = _bucket_sums(user, "account", account_id, metric, Period.WEEK.value, None, None)
    months = _bucket_sums(user, "account", account_id, metric, Period.MONTH.value, None, None)
    return {
        "week": _points(metric, weeks),
        "month": _points(metric, months),
        QUARTER: _points(metric, _by_quarter(months)),
    }


def _points(metric: str, records: Iterable[dict[str, Any]]) -> list[SeriesPoint]:
    min_n = settings.RAPPORT_MIN_N
    return [SeriesPoint(g["period_start"], estimate(metric, g, min_n=min_n)) for g in records]


def _bucket_sums(
    user: Actor,
    scope_kind: str,
    scope_id: int | None,
    metric: str,
    period: str,
    start: date | None,
    end: date | None,
) -> list[dict[str, Any]]:
    """The rollups' sums per stored period (week or month) in the scope, in date order."""
    rows = scope(
        MetricRollup.objects.filter(metric=metric, period=period), user, team_field="account__team"
    )
    if scope_kind == "account":
        rows = rows.filter(account_id=scope_id or 0)
        get_account(user, scope_id or 0)  # 404 unless visible
    elif scope_kind == "team":
        if not (scope_of(user).all_teams or scope_id in scope_of(user).team_ids):
            raise Http404("No such team.")
        rows = rows.filter(account__team_id=scope_id or 0)
    elif scope_kind != "portfolio":
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    if start:
        rows = rows.filter(period_start__gte=start)
    if end:
        rows = rows.filter(period_start__lte=end)
    grouped = (
        rows.order_by("period_start")
        .values("period_start")
        .annotate(**{f: Sum(f) for f in SUM_FIELDS})
    )
    records: Iterable[dict[str, Any]] = grouped  # type: ignore[assignment]
    return list(records)


def _by_quarter(months: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Month buckets (in date order) added up into quarter buckets starting on their quarter."""
    quarters: dict[date, dict[str, Any]] = {}
    for month in months:
        into = quarters.setdefault(
            quarter_start(month["period_start"]),
            {"period_start": quarter_start(month["period_start"]), **dict.fromkeys(SUM_FIELDS, 0)},
        )
        for f in SUM_FIELDS:
            into[f] += month[f] or 0
    return list(quarters.values())


def period_with_enough(series: Mapping[str, Sequence[SeriesPoint]]) -> str | None:
    """The shortest period in which most periods (more than half of those with responses)
    reach the minimum n, so the trend can be judged; None when not even quarters do."""
    for period in TREND_PERIODS:
        points = series.get(period, ())
        if points and 2 * sum(p.value.enough for p in points) > len(points):
            return period
    return None
