"""Point estimates with 95 % (or other) intervals for proportions, means, NPS and bootstrap."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its interval, on the estimate's own scale."""

    value: float
    low: float
    high: float
    n: int
    confidence: float = 0.95

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high

    def scaled(self, factor: float) -> Estimate:
        """The same estimate on another scale (e.g. NPS as -100..100 instead of -1..1)."""
        return Estimate(
            self.value * factor, self.low * factor, self.high * factor, self.n, self.confidence
        )


# Quantiles are cached: a page of 50 accounts asks for the same few hundred times, and one
# scipy ppf call costs about as much as rendering a table row.
# scipy.special.ndtri at the usual levels, so that the 95 % intervals computed after every
# import (snapshots, health) need no scipy at all: importing it costs 0.5 s and 28 MB.
_Z_KNOWN = {0.8: 1.2815515655446004, 0.9: 1.6448536269514722, 0.95: 1.959963984540054,
            0.99: 2.5758293035489004}  # fmt: skip


@functools.lru_cache(maxsize=64)
def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if confidence in _Z_KNOWN:
        return _Z_KNOWN[confidence]
    # scipy.special, imported when first needed, holds the quantile functions that
    # scipy.stats.norm.ppf and t.ppf call; scipy.stats itself costs 1.5 s and 50 MB to import.
    from scipy.special import ndtri

    return float(ndtri(0.5 + confidence / 2))


@functools.lru_cache(maxsize=4096)
def _t(confidence: float, df: int) -> float:
    from scipy.special import stdtrit

    return float(stdtrit(df, 0.5 + confidence / 2))


def _check_counts(k: int, n: int) -> None:
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if not 0 <= k <= n:
        raise ValueError(f"count k={k} must lie between 0 and n={n}")


def wilson(k: int, n: int, confidence: float = 0.95) -> Estimate:
    """Wilson score interval for k successes in n trials (Newcombe 1998, method 3)."""
    _check_counts(k, n)
    z = _z(confidence)
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # At k = 0 and k = n the limit is exactly 0 or 1; centre ± half only reaches it up to
    # rounding, which would show a "0.0000001 %" floor on a page.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Estimate(p, low, high, n, confidence)


def agresti_coull(k: int, n: int, confidence: float = 0.95) -> Estimate:
    """Agresti-Coull interval: Wald interval around the Wilson centre with n + z² trials."""
    _check_counts(k, n)
    z = _z(confidence)
    n_adj = n + z * z
    p_adj = (k + z * z / 2) / n_adj
    half = z * math.sqrt(p_adj * (1 - p_adj) / n_adj)
    return Estimate(k / n, max(0.0, p_adj - half), min(1.0, p_adj + half), n, confidence)


def nps(promoters: int, passives: int, detractors: int, confidence: float = 0.95) -> Estimate:
    """Net Promoter Score on the -1..1 scale with Tango's score interval (see `nps_limits`)."""
    counts = (promoters, passives, detractors)
    if min(counts) < 0:
        raise ValueError(f"counts must be non-negative, got {counts}")
    n = sum(counts)
    if n == 0:
        raise ValueError("NPS needs at least one response")
    low, high = _nps_limits_one(int(promoters), int(passives), int(detractors), confidence)
    value = promoters / n - detractors / n  # the arithmetic of metrics.headline_value
    return Estimate(value, low, high, n, confidence)


# A tenth of a count off |observed - hypothesised| before the score test. Plain Tango dips to
# 0.929 exact coverage at n = 10 (decision 29); this lifts the minimum to 0.936 and costs
# about 0.003 of mean coverage at n = 100.
NPS_CONTINUITY = 0.1
_BISECTIONS = 40  # the limits to 2e-12, far below any shown digit


class _Scalar:
    """The few numpy functions the score test uses, for plain floats: one NPS at a time is
    ~15x faster in plain Python than through numpy's per-call overhead on 1-element arrays."""

    sqrt = staticmethod(math.sqrt)
    maximum = staticmethod(max)
    abs = staticmethod(abs)


def _tango_rejects(delta: Any, p: Any, m: Any, d: Any, z2: float, xp: Any = np) -> Any:
    """Whether the score test rejects p_P - p_D = delta for counts (p, m, d); `xp` is numpy
    for arrays of counts or `_Scalar` for one set."""
    n = p + m + d
    # Constrained MLE of p_D: the positive root of 2n q² - b q - D δ(1 - δ) = 0.
    b = p * (1 - delta) + d * (1 - 3 * delta) - 2 * m * delta
    q = (b + xp.sqrt(xp.maximum(b * b + 8 * n * d * delta * (1 - delta), 0))) / (4 * n)
    variance = xp.maximum(2 * q + delta - delta * delta, 0) / n
    gap = xp.maximum(xp.abs((p - d) / n - delta) - NPS_CONTINUITY / n, 0)
    return gap * gap > z2 * variance


# Limits already found, by (promoters, passives, detractors, confidence): a portfolio page
# shows a hundred NPS figures, mostly the same from one request to the next.
_NPS_LIMITS: dict[tuple[int, int, int, float], tuple[float, float]] = {}
_NPS_LIMITS_KEPT = 65_536


def _remember_nps_limits(key: tuple[int, int, int, float], limits: tuple[float, float]) -> None:
    if len(_NPS_LIMITS) >= _NPS_LIMITS_KEPT:
        _NPS_LIMITS.clear()  # rare, and cheaper to keep than an LRU's bookkeeping per call
    _NPS_LIMITS[key] = limits


def prime_nps_limits(counts: Iterable[tuple[int, int, int]], confidence: float = 0.95) -> None:
    """Find the limits of many sets of counts in one vectorised `nps_limits` call, so that
    the `nps()` calls that follow (a page of accounts) read them: 1-2 ms for a hundred sets
    instead of 0.2 ms each."""
    wanted = sorted(
        {(p, m, d) for p, m, d in counts if p + m + d > 0} - {k[:3] for k in _NPS_LIMITS}
    )
    if not wanted:
        return
    p, m, d = (np.array(column) for column in zip(*wanted, strict=True))
    lows, highs = nps_limits(p, m, d, confidence)
    for triple, low, high in zip(wanted, lows.tolist(), highs.tolist(), strict=True):
        _remember_nps_limits((*triple, confidence), (low, high))


def _nps_limits_one(p: int, m: int, d: int, confidence: float) -> tuple[float, float]:
    """`nps_limits` for one set of counts, in plain floats (numpy's per-call overhead on
    1-element arrays costs more than the arithmetic), remembered."""
    key = (p, m, d, confidence)
    if (known := _NPS_LIMITS.get(key)) is not None:
        return known
    z2 = _z(confidence) ** 2
    observed = (p - d) / (p + m + d)
    limits = []
    for end in (-1.0, 1.0):
        if not _tango_rejects(end, p, m, d, z2, _Scalar):
            limits.append(end)
            continue
        inside, outside = observed, end
        for _ in range(_BISECTIONS):
            mid = (inside + outside) / 2
            if _tango_rejects(mid, p, m, d, z2, _Scalar):
                outside = mid
            else:
                inside = mid
        limits.append(inside)
    _remember_nps_limits(key, (limits[0], limits[1]))
    return limits[0], limits[1]


def nps_limits(
    promoters: npt.ArrayLike,
    passives: npt.ArrayLike,
    detractors: npt.ArrayLike,
    confidence: float = 0.95,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Score interval for p_P - p_D of a trinomial, element-wise over arrays of counts.

    NPS is the paired-difference problem of Tango (1998): the interval holds every d whose
    score statistic (d̂ - d)² / Var(d̂ | d) stays within z², the variance taken at the
    maximum-likelihood (p_P, p_D) constrained to p_P - p_D = d, which has a closed form. It is
    never of zero width (all answers in one category still leave the other side open) and
    its exact coverage at n = 10, 30 and 100 is at least 0.93 wherever every share is at
    least 0.03 (tests/stats/test_nps_coverage.py enumerates it).
    """
    shape = np.broadcast_shapes(np.shape(promoters), np.shape(passives), np.shape(detractors))
    # Both limits in one array (half the numpy calls): the first half of each array seeks the
    # lower limit, the second the upper.
    p, m, d = (np.tile(np.broadcast_to(np.asarray(c, dtype=float), shape).ravel(), 2)
               for c in (promoters, passives, detractors))  # fmt: skip
    z2 = _z(confidence) ** 2
    observed = (p - d) / (p + m + d)
    ends = np.repeat([-1.0, 1.0], observed.size // 2)
    # The accepted set is an interval around d̂: bisect between d̂ and each end of the scale.
    inside, outside = observed, ends
    for _ in range(_BISECTIONS):
        mid = (inside + outside) / 2
        out = _tango_rejects(mid, p, m, d, z2)
        inside, outside = np.where(out, inside, mid), np.where(out, mid, outside)
    limits = np.where(_tango_rejects(ends, p, m, d, z2), inside, ends).reshape(2, *shape)
    return limits[0], limits[1]


def difference(first: Estimate, second: Estimate) -> Estimate:
    """first - second for independent estimates, with the MOVER interval (Zou & Donner 2008):
    each side's distance to its own limits combined in quadrature, so that asymmetric
    intervals such as Wilson's or the NPS score interval keep their shape and a difference of
    two intervals of non-zero width never has zero width (Newcombe 1998, method 10)."""
    if first.confidence != second.confidence:
        raise ValueError("both estimates must have the same confidence level")
    value = first.value - second.value
    low = value - math.hypot(first.value - first.low, second.high - second.value)
    high = value + math.hypot(first.high - first.value, second.value - second.low)
    return Estimate(value, low, high, first.n + second.n, first.confidence)


def mean_t(n: int, total: float, total_sq: float, confidence: float = 0.95) -> Estimate:
    """Mean with a Student-t interval from sufficient statistics (n, Σx, Σx²).

    Rollups store these three numbers so any period's mean and interval can be computed
    without reading the raw responses.
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    mean = total / n
    if n == 1:
        return Estimate(mean, -math.inf, math.inf, n, confidence)
    var = max((total_sq - total * total / n) / (n - 1), 0.0)
    t = _t(confidence, n - 1)
    half = t * math.sqrt(var / n)
    return Estimate(mean, mean - half, mean + half, n, confidence)


def bootstrap_replicates(
    statistic: Callable[..., npt.ArrayLike],
    *samples: npt.ArrayLike,
    n_resamples: int = 2000,
    paired: bool = False,
    seed: int | np.random.Generator = 0,
) -> npt.NDArray[np.float64]:
    """The statistic recomputed on `n_resamples` resamples, one row per resample.

    Each sample is resampled with replacement along its first axis (rows = observations, so
    a 2-D sample keeps its rows whole). With `paired=True` every sample uses the same row
    indices, as when the arrays are columns of one table; otherwise each is resampled on its
    own, as for independent groups. Replicates where the statistic is undefined (any
    non-finite element, e.g. a resample in which every rating is the same) are dropped, since
    they carry no information about spread; more than half dropped is an error.
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be positive, got {n_resamples}")
    arrays = _bootstrap_samples(samples, paired=paired)
    rng = np.random.default_rng(seed)
    if paired:
        rows = arrays[0].shape[0]
        draws = [[idx] * len(arrays) for idx in rng.integers(0, rows, (n_resamples, rows))]
    else:
        draws = [
            [rng.integers(0, a.shape[0], a.shape[0]) for a in arrays] for _ in range(n_resamples)
        ]
    replicates = np.array(
        [
            np.asarray(statistic(*(a[i] for a, i in zip(arrays, idx, strict=True))), dtype=float)
            for idx in draws
        ]
    )
    return defined_replicates(replicates)


def defined_replicates(replicates: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The replicates (rows) where the statistic is defined; an error when more than half are
    not, since the interval would then describe a few lucky resamples."""
    n_resamples = replicates.shape[0]
    finite = np.isfinite(replicates.reshape(n_resamples, -1)).all(axis=1)
    if finite.sum() * 2 < n_resamples:
        raise ValueError(
            f"the statistic is undefined in {n_resamples - finite.sum()} of {n_resamples} "
            "resamples; the data are too few or too uniform for a bootstrap interval"
        )
    return replicates[finite]


# Below this many observations no bootstrap interval is given: even BCa covers only about
# 0.90 of the time at n = 10 (decision 33), and an interval that claims 95 % misleads.
BOOTSTRAP_MIN_N = 20


def bca_interval(
    replicates: npt.ArrayLike,
    *,
    estimate: npt.ArrayLike,
    jackknife: npt.ArrayLike,
    jackknife_counts: npt.ArrayLike | None = None,
    confidence: float = 0.95,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Bias-corrected and accelerated bootstrap limits (Efron 1987), per element.

    `replicates` has one row per resample, `estimate` is the statistic on the data and
    `jackknife` the statistic with each observation left out in turn (rows where it is
    undefined are skipped). `jackknife_counts` says how many observations each jackknife row
    stands for, when observations that are alike share one row (counts in cells).
    """
    from scipy.special import ndtr, ndtri  # cheaper than scipy.stats; see _z

    z = _z(confidence)
    reps = np.asarray(replicates, dtype=float)
    theta = np.asarray(estimate, dtype=float)
    jack = np.asarray(jackknife, dtype=float).reshape(-1, *theta.shape)
    weight = np.ones(jack.shape[0]) if jackknife_counts is None else np.asarray(jackknife_counts)
    weight = weight.astype(float).reshape(-1, *([1] * theta.ndim)) * np.isfinite(jack)
    jack = np.nan_to_num(jack, nan=0.0, posinf=0.0, neginf=0.0)
    size = reps.shape[0]
    # Bias: the share of replicates below the estimate (ties count half), kept off 0 and 1
    # so that a statistic whose replicates all fall on one side still gets finite limits.
    below = ((reps < theta).sum(axis=0) + 0.5 * (reps == theta).sum(axis=0)) / size
    z0 = ndtri(np.clip(below, 0.5 / size, 1 - 0.5 / size))
    # Acceleration: the skewness of the jackknife values.
    centred = (weight * jack).sum(axis=0) / weight.sum(axis=0) - jack
    spread = (weight * centred**2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        accel = np.where(spread > 0, (weight * centred**3).sum(axis=0) / (6 * spread**1.5), 0.0)
    ordered = np.sort(reps, axis=0)

    def limit(z_tail: float) -> npt.NDArray[np.float64]:
        shifted = z0 + z_tail
        level = ndtr(z0 + shifted / (1 - accel * shifted))
        position = np.clip(level * (size - 1), 0, size - 1)
        lower = np.floor(position).astype(int)
        upper = np.minimum(lower + 1, size - 1)
        low_v = np.take_along_axis(ordered, lower[None, ...], axis=0)[0]
        high_v = np.take_along_axis(ordered, upper[None, ...], axis=0)[0]
        return np.asarray(low_v + (position - lower) * (high_v - low_v), dtype=float)

    return limit(-z), limit(z)


def bootstrap(
    statistic: Callable[..., float],
    *samples: npt.ArrayLike,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    paired: bool = False,
    seed: int | np.random.Generator = 0,
) -> Estimate:
    """BCa bootstrap interval for `statistic(*samples)`; see `bootstrap_replicates`.

    n is the number of rows (paired) or the total rows over all samples (independent); below
    `BOOTSTRAP_MIN_N` it is an error. The same seed gives the same interval, so a report
    re-run shows the same figures.
    """
    arrays = _bootstrap_samples(samples, paired=paired)
    n = arrays[0].shape[0] if paired else sum(a.shape[0] for a in arrays)
    if n < BOOTSTRAP_MIN_N:
        raise ValueError(
            f"a bootstrap interval needs at least {BOOTSTRAP_MIN_N} observations, got {n}"
        )
    value = float(statistic(*arrays))
    if not math.isfinite(value):
        raise ValueError("the statistic is undefined for these data")
    replicates = bootstrap_replicates(
        statistic, *arrays, n_resamples=n_resamples, paired=paired, seed=seed
    )
    low, high = bca_interval(
        replicates,
        estimate=value,
        jackknife=_jackknife(statistic, arrays, paired=paired),
        confidence=confidence,
    )
    return Estimate(value, float(low), float(high), n, confidence)


def _jackknife(
    statistic: Callable[..., float], arrays: list[npt.NDArray[Any]], *, paired: bool
) -> npt.NDArray[np.float64]:
    """The statistic with each row left out: of every sample at once when paired, else of
    each sample in turn (NaN where it is undefined)."""
    values = []
    if paired:
        for i in range(arrays[0].shape[0]):
            values.append(statistic(*(np.delete(a, i, axis=0) for a in arrays)))
    else:
        for k, sample in enumerate(arrays):
            for i in range(sample.shape[0]):
                left_out = [np.delete(a, i, axis=0) if j == k else a for j, a in enumerate(arrays)]
                values.append(statistic(*left_out) if left_out[k].shape[0] else math.nan)
    return np.asarray(values, dtype=float)


def _bootstrap_samples(
    samples: tuple[npt.ArrayLike, ...], *, paired: bool
) -> list[npt.NDArray[Any]]:
    if not samples:
        raise ValueError("bootstrap needs at least one sample")
    arrays = [np.asarray(s) for s in samples]
    for a in arrays:
        if a.ndim == 0 or a.shape[0] == 0:
            raise ValueError("every bootstrap sample must be a non-empty array")
        if a.dtype.kind == "f" and np.isnan(a).any():
            raise ValueError("bootstrap samples must not contain NaN")
    if paired and len({a.shape[0] for a in arrays}) > 1:
        raise ValueError("paired samples must have the same number of rows")
    return arrays
