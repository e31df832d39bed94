"""/api/v1/metrics: a metric per period for an account, a team or the whole portfolio."""

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from rapport.analytics import selectors

router = Router(tags=["metrics"])


class MetricQuery(Schema):
    scope: Literal["account", "team", "portfolio"] = "portfolio"
    id: int | None = None
    metric: str = "nps"
    period: Literal["day", "week", "month"] = "month"
    start: date | None = None
    end: date | None = None


class MetricPointOut(Schema):
    period_start: date
    n: int
    value: float | None
    low: float | None
    high: float | None
    enough: bool


class MetricSeriesOut(Schema):
    scope: str
    id: int | None
    metric: str
    period: str
    min_n: int
    points: list[MetricPointOut]


@router.get("/metrics", response=MetricSeriesOut)
def metrics(request: HttpRequest, query: Query[MetricQuery]) -> Any:
    """Values with n and 95 % interval; `enough` is false below the minimum n."""
    from django.conf import settings

    if query.scope != "portfolio" and query.id is None:
        raise HttpError(422, f"id is required for scope {query.scope}")
    points = selectors.metric_series(
        request.user,
        scope_kind=query.scope,
        scope_id=query.id,
        metric=query.metric,
        period=query.period,
        start=query.start,
        end=query.end,
    )
    return {
        "scope": query.scope,
        "id": query.id,
        "metric": query.metric,
        "period": query.period,
        "min_n": settings.RAPPORT_MIN_N,
        "points": [{"period_start": p.period_start, **p.value.as_dict()} for p in points],
    }
