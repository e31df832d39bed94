"""Keep rollups and snapshots current. Cost grows with the rows changed, not with the table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, FloatField, Q, Sum, When
from django.utils import timezone

from rapport.analytics.models import AccountSnapshot, MetricRollup, Period
from rapport.analytics.rollups.sql import RollupDelta
from rapport.customers.public import account_ids_all
from rapport.feedback.public import iter_score_rows
from rapport.stats.metrics import METRICS, SUM_FIELDS, headline_value

WINDOW_DAYS = 90
SPARK_MONTHS = 12
SNAPSHOT_METRICS = tuple(METRICS)


@transaction.atomic
def rebuild_rollups(*, chunk_size: int = 20_000) -> int:
    """Recompute every rollup from the raw responses; returns the number of responses read."""
    MetricRollup.objects.all().delete()
    delta = RollupDelta()
    count = 0
    rows = iter_score_rows(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        delta.add_rows(chunk)
        delta.flush()
        count += len(chunk)
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
        value = headline_value(rec["metric"], rec)
        result[(rec["account_id"], rec["metric"])].append(
            {"month": rec["period_start"].isoformat(), "n": rec["n"], "value": value}
        )
    return result


@transaction.atomic
def refresh_snapshots(
    *, account_ids: Iterable[int] | None = None, as_of: date | None = None
) -> int:
    """Rebuild the 90-day snapshots of the given accounts (all when None); returns rows written."""
    as_of = as_of or today()
    ids = list(account_ids) if account_ids is not None else account_ids_all()
    windows = _window_sums(ids, as_of)
    monthly = _monthly(ids, as_of)
    min_n = settings.RAPPORT_MIN_N
    snapshots = []
    for account_id in ids:
        for metric in SNAPSHOT_METRICS:
            sums = windows.get((account_id, metric), {"current": {}, "previous": {}})
            enough = int(sums["current"].get("n", 0) or 0) >= min_n
            snapshots.append(
                AccountSnapshot(
                    account_id=account_id,
                    metric=metric,
                    as_of=as_of,
                    current=sums["current"],
                    previous=sums["previous"],
                    value=headline_value(metric, sums["current"]) if enough else None,
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
