"""Is a KPI trending, and has it changed? Verdicts managers may trust (DESIGN §6).

A change is only called when the data say so at the chosen confidence; below `min_n` the
verdict is "insufficient data" and no test is run, so a handful of points never makes a trend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as _st

from rapport.stats.intervals import Estimate, _z

Verdict = Literal[
    "significant increase", "significant decrease", "no significant change", "insufficient data"
]
DEFAULT_MIN_N = 8


@dataclass(frozen=True, slots=True)
class MannKendall:
    """Mann–Kendall trend test with Sen's slope; statistics are None below min_n."""

    n: int
    verdict: Verdict
    s: int | None = None
    var_s: float | None = None
    z: float | None = None
    p_value: float | None = None
    tau: float | None = None
    sen_slope: Estimate | None = None


@dataclass(frozen=True, slots=True)
class LinearTrend:
    """Least-squares slope with its t interval; statistics are None below min_n."""

    n: int
    verdict: Verdict
    slope: Estimate | None = None
    intercept: float | None = None
    p_value: float | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """The difference after - before with its interval, and what it means."""

    difference: Estimate
    verdict: Verdict


def mann_kendall(
    values: npt.ArrayLike,
    *,
    times: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    min_n: int = DEFAULT_MIN_N,
) -> MannKendall:
    """Mann–Kendall test for a monotonic trend, robust to outliers and non-normal scores.

    S = Σ sign(x_j - x_i) over pairs of points, x_j the later; its variance is corrected for
    tied values and z uses the continuity correction; tau is Kendall's tau-a, S / (n(n-1)/2).
    Points may come in any order of `times`; points at the same time are not compared.
    Sen's slope is the median of pairwise slopes (per unit of `times`, default 0, 1, 2, ...);
    its interval is Gilbert's (1987) rank interval, interpolating between neighbouring slopes
    when the ranks are not whole numbers.
    """
    x, t = _series(values, times, min_n)
    if x.size < min_n:
        return MannKendall(n=x.size, verdict="insufficient data")
    n = x.size
    i, j = np.triu_indices(n, k=1)
    s = int((np.sign(x[j] - x[i]) * np.sign(t[j] - t[i])).sum())
    _, ties = np.unique(x, return_counts=True)
    var_s = (n * (n - 1) * (2 * n + 5) - (ties * (ties - 1) * (2 * ties + 5)).sum()) / 18
    z = 0.0 if s == 0 or var_s == 0 else (s - math.copysign(1, s)) / math.sqrt(var_s)
    p_value = float(2 * _st.norm.sf(abs(z)))
    distinct_times = t[j] != t[i]
    slopes = np.sort((x[j] - x[i])[distinct_times] / (t[j] - t[i])[distinct_times])
    half_width = _z(confidence) * math.sqrt(var_s)
    # Gilbert: the bounds are the (N - C)/2-th and ((N + C)/2 + 1)-th smallest slopes.
    ranks = np.clip([(slopes.size - half_width) / 2, (slopes.size + half_width) / 2 + 1], 1, None)
    low, high = np.interp(ranks, np.arange(1, slopes.size + 1), slopes)
    return MannKendall(
        n=n,
        verdict=_verdict(float(s), p_value < 1 - confidence),
        s=s,
        var_s=float(var_s),
        z=z,
        p_value=p_value,
        tau=s / (n * (n - 1) / 2),
        sen_slope=Estimate(float(np.median(slopes)), float(low), float(high), n, confidence),
    )


def linear_trend(
    values: npt.ArrayLike,
    *,
    times: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    min_n: int = DEFAULT_MIN_N,
) -> LinearTrend:
    """Ordinary least-squares slope per unit of `times` with its Student-t interval (n - 2 df)."""
    x, t = _series(values, times, min_n)
    if x.size < min_n:
        return LinearTrend(n=x.size, verdict="insufficient data")
    n = x.size
    t_centred = t - t.mean()
    sxx = float(t_centred @ t_centred)
    slope = float(t_centred @ (x - x.mean())) / sxx
    intercept = float(x.mean() - slope * t.mean())
    residuals = x - intercept - slope * t
    se = math.sqrt(float(residuals @ residuals) / (n - 2) / sxx)
    half = float(_st.t.ppf(0.5 + confidence / 2, n - 2)) * se
    # se = 0 means the points lie exactly on a line: certain if it slopes at all.
    p_value = float(2 * _st.t.sf(abs(slope) / se, n - 2)) if se > 0 else float(slope == 0)
    return LinearTrend(
        n=n,
        verdict=_verdict(slope, p_value < 1 - confidence),
        slope=Estimate(slope, slope - half, slope + half, n, confidence),
        intercept=intercept,
        p_value=p_value,
    )


def compare(
    *,
    before: Estimate,
    after: Estimate,
    method: Literal["newcombe", "welch"],
    min_n: int = DEFAULT_MIN_N,
) -> Change:
    """Has the figure changed from `before` to `after` (independent samples)?

    The verdict rests on an interval for the difference, not on whether the two intervals
    overlap (overlap is too strict: two 95 % intervals can overlap while the difference is
    significant).
    - "newcombe" for proportions and other bounded scores (Wilson proportions, NPS): Newcombe's
      (1998) hybrid score interval, which combines each side's own interval (the square-and-add
      method, MOVER) and so keeps the good coverage of Wilson intervals near 0 and 1.
    - "welch" for means from `mean_t`: Welch's t interval, with each side's standard error
      recovered from its t interval and Welch–Satterthwaite degrees of freedom, so unequal
      variances and sizes are allowed.
    Both sides must have been computed at the same confidence; the difference uses it too.
    """
    if before.confidence != after.confidence:
        raise ValueError("compare estimates computed at the same confidence")
    confidence = before.confidence
    diff = after.value - before.value
    n = before.n + after.n
    if min(before.n, after.n) < min_n:
        return Change(Estimate(diff, -math.inf, math.inf, n, confidence), "insufficient data")
    if method == "newcombe":
        low = diff - math.hypot(after.value - after.low, before.high - before.value)
        high = diff + math.hypot(after.high - after.value, before.value - before.low)
    elif method == "welch":
        se_before, se_after = _t_standard_error(before), _t_standard_error(after)
        se = math.hypot(se_before, se_after)
        half = 0.0
        if se > 0:
            df = se**4 / (se_before**4 / (before.n - 1) + se_after**4 / (after.n - 1))
            half = float(_st.t.ppf(0.5 + confidence / 2, df)) * se
        low, high = diff - half, diff + half
    else:
        raise ValueError(f"method must be 'newcombe' or 'welch', got {method!r}")
    verdict: Verdict = "no significant change"
    if low > 0:
        verdict = "significant increase"
    elif high < 0:
        verdict = "significant decrease"
    return Change(Estimate(diff, low, high, n, confidence), verdict)


def _t_standard_error(estimate: Estimate) -> float:
    if estimate.n < 2:
        raise ValueError("a Welch comparison needs at least 2 observations on each side")
    t = float(_st.t.ppf(0.5 + estimate.confidence / 2, estimate.n - 1))
    return (estimate.high - estimate.low) / 2 / t


def _verdict(direction: float, significant: bool) -> Verdict:
    if not significant or direction == 0:
        return "no significant change"
    return "significant increase" if direction > 0 else "significant decrease"


def _series(
    values: npt.ArrayLike, times: npt.ArrayLike | None, min_n: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    if min_n < 3:
        raise ValueError(f"min_n must be at least 3, got {min_n}")
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("values must be a non-empty list of numbers")
    t = np.arange(x.size, dtype=float) if times is None else np.asarray(times, dtype=float)
    if t.shape != x.shape:
        raise ValueError("times must have one value per point")
    if not (np.isfinite(x).all() and np.isfinite(t).all()):
        raise ValueError("values and times must be finite numbers (no NaN)")
    if x.size >= min_n and np.ptp(t) == 0:
        raise ValueError("times must not all be equal")
    return x, t
