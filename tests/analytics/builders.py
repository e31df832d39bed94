"""Small builders for analytics tests: weekly rollup rows and responses at a given day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.conf import settings

from rapport.analytics.models import MetricRollup, Period
from tests.factories import ResponseFactory


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly_csat(account, first_week: dt.date, weeks: Sequence[tuple[int, int]]) -> list[dt.date]:
    """One CSAT week rollup per (n, top2) pair, from `first_week` on; returns the week starts."""
    starts = []
    for i, (n, top2) in enumerate(weeks):
        start = first_week + dt.timedelta(weeks=i)
        MetricRollup.objects.create(
            account=account,
            metric="csat",
            period=Period.WEEK,
            period_start=start,
            n=n,
            total=4.0 * n,
            total_sq=16.0 * n,
            top2=top2,
        )
        starts.append(start)
    return starts


def at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), ZoneInfo(settings.TIME_ZONE))


def responses(account, day: dt.date, count: int, **fields) -> None:
    for _ in range(count):
        ResponseFactory(account=account, submitted_at=at_noon(day), **fields)
