"""Control charts of one account's metrics, read from weekly or monthly rollups (DESIGN §6).

Every metric is charted as a p-chart: the share of responses in a category per period, with
limits per point for the varying number of responses. Phase I takes the centre from a baseline
window; once agreed, the limits are stored (`ControlLimitSet`) and later periods are judged
against them (phase II). Periods with fewer responses than the minimum are drawn but never
judged: they are left out of the rule checks, which run over the judged points in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from statistics import median
from typing import Literal

import numpy as np

from rapport.analytics.models import ControlLimitSet, MetricRollup, Period
from rapport.core import formats
from rapport.stats import intervals, rules, spc

DEFAULT_BASELINE_WEEKS = 26
DEFAULT_MONTHS = 24
WINDOW_MONTHS = (12, 24)
PeriodChoice = Literal["auto", "week", "month"]
Direction = Literal["worse", "better", "pattern"]


@dataclass(frozen=True, slots=True)
class ChartMetric:
    """What a chart plots for a metric: which rollup count over n, and which way is good."""

    key: str
    title: str  # heading of the chart
    short: str  # in sentences: "CSAT 61 %"
    count_field: str  # MetricRollup field counted over n
    higher_is_better: bool
    meaning: str


CHART_METRICS: dict[str, ChartMetric] = {
    "csat": ChartMetric(
        "csat", "CSAT: satisfied (top-2 box)", "CSAT", "top2", True,
        "share of CSAT answers scoring 4 or 5",
    ),
    "nps": ChartMetric(
        "nps", "NPS: detractors", "Detractors", "detractors", False,
        "share of likelihood-to-recommend answers scoring 0 to 6",
    ),
    "ces": ChartMetric(
        "ces", "CES: easy (top-2 box)", "CES easy", "top2", True,
        "share of effort answers scoring 6 or 7",
    ),
}  # fmt: skip


def chart_metric(key: str) -> ChartMetric:
    if key not in CHART_METRICS:
        raise ValueError(f"metric must be one of {', '.join(CHART_METRICS)}, not {key!r}")
    return CHART_METRICS[key]


# --- rule choice -----------------------------------------------------------------------------

RULE_PRESETS: dict[str, tuple[str, rules.RuleSet]] = {
    "default": ("Default: Nelson 1, 2, 3 and 5", rules.DEFAULT),
    "western-electric": (
        "Western Electric: Nelson 1, 2 (run of 8), 5 and 6",
        rules.WESTERN_ELECTRIC,
    ),
    "nelson": ("All Nelson rules 1–8", rules.NELSON),
}
RULE_NAMES = {
    1: "one point beyond the control limits",
    2: "a run on one side of the centre line",
    3: "a steady trend up or down",
    4: "points alternating up and down",
    5: "2 of 3 points beyond 2σ",
    6: "4 of 5 points beyond 1σ",
    7: "15 points hugging the centre line",
    8: "8 points avoiding the centre line, with points on both sides (Nelson 1984)",
}


@dataclass(frozen=True, slots=True)
class RuleChoice:
    preset: str  # a RULE_PRESETS key, or "custom"
    rule_set: rules.RuleSet

    @property
    def enabled(self) -> tuple[int, ...]:
        return tuple(sorted(self.rule_set.enabled))

    @property
    def label(self) -> str:
        if self.preset in RULE_PRESETS:
            return RULE_PRESETS[self.preset][0]
        return "Nelson " + ", ".join(map(str, self.enabled))

    @property
    def tokens(self) -> list[str]:
        return [self.preset] if self.preset != "custom" else [str(r) for r in self.enabled]


def parse_rules(tokens: Iterable[str]) -> RuleChoice:
    """A preset name, or Nelson rule numbers (as separate tokens or comma-separated)."""
    parts = [p.strip() for token in tokens for p in str(token).split(",") if p.strip()]
    if not parts:
        return RuleChoice("default", rules.DEFAULT)
    if len(parts) == 1 and parts[0] in RULE_PRESETS:
        return RuleChoice(parts[0], RULE_PRESETS[parts[0]][1])
    if not all(p.isdigit() and 1 <= int(p) <= 8 for p in parts):
        raise ValueError(
            f"rules must be one of {', '.join(RULE_PRESETS)} or Nelson rule numbers 1 to 8"
        )
    enabled = frozenset(int(p) for p in parts)
    if enabled == rules.DEFAULT.enabled:
        return RuleChoice("default", rules.DEFAULT)
    return RuleChoice("custom", rules.RuleSet(enabled=enabled))


# --- options and results ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartOptions:
    period: PeriodChoice = "auto"
    months: int = DEFAULT_MONTHS
    rules: RuleChoice = field(default_factory=lambda: RuleChoice("default", rules.DEFAULT))
    # A baseline to try instead of the stored (or default) one; both ends or neither.
    baseline_start: date | None = None
    baseline_end: date | None = None
    baseline_weeks: int = DEFAULT_BASELINE_WEEKS

    def __post_init__(self) -> None:
        if self.period not in ("auto", "week", "month"):
            raise ValueError("period must be auto, week or month")
        if self.months not in WINDOW_MONTHS:
            raise ValueError(f"months must be one of {', '.join(map(str, WINDOW_MONTHS))}")
        if (self.baseline_start is None) != (self.baseline_end is None):
            raise ValueError("give both ends of the baseline, or neither")
        if self.baseline_start and self.baseline_end and self.baseline_start > self.baseline_end:
            raise ValueError("the baseline must start before it ends")
        if not 4 <= self.baseline_weeks <= 104:
            raise ValueError("baseline_weeks must be between 4 and 104")


@dataclass(frozen=True, slots=True)
class Bucket:
    """One period's count of the category and its number of responses."""

    period_start: date
    n: int
    count: int


@dataclass(frozen=True, slots=True)
class ChartPoint:
    period_start: date
    n: int
    value: float  # percent
    low: float  # Wilson 95 % interval, percent
    high: float
    enough: bool  # judged; below the minimum n the point is drawn grey and not judged
    lcl: float | None  # percent; None where the point is not judged
    ucl: float | None
    in_baseline: bool
    rules: tuple[int, ...] = ()
    direction: Direction | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    period_start: date
    rules: tuple[int, ...]
    direction: Direction
    text: str


@dataclass(frozen=True, slots=True)
class LimitsInfo:
    source: Literal["stored", "default", "preview"]
    centre: float  # percent
    k: float
    baseline_start: date
    baseline_end: date
    baseline_points: int
    baseline_responses: int
    set_by: str = ""
    set_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AccountControlChart:
    account_id: int
    metric: ChartMetric
    period: str  # week | month
    period_note: str  # why this period, when chosen automatically
    rules: RuleChoice
    min_n: int
    window_start: date
    window_end: date
    limits: LimitsInfo | None
    points: tuple[ChartPoint, ...]
    signals: tuple[Signal, ...]
    message: str = ""  # why the chart could not be judged, if it could not

    @property
    def too_few(self) -> int:
        return sum(not p.enough for p in self.points)

    @property
    def judged(self) -> int:
        return sum(p.enough for p in self.points)


# --- windows and buckets ---------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def window(period: str, months: int, today: date) -> tuple[date, date]:
    """First and last bucket start of the charted window ending with the current period."""
    if period == Period.WEEK:
        last = week_start(today)
        return last - timedelta(weeks=round(months * 52 / 12) - 1), last
    last = month_start(today)
    return months_back(last, months - 1), last


def bucket_floor(period: str, day: date) -> date:
    return week_start(day) if period == Period.WEEK else month_start(day)


def buckets_by_metric(
    rows: Iterable[MetricRollup],
) -> dict[tuple[str, str], list[Bucket]]:
    result: dict[tuple[str, str], list[Bucket]] = defaultdict(list)
    for row in rows:
        metric = CHART_METRICS[row.metric]
        count = int(getattr(row, metric.count_field))
        result[(row.metric, row.period)].append(Bucket(row.period_start, row.n, count))
    return result


def choose_period(weekly: Sequence[Bucket], wanted: PeriodChoice, min_n: int) -> tuple[str, str]:
    """Weeks when most weeks reach the minimum n, else months (a rational subgroup size)."""
    if wanted != "auto":
        return wanted, ""
    if not weekly:
        return Period.WEEK, ""
    enough = sum(b.n >= min_n for b in weekly)
    if enough * 2 >= len(weekly):
        return Period.WEEK, ""
    typical = median(b.n for b in weekly)
    return Period.MONTH, (
        f"Charted by month: a typical week has {typical:g} responses, fewer than the minimum "
        f"of {min_n} needed to judge a point, and {enough} of {len(weekly)} weeks reach it."
    )


# --- phase I and phase II --------------------------------------------------------------------


def baseline_limits(
    buckets: Sequence[Bucket], period: str, start: date, end: date, *, min_n: int
) -> tuple[spc.ControlLimits, int, int]:
    """p-chart limits from the buckets of a baseline window: (limits, points, responses).

    The centre pools every response of the window, including weeks too small to be judged
    themselves, so the agreed centre does not depend on how the window is cut into periods.
    Raises ValueError with a sentence a user can act on.
    """
    first = bucket_floor(period, start)
    mask = np.array([first <= b.period_start <= end for b in buckets], dtype=bool)
    responses = int(sum(b.n for b, inside in zip(buckets, mask, strict=True) if inside))
    span = f"{_day(start)} – {_day(end)}"
    if responses < min_n:
        raise ValueError(
            f"The baseline {span} holds {responses} responses; at least {min_n} are needed."
        )
    chart = spc.p_chart(
        defectives=[b.count for b in buckets], sizes=[b.n for b in buckets], baseline=mask
    )
    return chart.limits, int(mask.sum()), responses


def build_chart(
    *,
    account_id: int,
    metric: ChartMetric,
    weekly: Sequence[Bucket],
    monthly: Sequence[Bucket],
    options: ChartOptions,
    stored: ControlLimitSet | None,
    min_n: int,
    today: date,
) -> AccountControlChart:
    """Judge the window's points against stored, previewed or default limits (no queries)."""
    week_window = window(Period.WEEK, options.months, today)[0]
    weekly = [b for b in weekly if b.period_start >= week_window]
    period, note = choose_period(weekly, options.period, min_n)
    start, end = window(period, options.months, today)
    buckets = [b for b in (weekly if period == Period.WEEK else monthly) if b.period_start >= start]
    chart = AccountControlChart(
        account_id, metric, period, note, options.rules, min_n, start, end, None, (), ()
    )
    if not buckets:
        return replace(
            chart, message=f"No {metric.short} responses in the last {options.months} months."
        )
    try:
        limits, info = _limits(buckets, period, weekly, options, stored, min_n)
        p = spc.p_chart(
            defectives=[b.count for b in buckets], sizes=[b.n for b in buckets], limits=limits
        )
    except ValueError as error:
        return replace(chart, points=_unjudged(buckets, min_n), message=str(error))
    enough = np.array([b.n >= min_n for b in buckets], dtype=bool)
    judged = np.flatnonzero(enough)
    found: dict[int, list[rules.Violation]] = defaultdict(list)
    if judged.size:
        violations = rules.find_violations(
            np.asarray(p.values)[judged],
            centre=p.centre,
            sigma=np.asarray(p.sigma)[judged],
            rules=options.rules.rule_set,
        )
        for v in violations:
            found[int(judged[v.index])].append(v)
    points, signals = [], []
    for i, b in enumerate(buckets):
        ci = intervals.wilson(b.count, b.n).scaled(100)
        point = ChartPoint(
            period_start=b.period_start,
            n=b.n,
            value=100 * p.values[i],
            low=ci.low,
            high=ci.high,
            enough=bool(enough[i]),
            lcl=100 * p.lcl[i] if enough[i] else None,
            ucl=100 * p.ucl[i] if enough[i] else None,
            in_baseline=bucket_floor(period, info.baseline_start)
            <= b.period_start
            <= info.baseline_end,
        )
        if i in found:
            direction = _direction(metric, point, info.centre, found[i])
            point = replace(point, rules=tuple(v.rule for v in found[i]), direction=direction)
            signals.append(
                Signal(
                    b.period_start,
                    point.rules,
                    direction,
                    _explain(metric, period, point, info, found[i]),
                )
            )
        points.append(point)
    return replace(chart, limits=info, points=tuple(points), signals=tuple(signals))


def _limits(
    buckets: Sequence[Bucket],
    period: str,
    weekly: Sequence[Bucket],
    options: ChartOptions,
    stored: ControlLimitSet | None,
    min_n: int,
) -> tuple[spc.ControlLimits, LimitsInfo]:
    if options.baseline_start and options.baseline_end:
        source: Literal["preview", "default"] = "preview"
        start, end = options.baseline_start, options.baseline_end
    elif stored is not None:
        limits = spc.ControlLimits.from_dict(stored.limits)
        return limits, LimitsInfo(
            "stored",
            100 * limits.centre,
            limits.k,
            stored.baseline_start,
            stored.baseline_end,
            limits.n_baseline,
            stored.baseline_responses,
            set_by=str(stored.created_by or ""),
            set_at=stored.created_at,
        )
    else:
        source = "default"
        start, end = default_baseline(period, buckets, options.baseline_weeks)
    limits, points, responses = baseline_limits(buckets, period, start, end, min_n=min_n)
    return limits, LimitsInfo(source, 100 * limits.centre, limits.k, start, end, points, responses)


def default_baseline(period: str, buckets: Sequence[Bucket], weeks: int) -> tuple[date, date]:
    """The first `weeks` weeks of the charted series (as whole months when charted by month)."""
    first = buckets[0].period_start
    if period == Period.WEEK:
        return first, first + timedelta(weeks=weeks) - timedelta(days=1)
    months = max(1, round(weeks * 12 / 52))
    return first, months_back(first, -months) - timedelta(days=1)


def _unjudged(buckets: Sequence[Bucket], min_n: int) -> tuple[ChartPoint, ...]:
    points = []
    for b in buckets:
        ci = intervals.wilson(b.count, b.n).scaled(100)
        points.append(
            ChartPoint(b.period_start, b.n, 100 * b.count / b.n, ci.low, ci.high,
                       b.n >= min_n, None, None, False)
        )  # fmt: skip
    return tuple(points)


def _direction(
    metric: ChartMetric, point: ChartPoint, centre: float, found: Sequence[rules.Violation]
) -> Direction:
    if all(v.rule in (4, 7, 8) for v in found):
        return "pattern"  # stratification or over-adjustment: neither better nor worse
    trend = [v for v in found if v.rule == 3]
    if trend and len(trend) == len(found):
        up = "increasing" in trend[0].description
    else:
        up = point.value > centre
    return "better" if up == metric.higher_is_better else "worse"


def _explain(
    metric: ChartMetric,
    period: str,
    point: ChartPoint,
    info: LimitsInfo,
    found: Sequence[rules.Violation],
) -> str:
    """ "Week of 3 March 2026: CSAT 61 % (47 to 73 %, n=48) is below the lower control limit …"."""
    span = formats.interval(point.low, point.high)
    figure = f"{metric.short} {formats.number(point.value)} % ({span} %, n={point.n})"
    if any(v.rule == 1 for v in found):
        below = point.lcl is not None and point.value < point.lcl
        where = (
            f"is below the lower control limit {point.lcl:.0f} %"
            if below
            else f"is above the upper control limit {point.ucl:.0f} %"
        )
    else:
        where = f"against a centre line of {info.centre:.0f} %"
    reasons = "; ".join(_rule_reason(v, info.k) for v in found)
    return f"{period_label(period, point.period_start)}: {figure} {where} — {reasons}"


def _rule_reason(violation: rules.Violation, k: float) -> str:
    if violation.rule == 1:
        return f"rule 1, one point beyond {k:g}σ"
    text = violation.description.replace(" sigma", "σ")
    return f"rule {violation.rule}, {text[0].lower()}{text[1:]}"


def period_label(period: str, start: date) -> str:
    if period == Period.WEEK:
        return f"Week of {_day(start)}"
    return f"{start:%B %Y}"


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"
