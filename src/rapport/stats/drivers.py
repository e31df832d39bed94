"""Key-driver analysis: Johnson's relative weights beside plain correlations.

Relative weights split the model R² among correlated predictors (e.g. how much of overall
satisfaction each service aspect accounts for), which regression coefficients cannot do when
the aspects move together. The correlation with the outcome is shown beside each weight
because managers read it more easily, and a large gap between the two flags redundancy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rapport.stats.intervals import Estimate, _z, bootstrap_replicates, percentile_interval


@dataclass(frozen=True, slots=True)
class Driver:
    """One predictor: its share of R² (raw and as % of R², bootstrap intervals) and its
    Pearson correlation with the outcome (Fisher z interval)."""

    name: str
    raw_weight: Estimate
    percent_of_r_squared: Estimate
    correlation: Estimate


@dataclass(frozen=True, slots=True)
class DriverAnalysis:
    r_squared: float
    n: int
    drivers: tuple[Driver, ...]


def pearson(x: npt.ArrayLike, y: npt.ArrayLike, *, confidence: float = 0.95) -> Estimate:
    """Pearson's r with the Fisher z interval, tanh(atanh(r) ± z/√(n - 3))."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError("x and y must be lists of the same length")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("x and y must be finite numbers (no NaN)")
    if a.size < 4:
        raise ValueError("a correlation interval needs at least 4 observations")
    if a.std() == 0 or b.std() == 0:
        raise ValueError("a correlation is undefined for a constant variable")
    r = float(np.clip(np.corrcoef(a, b)[0, 1], -1.0, 1.0))
    if abs(r) == 1:
        return Estimate(r, r, r, a.size, confidence)
    half = _z(confidence) / math.sqrt(a.size - 3)
    centre = math.atanh(r)
    return Estimate(r, math.tanh(centre - half), math.tanh(centre + half), a.size, confidence)


def relative_weights(
    *,
    predictors: npt.ArrayLike,
    outcome: npt.ArrayLike,
    names: Sequence[str],
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | np.random.Generator = 0,
) -> DriverAnalysis:
    """Johnson's (2000) relative weights of the columns of `predictors` for `outcome`.

    The predictors are replaced by their closest orthogonal counterparts Z (via the symmetric
    square root of their correlation matrix); each predictor's raw weight is the R² of the
    outcome on Z apportioned by how much that predictor loads on each Z. Raw weights sum to
    R². Intervals are percentile bootstraps over rows (cases), seeded for repeatable reports.
    """
    x = np.asarray(predictors, dtype=float)
    y = np.asarray(outcome, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError("predictors must be a table with one column per name")
    if x.shape[0] != y.shape[0] or y.ndim != 1:
        raise ValueError("predictors and outcome must have the same number of rows")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("predictors and outcome must be finite numbers (no NaN)")
    if x.shape[0] <= x.shape[1] + 1:
        raise ValueError("relative weights need more cases than predictors plus one")
    table = np.column_stack([x, y])
    weights = _raw_weights(table)
    if not np.isfinite(weights).all():
        raise ValueError("a predictor is constant or the predictors are perfectly collinear")
    r_squared = float(weights.sum())
    replicates = bootstrap_replicates(
        _weights_and_shares, table, n_resamples=n_resamples, seed=seed
    )
    low, high = percentile_interval(replicates, confidence)
    p, n = x.shape[1], x.shape[0]
    drivers = tuple(
        Driver(
            name=name,
            raw_weight=Estimate(float(weights[j]), float(low[j]), float(high[j]), n, confidence),
            percent_of_r_squared=Estimate(
                float(100 * weights[j] / r_squared),
                float(low[p + j]),
                float(high[p + j]),
                n,
                confidence,
            ),
            correlation=pearson(x[:, j], y, confidence=confidence),
        )
        for j, name in enumerate(names)
    )
    return DriverAnalysis(r_squared=r_squared, n=n, drivers=drivers)


def _raw_weights(table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Raw relative weights for a cases × (predictors, outcome) table; NaN when degenerate."""
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.atleast_2d(np.corrcoef(table, rowvar=False))
        rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
        if not np.isfinite(corr).all():
            return np.full(rxy.size, math.nan)
        eigenvalues, vectors = np.linalg.eigh(rxx)
        if eigenvalues.min() <= 1e-12 * eigenvalues.max():
            return np.full(rxy.size, math.nan)
        # Λ = R_xx^(1/2): correlations between the predictors and their orthogonal counterparts.
        loadings = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
        beta = np.linalg.solve(loadings, rxy)
        result: npt.NDArray[np.float64] = (loadings**2) @ (beta**2)
        return result


def _weights_and_shares(table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    weights = _raw_weights(table)
    with np.errstate(invalid="ignore", divide="ignore"):  # R² = 0: an undefined replicate
        return np.concatenate([weights, 100 * weights / weights.sum()])
