"""Reads of control charts and their agreed limits, scoped to the acting user."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.utils import timezone

from rapport.analytics.control.charts import (
    CHART_METRICS,
    AccountControlChart,
    ChartOptions,
    buckets_by_metric,
    build_chart,
    chart_metric,
    window,
)
from rapport.analytics.models import ControlLimitSet, MetricRollup, Period
from rapport.core.access import Actor, scope
from rapport.customers.models import Account
from rapport.customers.selectors import get_account


def _rollups(account_id: int, metrics: Sequence[str], start: date) -> list[MetricRollup]:
    """Week and month rollups of the metrics since `start` (one query)."""
    return list(
        MetricRollup.objects.filter(
            account_id=account_id,
            metric__in=list(metrics),
            period__in=[Period.WEEK, Period.MONTH],
            period_start__gte=start,
            n__gt=0,
        ).order_by("period_start")
    )


def current_limit_sets(
    user: Actor, account_id: int, metrics: Sequence[str]
) -> dict[str, ControlLimitSet]:
    """The limits in force per metric: the newest agreed set (one query)."""
    rows = scope(
        ControlLimitSet.objects.filter(account_id=account_id, metric__in=list(metrics)),
        user,
        team_field="account__team",
    ).select_related("created_by")
    result: dict[str, ControlLimitSet] = {}
    for row in rows.order_by("-created_at", "-pk"):
        result.setdefault(row.metric, row)
    return result


def control_charts_for(
    user: Actor,
    account: Account,
    metrics: Sequence[str],
    options: ChartOptions,
    *,
    today: date | None = None,
) -> dict[str, AccountControlChart]:
    """Charts of several metrics of an account the caller has already fetched through
    `customers.selectors.get_account` (two queries whatever the window)."""
    for key in metrics:
        chart_metric(key)
    today = today or timezone.localdate()
    min_n = settings.RAPPORT_MIN_N
    earliest = min(
        window(Period.WEEK, options.months, today)[0],
        window(Period.MONTH, options.months, today)[0],
    )
    buckets = buckets_by_metric(_rollups(account.pk, metrics, earliest))
    stored = current_limit_sets(user, account.pk, metrics)
    return {
        key: build_chart(
            account_id=account.pk,
            metric=CHART_METRICS[key],
            weekly=buckets.get((key, Period.WEEK), []),
            monthly=buckets.get((key, Period.MONTH), []),
            options=options,
            stored=stored.get(key),
            min_n=min_n,
            today=today,
        )
        for key in metrics
    }


def control_chart(
    user: Actor, *, account_id: int, metric: str, options: ChartOptions, today: date | None = None
) -> AccountControlChart:
    """One metric's chart for an account the actor may see (404 otherwise)."""
    chart_metric(metric)
    account = get_account(user, account_id)
    return control_charts_for(user, account, [metric], options, today=today)[metric]
