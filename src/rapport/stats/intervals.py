"""Point estimates with 95 % (or other) intervals for proportions, means and NPS."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as _st


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


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return float(_st.norm.ppf(0.5 + confidence / 2))


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
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n, confidence)


def agresti_coull(k: int, n: int, confidence: float = 0.95) -> Estimate:
    """Agresti-Coull interval: Wald interval around the Wilson centre with n + z² trials."""
    _check_counts(k, n)
    z = _z(confidence)
    n_adj = n + z * z
    p_adj = (k + z * z / 2) / n_adj
    half = z * math.sqrt(p_adj * (1 - p_adj) / n_adj)
    return Estimate(k / n, max(0.0, p_adj - half), min(1.0, p_adj + half), n, confidence)


def nps(promoters: int, passives: int, detractors: int, confidence: float = 0.95) -> Estimate:
    """Net Promoter Score on the -1..1 scale with the multinomial-variance interval.

    NPS = p_P - p_D; Var = (p_P + p_D - (p_P - p_D)^2) / n, the variance of the mean of a
    score that is +1 for promoters, 0 for passives and -1 for detractors.
    """
    counts = (promoters, passives, detractors)
    if min(counts) < 0:
        raise ValueError(f"counts must be non-negative, got {counts}")
    n = sum(counts)
    if n == 0:
        raise ValueError("NPS needs at least one response")
    z = _z(confidence)
    p_pro, p_det = promoters / n, detractors / n
    value = p_pro - p_det
    var = (p_pro + p_det - value * value) / n
    half = z * math.sqrt(max(var, 0.0))
    return Estimate(value, max(-1.0, value - half), min(1.0, value + half), n, confidence)


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
    t = float(_st.t.ppf(0.5 + confidence / 2, n - 1))
    half = t * math.sqrt(var / n)
    return Estimate(mean, mean - half, mean + half, n, confidence)
