"""What each metric is, how a response contributes to it, and how its sums become an estimate.

Kept free of queries so the import pipeline, the rollup rebuild and the pages share one
definition of NPS, CSAT and CES.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rapport.stats import intervals

SUM_FIELDS = ("n", "total", "total_sq", "promoters", "passives", "detractors", "top2")


@dataclass(frozen=True, slots=True)
class MetricDef:
    key: str
    label: str
    low: int
    high: int
    # Scores at or above this count as "top-2 box" (satisfied / easy).
    top2_from: int
    # How the headline figure is computed from the sums.
    headline: str  # "nps" | "top2" | "mean"
    scale: float = 1.0

    @property
    def unit(self) -> str:
        return {"nps": "", "top2": "%", "mean": ""}[self.headline]


METRICS: dict[str, MetricDef] = {
    "nps": MetricDef("nps", "NPS", 0, 10, 9, "nps", scale=100.0),
    "csat": MetricDef("csat", "CSAT", 1, 5, 4, "top2", scale=100.0),
    "ces": MetricDef("ces", "CES", 1, 7, 6, "mean"),
}


def custom_metric(key: str) -> MetricDef:
    """A custom numeric answer: shown as its mean with a t-interval."""
    return MetricDef(key, key.replace("_", " ").capitalize(), 0, 0, 0, "mean")


def metric_def(key: str) -> MetricDef:
    return METRICS.get(key) or custom_metric(key)


def contributions(
    nps: int | None, csat: int | None, ces: int | None, answers: Mapping[str, Any] | None
) -> Iterator[tuple[str, tuple[int, float, float, int, int, int, int]]]:
    """(metric, sums) for each metric a response answers; sums are in SUM_FIELDS order."""
    if nps is not None:
        yield (
            "nps",
            (1, nps, nps * nps, int(nps >= 9), int(7 <= nps <= 8), int(nps <= 6), int(nps >= 9)),
        )
    if csat is not None:
        yield "csat", (1, csat, csat * csat, 0, 0, 0, int(csat >= 4))
    if ces is not None:
        yield "ces", (1, ces, ces * ces, 0, 0, 0, int(ces >= 6))
    for key, value in (answers or {}).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield key, (1, float(value), float(value) ** 2, 0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class MetricValue:
    """A metric's headline figure on its display scale, with n and interval."""

    metric: str
    n: int
    value: float | None
    low: float | None
    high: float | None
    enough: bool  # n reaches the configured minimum

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "n": self.n,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "enough": self.enough,
        }


def estimate(metric: str, sums: Mapping[str, float], *, min_n: int) -> MetricValue:
    """Headline estimate with 95 % interval from a bucket's sums (None when n = 0)."""
    definition = metric_def(metric)
    n = int(sums.get("n", 0) or 0)
    if n == 0:
        return MetricValue(metric, 0, None, None, None, False)
    if definition.headline == "nps":
        est = _nps_of(sums)
    elif definition.headline == "top2":
        est = intervals.wilson(int(sums["top2"]), n)
    else:
        est = intervals.mean_t(n, float(sums["total"]), float(sums["total_sq"]))
    scale = definition.scale  # Estimate.scaled()'s arithmetic without another Estimate
    low = est.low * scale if est.low != -math.inf else None
    high = est.high * scale if est.high != math.inf else None
    return MetricValue(metric, n, est.value * scale, low, high, n >= min_n)


def headline_value(metric: str, sums: Mapping[str, float]) -> float | None:
    """`estimate(...).value` without the interval: no quantile is needed, so snapshot
    refreshes (after every import) never load scipy. Same arithmetic as stats.intervals."""
    n = int(sums.get("n", 0) or 0)
    if n == 0:
        return None
    definition = metric_def(metric)
    if definition.headline == "nps":
        value = int(sums["promoters"]) / n - int(sums["detractors"]) / n
    elif definition.headline == "top2":
        value = int(sums["top2"]) / n
    else:
        value = float(sums["total"]) / n
    return value * definition.scale


def add_sums(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    return {f: (a.get(f, 0) or 0) + (b.get(f, 0) or 0) for f in SUM_FIELDS}


def _variance_of_mean(metric: str, sums: Mapping[str, float]) -> float:
    """Sampling variance of a top-2 share or a mean (NPS changes use `difference_interval`)."""
    n = sums["n"]
    headline = metric_def(metric).headline
    if headline == "top2":
        p = sums["top2"] / n
        return p * (1 - p) / n
    if n < 2:
        return float("inf")
    return max((sums["total_sq"] - sums["total"] ** 2 / n) / (n - 1), 0.0) / n


@dataclass(frozen=True, slots=True)
class Change:
    """How the current period compares with the previous one (DESIGN.md section 6)."""

    direction: str  # "up" | "down" | "flat" | "unknown"
    difference: float | None
    label: str


def compare(
    metric: str, current: Mapping[str, float], previous: Mapping[str, float], *, min_n: int
) -> Change:
    """Call a change a change only when the difference is outside its 95 % interval.

    NPS: the interval of `difference_interval` (MOVER from the two score intervals). Other
    metrics, independent samples, normal approximation: z = Δ / sqrt(Var₁ + Var₂), |z| > 1.96.
    Below the minimum n in either period nothing is called a change.
    """
    n_cur, n_prev = int(current.get("n", 0) or 0), int(previous.get("n", 0) or 0)
    if n_cur < min_n or n_prev < min_n:
        return Change("unknown", None, "too few responses to compare")
    if metric_def(metric).headline == "nps":
        diff, low, high = difference_interval(metric, current, previous)
        significant = low > 0 or high < 0
    else:
        scale = metric_def(metric).scale
        # The headline values only: the intervals of estimate() are not needed here.
        cur = headline_value(metric, current) or 0.0
        prev = headline_value(metric, previous) or 0.0
        diff = cur - prev
        se = math.sqrt(_variance_of_mean(metric, current) + _variance_of_mean(metric, previous))
        significant = se > 0 and abs(diff / scale) > 1.959964 * se
    if not significant:
        return Change("flat", diff, "no significant change")
    word = "up" if diff > 0 else "down"
    return Change(word, diff, f"significantly {word} {abs(diff):.1f}")


def difference_interval(
    metric: str, current: Mapping[str, float], previous: Mapping[str, float]
) -> tuple[float, float, float]:
    """current - previous on the display scale with the 95 % interval `compare()` tests with.

    NPS uses the MOVER interval from the two periods' score intervals: the Wald variance is 0
    when every answer of both periods is in one category, which called a move from all
    detractors to all promoters "no change" (decision 29)."""
    definition = metric_def(metric)
    scale = definition.scale
    if definition.headline == "nps":
        change = intervals.difference(*(_nps_of(sums) for sums in (current, previous)))
        return change.value * scale, change.low * scale, change.high * scale
    cur = estimate(metric, current, min_n=1).value or 0.0
    prev = estimate(metric, previous, min_n=1).value or 0.0
    se = scale * math.sqrt(_variance_of_mean(metric, current) + _variance_of_mean(metric, previous))
    diff = cur - prev
    return diff, diff - 1.959964 * se, diff + 1.959964 * se


def prime_estimates(metric: str, sums: Iterable[Mapping[str, float]]) -> None:
    """Prepare the intervals of many buckets at once before `estimate`/`compare` read them
    one by one (NPS: one vectorised score-interval search for a whole page of accounts)."""
    if metric_def(metric).headline == "nps":
        intervals.prime_nps_limits(
            (int(s.get("promoters", 0) or 0), int(s.get("passives", 0) or 0),
             int(s.get("detractors", 0) or 0))
            for s in sums
        )  # fmt: skip


def _nps_of(sums: Mapping[str, float]) -> intervals.Estimate:
    return intervals.nps(int(sums["promoters"]), int(sums["passives"]), int(sums["detractors"]))
