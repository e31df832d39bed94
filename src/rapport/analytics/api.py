"""/api/v1/metrics (a metric per period for an account, team or portfolio) and an account's
analytics: control chart, 90-day variance by channel, key drivers."""

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from rapport.analytics.account_analytics import ExplainedEpisode, explained_episodes
from rapport.analytics.control.charts import (
    AccountControlChart,
    ChartOptions,
    PeriodChoice,
    chart_metric,
    parse_rules,
)
from rapport.analytics.control.selectors import control_charts_for
from rapport.analytics.drivers.key_drivers import key_drivers
from rapport.analytics.rollups import selectors
from rapport.analytics.variance.channels import VARIANCE_METRICS, channel_variance
from rapport.customers.selectors import get_account

if TYPE_CHECKING:
    from rapport.enrichment.public import ThemeMove

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


# --- /accounts/{id}/control-chart, /variance, /drivers ---------------------------------------


def _bad_request(error: ValueError) -> HttpError:
    return HttpError(400, str(error))


class IntervalOut(Schema):
    value: float
    low: float
    high: float


class ControlPointOut(Schema):
    period_start: date
    n: int
    value: float = Field(description="percent of the period's responses in the category")
    low: float = Field(description="Wilson 95 % interval, percent")
    high: float
    enough: bool = Field(description="false below the minimum n: drawn, never judged")
    lcl: float | None
    ucl: float | None
    in_baseline: bool
    rules: list[int] = Field(description="Nelson rules this point breaks")
    direction: str | None


class SignalOut(Schema):
    period_start: date
    rules: list[int]
    direction: str
    text: str


class LimitsOut(Schema):
    source: str = Field(description="stored (agreed), default (first weeks) or preview")
    centre: float
    k: float
    baseline_start: date
    baseline_end: date
    baseline_points: int
    baseline_responses: int
    set_by: str
    set_at: datetime | None


class EpisodeReasonOut(Schema):
    theme: str
    name: str
    share: float = Field(description="share of the episode's comments mentioning it, 0..1")
    previous_share: float
    mentions: int
    previous_mentions: int
    difference: float = Field(description="percentage points, with its 95 % interval")
    difference_low: float
    difference_high: float
    more_often: bool = Field(description="the share rose significantly")
    sentiment: float | None = Field(description="mean sentiment of those comments, −1..1")
    previous_sentiment: float | None
    sentiment_change: IntervalOut | None = Field(
        description="Welch 95 % interval, when both windows have enough mentions"
    )
    sourer_or_warmer: bool = Field(description="the sentiment moved significantly")


class EpisodeOut(Schema):
    direction: str
    label: str
    start: date
    end: date
    signals: int
    reference_start: date = Field(description="compared with the days from here to start")
    comments: int
    reference_comments: int
    enough: bool = Field(description="false when either window has fewer than min_n comments")
    reasons: list[EpisodeReasonOut]


class ControlChartOut(Schema):
    account_id: int
    metric: str
    title: str
    meaning: str
    higher_is_better: bool
    chart: str = "p"
    period: str
    period_note: str
    rules: list[int]
    rule_set: str
    min_n: int
    window_start: date
    window_end: date
    limits: LimitsOut | None
    points: list[ControlPointOut]
    signals: list[SignalOut]
    episodes: list[EpisodeOut] = Field(
        description="signals grouped into episodes, with the themes that explain each"
    )
    message: str


def _episode_out(e: ExplainedEpisode) -> dict[str, Any]:
    def reason(m: "ThemeMove") -> dict[str, Any]:
        tone = m.tone.difference if m.tone is not None else None
        return {
            "theme": m.slug,
            "name": m.name,
            "share": m.current.value,
            "previous_share": m.previous.value,
            "mentions": m.current.k,
            "previous_mentions": m.previous.k,
            "difference": m.difference,
            "difference_low": m.diff_low,
            "difference_high": m.diff_high,
            "more_often": m.more_often,
            "sentiment": m.current.sentiment,
            "previous_sentiment": m.previous.sentiment,
            "sentiment_change": (
                {"value": tone.value, "low": tone.low, "high": tone.high} if tone else None
            ),
            "sourer_or_warmer": m.tone_change != 0,
        }

    return {
        "direction": e.episode.direction,
        "label": e.label,
        "start": e.episode.start,
        "end": e.episode.end,
        "signals": e.episode.signals,
        "reference_start": e.episode.reference_start,
        "comments": e.themes.comments,
        "reference_comments": e.themes.previous_comments,
        "enough": e.themes.enough,
        "reasons": [reason(m) for m in e.reasons],
    }


def _control_chart_out(
    chart: AccountControlChart, episodes: Sequence[ExplainedEpisode] = ()
) -> dict[str, Any]:
    return {
        "account_id": chart.account_id,
        "metric": chart.metric.key,
        "title": chart.metric.title,
        "meaning": chart.metric.meaning,
        "higher_is_better": chart.metric.higher_is_better,
        "period": chart.period,
        "period_note": chart.period_note,
        "rules": list(chart.rules.enabled),
        "rule_set": chart.rules.label,
        "min_n": chart.min_n,
        "window_start": chart.window_start,
        "window_end": chart.window_end,
        "limits": asdict(chart.limits) if chart.limits else None,
        "points": [{**asdict(p), "rules": list(p.rules)} for p in chart.points],
        "signals": [{**asdict(s), "rules": list(s.rules)} for s in chart.signals],
        "episodes": [_episode_out(e) for e in episodes],
        "message": chart.message,
    }


@router.get("/accounts/{account_id}/control-chart", response=ControlChartOut, tags=["analytics"])
def account_control_chart(
    request: HttpRequest,
    account_id: int,
    metric: str = Query("csat", description="csat, nps (detractor share) or ces"),
    period: str = Query("auto", description="auto, week or month"),
    months: int = Query(24, description="window: 12 or 24 months"),
    rules: str = Query(
        "default",
        description="default, western-electric, nelson, or Nelson rule numbers such as 1,2,5",
    ),
    baseline_start: date | None = None,
    baseline_end: date | None = None,
) -> Any:
    """A p-chart of the account's metric with phase I or agreed (phase II) limits, the
    points that break the chosen rules, each explained in a sentence, and the episodes those
    signals form with the themes that explain them."""
    try:
        options = ChartOptions(
            period=_period_choice(period),
            months=months,
            rules=parse_rules([rules]),
            baseline_start=baseline_start,
            baseline_end=baseline_end,
        )
        chart_metric(metric)
    except ValueError as error:
        raise _bad_request(error) from None
    account = get_account(request.user, account_id)  # 404 for another team's account
    chart = control_charts_for(request.user, account, [metric], options)[metric]
    return _control_chart_out(chart, explained_episodes(account, [chart])[metric])


def _period_choice(value: str) -> PeriodChoice:
    if value not in ("auto", "week", "month"):
        raise ValueError(f"period must be auto, week or month, not {value!r}")
    return "week" if value == "week" else "month" if value == "month" else "auto"


class MetricValueOut(Schema):
    n: int
    value: float | None
    low: float | None
    high: float | None
    enough: bool


class EffectOut(Schema):
    value: float
    low: float
    high: float
    shown: float = Field(description="rounded so the shown parts add up to the shown total")


class ChannelOut(Schema):
    channel: str
    label: str
    previous: MetricValueOut
    current: MetricValueOut
    previous_share: float
    current_share: float
    mix: EffectOut
    rate: EffectOut
    total: EffectOut
    to_target: EffectOut | None


class TargetOut(Schema):
    value: float
    source: str


class VarianceOut(Schema):
    account_id: int
    metric: str
    label: str
    previous_start: date
    previous_end: date
    current_start: date
    current_end: date
    current: MetricValueOut
    previous: MetricValueOut
    min_n: int
    enough: bool
    message: str
    change: EffectOut | None
    change_label: str
    mix: EffectOut | None
    rate: EffectOut | None
    target: TargetOut | None
    gap: EffectOut | None
    channels: list[ChannelOut]


@router.get("/accounts/{account_id}/variance", response=VarianceOut, tags=["analytics"])
def account_variance(
    request: HttpRequest,
    account_id: int,
    metric: str = Query("csat", description="csat or nps"),
) -> Any:
    """The change between the previous and the last 90 days split into channel mix and rates
    within channels (adding up exactly), and each channel's part of the gap to target."""
    if metric not in VARIANCE_METRICS:
        raise HttpError(400, f"metric must be one of {', '.join(VARIANCE_METRICS)}, not {metric!r}")
    result = channel_variance(request.user, account_id=account_id, metric=metric)
    data = asdict(result)
    data["channels"] = [{**c, "channel": c["key"]} for c in data["channels"]]
    return data


class DriverOut(Schema):
    aspect: str
    label: str
    share_of_r_squared: IntervalOut = Field(description="percent, BCa bootstrap 95 % interval")
    raw_weight: IntervalOut
    correlation: IntervalOut = Field(description="Pearson r, Fisher 95 % interval")
    versus_random: IntervalOut = Field(
        description="raw weight minus that of a random benchmark column, BCa 95 % interval"
    )
    significant: bool = Field(description="versus_random lies above 0: a driver, not noise")


class LeftOutOut(Schema):
    aspect: str
    label: str
    n: int


class DriversOut(Schema):
    account_id: int
    metric: str
    outcome_label: str
    start: date
    end: date
    n: int
    min_n: int
    enough: bool
    message: str
    r_squared: float | None
    drivers: list[DriverOut]
    left_out: list[LeftOutOut]


@router.get("/accounts/{account_id}/drivers", response=DriversOut, tags=["analytics"])
def account_drivers(
    request: HttpRequest,
    account_id: int,
    metric: str = Query("nps", description="the outcome: nps (0–10 answer) or csat"),
    months: int = Query(24, description="responses from the last 12 or 24 months"),
) -> Any:
    """Johnson's relative weights of the other answers on the outcome, with BCa bootstrap
    intervals, a test against a random benchmark, and plain correlations."""
    try:
        result = key_drivers(request.user, account_id=account_id, outcome=metric, months=months)
    except ValueError as error:
        raise _bad_request(error) from None
    return {
        "account_id": result.account_id,
        "metric": result.outcome,
        "outcome_label": result.outcome_label,
        "start": result.start,
        "end": result.end,
        "n": result.n,
        "min_n": result.min_n,
        "enough": result.enough,
        "message": result.message,
        "r_squared": result.r_squared,
        "drivers": [
            {
                "aspect": d.key,
                "label": d.label,
                "share_of_r_squared": asdict(d.share),
                "raw_weight": asdict(d.raw_weight),
                "correlation": asdict(d.correlation),
                "versus_random": asdict(d.versus_random),
                "significant": d.significant,
            }
            for d in result.drivers
        ],
        "left_out": [{"aspect": x.key, "label": x.label, "n": x.n} for x in result.left_out],
    }


from rapport.analytics.health.api import router as health_router  # noqa: E402

router.add_router("", health_router)

from rapport.analytics.swot.api import router as swot_router  # noqa: E402

router.add_router("", swot_router)
