"""Key-driver analysis: Johnson's relative weights beside plain correlations.

Relative weights split the model R² among correlated predictors (e.g. how much of overall
satisfaction each service aspect accounts for), which regression coefficients cannot do when
the aspects move together. The correlation with the outcome is shown beside each weight
because managers read it more easily, and a large gap between the two flags redundancy.

Relative weights are never negative, so their intervals never include 0 and a pure-noise
aspect looks like a small driver. Each driver is therefore tested against a random-variable
benchmark (Tonidandel, LeBreton & Johnson 2009): a column of random numbers joins the
predictors, and a driver is significant when the BCa interval of (its weight - the random
column's weight) lies above 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rapport.stats.intervals import (
    BOOTSTRAP_MIN_N,
    Estimate,
    _z,
    bca_interval,
    defined_replicates,
)


@dataclass(frozen=True, slots=True)
class Driver:
    """One predictor: its share of R² (raw and as % of R², BCa bootstrap intervals), its
    Pearson correlation with the outcome (Fisher z interval), and its raw weight minus that
    of a random benchmark column in the same model (BCa interval)."""

    name: str
    raw_weight: Estimate
    percent_of_r_squared: Estimate
    correlation: Estimate
    versus_random: Estimate

    @property
    def significant(self) -> bool:
        """It explains more than a column of random numbers would (the interval is above 0)."""
        return self.versus_random.low > 0


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
    R². Intervals are BCa bootstraps over rows (cases), seeded for repeatable reports, and
    need at least `BOOTSTRAP_MIN_N` cases; the random benchmark is drawn from the same seed.
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
    p, n = x.shape[1], x.shape[0]
    if n < BOOTSTRAP_MIN_N:
        raise ValueError(f"driver intervals need at least {BOOTSTRAP_MIN_N} cases, got {n}")
    rng = np.random.default_rng(seed)
    table = np.column_stack([x, rng.standard_normal(n), y])  # predictors, benchmark, outcome
    estimates = _statistics(table, np.ones((1, n)))[0]
    if not np.isfinite(estimates).all():
        raise ValueError("a predictor is constant or the predictors are perfectly collinear")
    weights = estimates[:p]
    r_squared = float(weights.sum())
    low, high = bca_interval(
        _bootstrap_statistics(table, n_resamples=n_resamples, rng=rng),
        estimate=estimates,
        jackknife=_jackknife_statistics(table),
        confidence=confidence,
    )

    def estimate(column: int) -> Estimate:
        return Estimate(
            float(estimates[column]), float(low[column]), float(high[column]), n, confidence
        )

    drivers = tuple(
        Driver(
            name=name,
            raw_weight=estimate(j),
            percent_of_r_squared=estimate(p + j),
            correlation=pearson(x[:, j], y, confidence=confidence),
            versus_random=estimate(2 * p + j),
        )
        for j, name in enumerate(names)
    )
    return DriverAnalysis(r_squared=r_squared, n=n, drivers=drivers)


def _statistics(
    table: npt.NDArray[np.float64], counts: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Per row of `counts` (how often each case is drawn): the predictors' raw weights, their
    % of R², and each raw weight minus the benchmark's in the model that includes it.

    `table` holds the p predictors, the random benchmark and the outcome, in that order."""
    corr = _moments(table, counts)
    p = table.shape[1] - 2
    without = np.r_[0:p, p + 1]
    weights = _weights(corr[:, without][:, :, without])
    with_benchmark = _weights(corr)
    with np.errstate(invalid="ignore", divide="ignore"):  # R² = 0: undefined
        shares = 100 * weights / weights.sum(axis=1, keepdims=True)
    return np.hstack([weights, shares, with_benchmark[:, :p] - with_benchmark[:, p:]])


# Resamples are drawn exactly as `bootstrap_replicates` draws paired rows, but each is kept as
# row counts and solved in batches: the 1,000 replicates of a page cost one matrix product and
# one batched eigendecomposition per block instead of 1,000 small ones.
_BLOCK_CELLS = 2_000_000  # resamples × rows per block: bounds the memory of the counts


def _bootstrap_statistics(
    table: npt.NDArray[np.float64], *, n_resamples: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """`_statistics` on each resample (rows), undefined resamples dropped."""
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be positive, got {n_resamples}")
    rows = table.shape[0]
    block = max(1, _BLOCK_CELLS // rows)
    parts = []
    for start in range(0, n_resamples, block):
        size = min(block, n_resamples - start)
        idx = rng.integers(0, rows, (size, rows))
        offsets = (idx + rows * np.arange(size)[:, None]).ravel()
        counts = np.bincount(offsets, minlength=size * rows).reshape(size, rows)
        parts.append(_statistics(table, counts.astype(float)))
    return defined_replicates(np.vstack(parts))


def _jackknife_statistics(table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """`_statistics` with each case left out in turn (for the BCa acceleration)."""
    rows = table.shape[0]
    block = max(1, _BLOCK_CELLS // rows)
    parts = []
    for start in range(0, rows, block):
        size = min(block, rows - start)
        counts = np.ones((size, rows))
        counts[np.arange(size), start + np.arange(size)] = 0
        parts.append(_statistics(table, counts))
    return np.vstack(parts)


def _moments(
    table: npt.NDArray[np.float64], counts: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Correlation matrices of the table with rows repeated `counts` times (one per row of
    counts; NaN where a column is constant)."""
    total = counts.sum(axis=1)[:, None]
    centred = table - table.mean(axis=0)  # shifting first keeps the products well scaled
    k = table.shape[1]
    means = counts @ centred / total
    products = (centred[:, :, None] * centred[:, None, :]).reshape(table.shape[0], k * k)
    second = (counts @ products / total).reshape(-1, k, k)
    cov = second - means[:, :, None] * means[:, None, :]
    sd = np.sqrt(np.clip(np.einsum("bii->bi", cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr: npt.NDArray[np.float64] = cov / (sd[:, :, None] * sd[:, None, :])
    return corr


def _weights(corr: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Raw relative weights from a batch of (predictors, outcome) correlation matrices; a row
    of NaN where the matrix is degenerate (a constant or collinear predictor)."""
    rxx, rxy = corr[:, :-1, :-1], corr[:, :-1, -1]
    result = np.full(rxy.shape, math.nan)
    ok = np.isfinite(corr).all(axis=(1, 2))
    if not ok.any():
        return result
    eigenvalues, vectors = np.linalg.eigh(rxx[ok])
    fine = eigenvalues.min(axis=1) > 1e-12 * eigenvalues.max(axis=1)
    eigenvalues, vectors = eigenvalues[fine], vectors[fine]
    # Λ = R_xx^(1/2): correlations between the predictors and their orthogonal counterparts.
    loadings = vectors @ (np.sqrt(eigenvalues)[:, :, None] * np.swapaxes(vectors, 1, 2))
    beta = np.linalg.solve(loadings, rxy[ok][fine][:, :, None])[:, :, 0]
    rows = np.flatnonzero(ok)[fine]
    result[rows] = np.einsum("bij,bj->bi", loadings**2, beta**2)
    return result
