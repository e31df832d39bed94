"""Inter-rater agreement: Cohen's κ, Fleiss' κ, Krippendorff's α and ICC(2,1).

Used for QA calibration: how far evaluators agree when they score the same interactions.
Every function takes a table with one row per rated unit (subject, interaction) and one column
per rater; Cohen's κ takes the raters' cross-table, which `crosstab` builds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as _st

from rapport.stats.intervals import Estimate, _z, bootstrap

Weights = Literal["none", "linear", "quadratic"]
Level = Literal["nominal", "ordinal", "interval", "ratio"]
# Ratings may be labels as well as numbers, with None (or NaN) for a missing rating.
Labels = npt.ArrayLike | Sequence[Any]
RatingTable = npt.ArrayLike | Sequence[Sequence[Any]]


@dataclass(frozen=True, slots=True)
class Kappa:
    """Cohen's κ as SAS PROC FREQ reports it.

    The interval uses the asymptotic standard error `ase`; the test of κ = 0 uses `ase_null`,
    the standard error under no agreement beyond chance (z = κ / ase_null, two-sided p).
    """

    estimate: Estimate
    ase: float
    ase_null: float
    z: float
    p_value: float


@dataclass(frozen=True, slots=True)
class FleissKappa:
    """Fleiss' κ with the test of κ = 0 (Fleiss, Nee & Landis 1979), as R irr reports it."""

    value: float
    se_null: float
    z: float
    p_value: float
    n_subjects: int
    n_raters: int


def crosstab(
    *, rater_a: Labels, rater_b: Labels, categories: Labels | None = None
) -> npt.NDArray[np.int_]:
    """Square table of counts: rows = rater A's category, columns = rater B's, in the order of
    `categories`. Numbers may leave it out (their numeric order is used); labels may not, since
    weighted κ reads the table's order as the scale and no order can be guessed from text."""
    a, b = np.asarray(rater_a), np.asarray(rater_b)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError("the two raters' ratings must be non-empty lists of the same length")
    present = [v for v in (*a.tolist(), *b.tolist()) if v is not None]  # missing: see below
    if categories is None and not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in present
    ):
        raise ValueError(
            "the ratings are labels, not numbers: pass categories in scale order, lowest first "
            "(e.g. ['low', 'medium', 'high']); weighted κ depends on that order, and sorting "
            "the labels alphabetically would put 'high' before 'low'"
        )
    codes, levels = _codes(np.stack([a, b], axis=1), categories)
    if (codes < 0).any():
        raise ValueError("Cohen's κ needs both raters to rate every unit; use Krippendorff's α")
    table = np.zeros((levels.size, levels.size), dtype=int)
    np.add.at(table, (codes[:, 0], codes[:, 1]), 1)
    return table


def cohen_kappa(
    table: npt.ArrayLike, *, weights: Weights = "none", confidence: float = 0.95
) -> Kappa:
    """Cohen's κ (unweighted) or weighted κ from a square table of counts.

    Linear weights are Cicchetti–Allison, 1 - |i - j|/(k - 1); quadratic are Fleiss–Cohen,
    1 - (i - j)²/(k - 1)², on equally spaced category positions, as SAS does. Standard errors
    follow Fleiss, Cohen & Everitt (1969); unweighted κ is the case of identity weights.
    """
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] < 2:
        raise ValueError("the table must be square with at least two categories")
    k = counts.shape[0]
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise ValueError("the table must hold non-negative counts")
    n = counts.sum()
    if n == 0:
        raise ValueError("the table is empty")
    w = _kappa_weights(k, weights)
    p = counts / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    observed = float((w * p).sum())
    expected = float(rows @ w @ cols)
    if expected >= 1:
        raise ValueError("κ is undefined when both raters put every unit in one category")
    kappa = (observed - expected) / (1 - expected)
    w_row, w_col = w @ cols, rows @ w  # mean weight of each row / column category
    spread = w - (w_row[:, None] + w_col[None, :]) * (1 - kappa)
    var = (p * spread**2).sum() - (kappa - expected * (1 - kappa)) ** 2
    var_null = (np.outer(rows, cols) * (w - w_row[:, None] - w_col[None, :]) ** 2).sum()
    scale = (1 - expected) * math.sqrt(n)
    ase = math.sqrt(max(var, 0.0)) / scale
    ase_null = math.sqrt(max(var_null - expected**2, 0.0)) / scale
    half = _z(confidence) * ase
    z = kappa / ase_null
    return Kappa(
        estimate=Estimate(kappa, kappa - half, kappa + half, int(n), confidence),
        ase=ase,
        ase_null=ase_null,
        z=z,
        p_value=float(2 * _st.norm.sf(abs(z))),
    )


def fleiss_kappa(ratings: RatingTable) -> FleissKappa:
    """Fleiss' κ for units × raters ratings, every unit rated by the same number of raters."""
    codes, levels = _codes(ratings)
    if (codes < 0).any():
        raise ValueError("Fleiss' κ needs every unit fully rated; use Krippendorff's α")
    units, raters = codes.shape
    if raters < 2:
        raise ValueError("Fleiss' κ needs at least two raters")
    counts = _unit_counts(codes, levels.size)
    p = counts.sum(axis=0) / (units * raters)
    pq = p * (1 - p)
    if pq.sum() == 0:
        raise ValueError("κ is undefined when every rating is the same category")
    agreement = ((counts**2).sum(axis=1) - raters) / (raters * (raters - 1))
    expected = float((p**2).sum())
    value = (float(agreement.mean()) - expected) / (1 - expected)
    var = 2 / (pq.sum() ** 2 * units * raters * (raters - 1))
    se = math.sqrt(var * (pq.sum() ** 2 - (pq * (1 - 2 * p)).sum()))
    z = value / se
    return FleissKappa(value, se, z, float(2 * _st.norm.sf(abs(z))), units, raters)


def krippendorff_alpha(ratings: RatingTable, *, level: Level = "nominal") -> float:
    """Krippendorff's α for units × raters; None or NaN marks a missing rating.

    Units with fewer than two ratings carry no information about agreement and are left out,
    as Krippendorff (2011) prescribes. Ordinal, interval and ratio levels need numbers.
    """
    counts, values = _alpha_inputs(ratings, level)
    return _defined(_alpha(counts, values, level))


def krippendorff_alpha_interval(
    ratings: RatingTable,
    *,
    level: Level = "nominal",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | np.random.Generator = 0,
) -> Estimate:
    """α with a percentile bootstrap interval over units (n = units with two or more ratings).

    Resampling whole units keeps each unit's ratings together, which is the dependence that
    matters; it is simpler than Krippendorff's own bootstrap and agrees with it closely for
    the tens of units a calibration session has.
    """
    counts, values = _alpha_inputs(ratings, level)
    _defined(_alpha(counts, values, level))
    return bootstrap(
        lambda c: _alpha(c, values, level),
        counts,
        n_resamples=n_resamples,
        confidence=confidence,
        seed=seed,
    )


def icc_2_1(ratings: npt.ArrayLike, *, confidence: float = 0.95) -> Estimate:
    """ICC(2,1): two-way random effects, absolute agreement, single rater (Shrout & Fleiss 1979).

    The reliability of one rater's score when raters are a sample of all possible raters;
    the interval is Shrout & Fleiss's F-based one with Satterthwaite degrees of freedom.
    """
    x = np.asarray(ratings, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError("ICC needs a table of at least two units by two raters")
    if not np.isfinite(x).all():
        raise ValueError("ICC needs every unit rated by every rater (no missing values)")
    n, k = x.shape
    grand = x.mean()
    bms = k * ((x.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    jms = n * ((x.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    resid = x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + grand
    ems = (resid**2).sum() / ((n - 1) * (k - 1))
    if ems == 0 or bms == 0:
        raise ValueError("ICC is undefined when the units or the residuals show no variation")
    icc = (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)
    f_j = jms / ems
    a = n * (1 + (k - 1) * icc) - k * icc
    df = (k - 1) * (n - 1) * (k * icc * f_j + a) ** 2 / ((n - 1) * (k * icc * f_j) ** 2 + a**2)
    q = 0.5 + confidence / 2
    f_upper, f_lower = _st.f.ppf(q, n - 1, df), _st.f.ppf(q, df, n - 1)
    c = k * jms + (k * n - k - n) * ems
    low = n * (bms - f_upper * ems) / (f_upper * c + n * bms)
    high = n * (f_lower * bms - ems) / (c + n * f_lower * bms)
    return Estimate(float(icc), float(low), float(high), n, confidence)


def _kappa_weights(k: int, weights: Weights) -> npt.NDArray[np.float64]:
    distance = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / (k - 1)
    if weights == "none":
        return np.eye(k)
    if weights == "linear":
        return 1 - distance
    if weights == "quadratic":
        return 1 - distance**2
    raise ValueError(f"weights must be 'none', 'linear' or 'quadratic', got {weights!r}")


def _codes(
    ratings: RatingTable, categories: Labels | None = None
) -> tuple[npt.NDArray[np.int_], npt.NDArray[Any]]:
    """Ratings as category positions (-1 = missing) and the categories, for a 2-D table."""
    table = np.asarray(ratings, dtype=object)
    if table.ndim != 2 or table.size == 0:
        raise ValueError(
            "ratings must be a non-empty table: one row per unit, one column per rater"
        )
    missing = np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in table.flat])
    missing = missing.reshape(table.shape)
    present = table[~missing]
    if present.size == 0:
        raise ValueError("there are no ratings")
    try:
        levels = np.unique(present) if categories is None else np.asarray(categories, dtype=object)
    except TypeError:
        raise ValueError("ratings must be all numbers or all labels, not a mixture") from None
    codes = np.full(table.shape, -1)
    lookup = {level: i for i, level in enumerate(levels.tolist())}
    try:
        codes[~missing] = [lookup[v] for v in present.tolist()]
    except KeyError as unknown:
        raise ValueError(f"rating {unknown.args[0]!r} is not one of the categories") from None
    return codes, levels


def _unit_counts(codes: npt.NDArray[np.int_], n_levels: int) -> npt.NDArray[np.float64]:
    """How many raters put each unit (row) in each category (column); missing are skipped."""
    counts = np.zeros((codes.shape[0], n_levels))
    rows, cols = np.nonzero(codes >= 0)
    np.add.at(counts, (rows, codes[rows, cols]), 1)
    return counts


def _alpha_inputs(
    ratings: RatingTable, level: Level
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"level must be nominal, ordinal, interval or ratio, got {level!r}")
    codes, levels = _codes(ratings)
    counts = _unit_counts(codes, levels.size)
    counts = counts[counts.sum(axis=1) >= 2]
    if counts.shape[0] == 0:
        raise ValueError("α needs at least one unit rated by two or more raters")
    if level == "nominal":
        return counts, np.arange(levels.size, dtype=float)
    try:
        values = levels.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{level} α needs numeric ratings") from None
    if level == "ratio" and (values < 0).any():
        raise ValueError("ratio α needs non-negative ratings")
    return counts, values


def _alpha(counts: npt.NDArray[np.float64], values: npt.NDArray[np.float64], level: Level) -> float:
    """α from a units × values count table via the coincidence matrix (Krippendorff 2011)."""
    pairable = counts.sum(axis=1)
    weight = 1 / (pairable - 1)
    coincidence = counts.T @ (counts * weight[:, None]) - np.diag(weight @ counts)
    totals = coincidence.sum(axis=0)
    n = totals.sum()
    delta = _distance(values, totals, level)
    expected = float(totals @ delta @ totals) / (n - 1)
    if expected == 0:
        return math.nan
    return 1 - float((coincidence * delta).sum()) / expected


def _defined(alpha: float) -> float:
    if math.isnan(alpha):
        raise ValueError("α is undefined when every rating has the same value")
    return alpha


def _distance(
    values: npt.NDArray[np.float64], totals: npt.NDArray[np.float64], level: Level
) -> npt.NDArray[np.float64]:
    """Squared difference δ² between every pair of values at the given level."""
    c, k = values[:, None], values[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(((c - k) / (c + k)) ** 2)  # 0/0 only when both are 0
    # Ordinal: the count of values between c and k inclusive, less half the two end counts.
    cum = np.cumsum(totals)
    rank = np.arange(values.size)
    lo, hi = np.minimum.outer(rank, rank), np.maximum.outer(rank, rank)
    between = cum[hi] - cum[lo] + totals[lo]
    return (between - (totals[:, None] + totals[None, :]) / 2) ** 2
