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

from rapport.stats.intervals import Estimate, _z, defined_replicates, percentile_interval


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
    weights = _weights(_moments(table, np.ones((1, table.shape[0]))))[0]
    if not np.isfinite(weights).all():
        raise ValueError("a predictor is constant or the predictors are perfectly collinear")
    r_squared = float(weights.sum())
    replicates = _bootstrap_weights_and_shares(table, n_resamples=n_resamples, seed=seed)
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


# Resamples are drawn exactly as `bootstrap_replicates` draws paired rows, but each is kept as
# row counts and solved in batches: the 1,000 replicates of a page cost one matrix product and
# one batched eigendecomposition per block instead of 1,000 small ones.
_BLOCK_CELLS = 2_000_000  # resamples × rows per block: bounds the memory of the counts


def _bootstrap_weights_and_shares(
    table: npt.NDArray[np.float64], *, n_resamples: int, seed: int | np.random.Generator
) -> npt.NDArray[np.float64]:
    """Raw weights and % of R² on each resample (rows), undefined resamples dropped."""
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be positive, got {n_resamples}")
    rng = np.random.default_rng(seed)
    rows = table.shape[0]
    block = max(1, _BLOCK_CELLS // rows)
    parts = []
    for start in range(0, n_resamples, block):
        size = min(block, n_resamples - start)
        idx = rng.integers(0, rows, (size, rows))
        offsets = (idx + rows * np.arange(size)[:, None]).ravel()
        counts = np.bincount(offsets, minlength=size * rows).reshape(size, rows)
        weights = _weights(_moments(table, counts.astype(float)))
        with np.errstate(invalid="ignore", divide="ignore"):  # R² = 0: undefined
            shares = 100 * weights / weights.sum(axis=1, keepdims=True)
        parts.append(np.hstack([weights, shares]))
    return defined_replicates(np.vstack(parts))


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
