"""Keep rollups and snapshots current. Cost grows with the rows changed, not with the table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Q, Sum, When
from django.utils import timezone

from rapport.analytics.metrics import METRICS, SUM_FIELDS, contributions, estimate
from rapport.analytics.models import AccountSnapshot, ControlLimitSet, MetricRollup, Period
from rapport.core.access import Actor, Capability, require
from rapport.core.models import AuditAction
from rapport.core.services import record_audit
from rapport.customers.models import Account

WINDOW_DAYS = 90
SPARK_MONTHS = 12
SNAPSHOT_METRICS = tuple(METRICS)


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """The part of a response that rollups depend on."""

    account_id: int
    submitted_at: datetime
    nps: int | None
    csat: int | None
    ces: int | None
    answers: dict[str, Any] | None


@cache
def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def bucket_starts(moment: datetime) -> tuple[date, date, date]:
    """Day, ISO week (Monday) and month buckets of a moment, in the organisation's time zone."""
    day = moment.astimezone(_zone()).date()
    return day, day - timedelta(days=day.weekday()), day.replace(day=1)


_PERIODS = (Period.DAY.value, Period.WEEK.value, Period.MONTH.value)
_UPSERT = """
INSERT INTO analytics_metricrollup
    (account_id, metric, period, period_start,
     n, total, total_sq, promoters, passives, detractors, top2)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (account_id, metric, period, period_start) DO UPDATE SET
""" + ",\n".join(f"    {f} = analytics_metricrollup.{f} + excluded.{f}" for f in SUM_FIELDS)


class RollupDelta:
    """Signed sums per bucket, accumulated in memory and written in one statement batch."""

    def __init__(self) -> None:
        self._sums: dict[tuple[int, str, str, date], list[float]] = defaultdict(lambda: [0.0] * 7)
        self.accounts: set[int] = set()

    def add(self, row: ScoreRow, sign: int = 1) -> None:
        starts = bucket_starts(row.submitted_at)
        for metric, sums in contributions(row.nps, row.csat, row.ces, row.answers):
            for period, start in zip(_PERIODS, starts, strict=True):
                acc = self._sums[(row.account_id, metric, period, start)]
                for i, value in enumerate(sums):
                    acc[i] += sign * value
        self.accounts.add(row.account_id)

    def flush(self) -> None:
        """Write the accumulated deltas; call inside the transaction that wrote the rows."""
        params = [
            (*key, int(s[0]), s[1], s[2], int(s[3]), int(s[4]), int(s[5]), int(s[6]))
            for key, s in self._sums.items()
            if any(s)
        ]
        if params:
            with connection.cursor() as cursor:
                cursor.executemany(_UPSERT, params)
        self._sums.clear()


def apply_changes(*, removed: Iterable[ScoreRow] = (), added: Iterable[ScoreRow] = ()) -> set[int]:
    """Move rollups from the old versions of rows to their new versions; return touched accounts."""
    delta = RollupDelta()
    for row in removed:
        delta.add(row, -1)
    for row in added:
        delta.add(row, +1)
    delta.flush()
    return delta.accounts


@transaction.atomic
def rebuild_rollups(*, chunk_size: int = 20_000) -> int:
    """Recompute every rollup from the raw responses; returns the number of responses read."""
    from rapport.feedback.public import iter_score_rows

    MetricRollup.objects.all().delete()
    delta = RollupDelta()
    count = 0
    for row in iter_score_rows(chunk_size=chunk_size):
        delta.add(row)
        count += 1
        if count % chunk_size == 0:
            delta.flush()
    delta.flush()
    refresh_snapshots()
    return count


def today() -> date:
    return timezone.localdate()


def _window_sums(
    account_ids: Iterable[int] | None, as_of: date
) -> dict[tuple[int, str], dict[str, dict[str, float]]]:
    current_start = as_of - timedelta(days=WINDOW_DAYS - 1)
    previous_start = current_start - timedelta(days=WINDOW_DAYS)
    in_current = Q(period_start__gte=current_start)
    rows = MetricRollup.objects.filter(
        period=Period.DAY,
        metric__in=SNAPSHOT_METRICS,
        period_start__gte=previous_start,
        period_start__lte=as_of,
    )
    if account_ids is not None:
        rows = rows.filter(account_id__in=list(account_ids))
    aggregates = {}
    for field in SUM_FIELDS:
        aggregates[f"cur_{field}"] = Sum(
            Case(When(in_current, then=F(field)), default=0, output_field=FloatField())
        )
        aggregates[f"prev_{field}"] = Sum(
            Case(When(~in_current, then=F(field)), default=0, output_field=FloatField())
        )
    result: dict[tuple[int, str], dict[str, dict[str, float]]] = {}
    records: Iterable[dict[str, Any]] = rows.values(  # type: ignore[assignment]
        "account_id", "metric"
    ).annotate(**aggregates)
    for rec in records:
        result[(rec["account_id"], rec["metric"])] = {
            "current": {f: rec[f"cur_{f}"] or 0 for f in SUM_FIELDS},
            "previous": {f: rec[f"prev_{f}"] or 0 for f in SUM_FIELDS},
        }
    return result


def _monthly(
    account_ids: Iterable[int] | None, as_of: date
) -> dict[tuple[int, str], list[dict[str, Any]]]:
    first = as_of.replace(day=1)
    for _ in range(SPARK_MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    rows = MetricRollup.objects.filter(
        period=Period.MONTH, metric__in=SNAPSHOT_METRICS, period_start__gte=first
    ).order_by("period_start")
    if account_ids is not None:
        rows = rows.filter(account_id__in=list(account_ids))
    result: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for rec in rows.values("account_id", "metric", "period_start", *SUM_FIELDS):
        est = estimate(rec["metric"], rec, min_n=1)
        result[(rec["account_id"], rec["metric"])].append(
            {"month": rec["period_start"].isoformat(), "n": rec["n"], "value": est.value}
        )
    return result


@transaction.atomic
def refresh_snapshots(
    *, account_ids: Iterable[int] | None = None, as_of: date | None = None
) -> int:
    """Rebuild the 90-day snapshots of the given accounts (all when None); returns rows written."""
    from rapport.customers.public import account_ids_all

    as_of = as_of or today()
    ids = list(account_ids) if account_ids is not None else account_ids_all()
    windows = _window_sums(ids, as_of)
    monthly = _monthly(ids, as_of)
    min_n = settings.RAPPORT_MIN_N
    snapshots = []
    for account_id in ids:
        for metric in SNAPSHOT_METRICS:
            sums = windows.get((account_id, metric), {"current": {}, "previous": {}})
            current = estimate(metric, sums["current"], min_n=min_n)
            snapshots.append(
                AccountSnapshot(
                    account_id=account_id,
                    metric=metric,
                    as_of=as_of,
                    current=sums["current"],
                    previous=sums["previous"],
                    value=current.value if current.enough else None,
                    monthly=monthly.get((account_id, metric), []),
                )
            )
    AccountSnapshot.objects.bulk_create(
        snapshots,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["account", "metric"],
        update_fields=["as_of", "current", "previous", "value", "monthly"],
    )
    return len(snapshots)


def ensure_snapshots_current() -> None:
    """Roll the 90-day window forward once a day (called by the worker and by the portfolio)."""
    stale = AccountSnapshot.objects.exclude(as_of=today()).exists()
    if stale:
        refresh_snapshots()


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
    from rapport.analytics import control_charts as cc

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
