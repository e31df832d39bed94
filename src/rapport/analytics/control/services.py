"""Writes of control charts: agreeing phase I limits (audited)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction

from rapport.analytics.control import charts as cc
from rapport.analytics.models import ControlLimitSet, MetricRollup, Period
from rapport.core.access import Actor, Capability, require
from rapport.core.models import AuditAction
from rapport.core.services import record_audit
from rapport.customers.models import Account


@transaction.atomic
def set_control_baseline(
    *,
    actor: Actor,
    account: Account,
    metric: str,
    baseline_start: date,
    baseline_end: date,
    period: str = Period.WEEK,
    via: str = "web",
) -> ControlLimitSet:
    """Agree phase I limits for an account's metric from a baseline window; audited.

    The new set supersedes earlier ones (they stay as history). Raises ValueError when the
    window holds too few responses or shows no variation.
    """
    require(actor, Capability.EDIT_RELATIONSHIP, account.team_id)
    chart_metric = cc.chart_metric(metric)
    if period not in (Period.WEEK, Period.MONTH):
        raise ValueError("period must be week or month")
    if baseline_start > baseline_end:
        raise ValueError("the baseline must start before it ends")
    first = cc.bucket_floor(period, baseline_start)
    rows = MetricRollup.objects.filter(
        account=account,
        metric=metric,
        period=period,
        period_start__gte=first,
        period_start__lte=baseline_end,
        n__gt=0,
    ).order_by("period_start")
    buckets = [
        cc.Bucket(r.period_start, r.n, int(getattr(r, chart_metric.count_field))) for r in rows
    ]
    limits, _points, responses = cc.baseline_limits(
        buckets, period, baseline_start, baseline_end, min_n=settings.RAPPORT_MIN_N
    )
    limit_set = ControlLimitSet.objects.create(
        account=account,
        metric=metric,
        chart=limits.chart,
        limits=limits.to_dict(),
        baseline_start=baseline_start,
        baseline_end=baseline_end,
        period=period,
        baseline_responses=responses,
        created_by=actor if actor.is_authenticated else None,
    )
    record_audit(
        actor=actor,
        action=AuditAction.CREATE,
        instance=limit_set,
        changed_fields=["baseline_start", "baseline_end", "limits"],
        team_id=account.team_id,
        via=via,
        detail=f"{metric} control limits from {baseline_start} to {baseline_end}",
    )
    return limit_set
