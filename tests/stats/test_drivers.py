from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from rapport.stats.drivers import pearson, relative_weights


def r_squared(x: np.ndarray, y: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(y)), x])
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return float(1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum())


@pytest.mark.reference
def test_relative_weights_match_r_rwa_on_mtcars(
    stats_reference: Path, reference_json: Callable[[str], Any]
) -> None:
    ref = reference_json("drivers/relative_weights.json")
    with (stats_reference / "drivers" / ref["data"]).open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = ref["predictors"]
    x = np.array([[float(r[p]) for p in names] for r in rows])
    y = np.array([float(r[ref["outcome"]]) for r in rows])
    result = relative_weights(predictors=x, outcome=y, names=names, n_resamples=200)
    tol = ref["tolerance_abs"]
    assert result.r_squared == pytest.approx(ref["expected"]["r_squared"], abs=tol)
    for driver in result.drivers:
        assert driver.raw_weight.value == pytest.approx(
            ref["expected"]["raw_weights"][driver.name], abs=tol
        )
    assert result.n == 32


def make_data(seed: int = 4, n: int = 150) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 1))
    x = base + rng.normal(scale=[0.5, 0.8, 1.5], size=(n, 3))  # correlated aspects
    y = 2 * x[:, 0] + x[:, 1] + rng.normal(scale=2, size=n)
    return x, y


def test_weights_rescale_to_100_percent_with_bootstrap_intervals() -> None:
    x, y = make_data()
    result = relative_weights(
        predictors=x, outcome=y, names=["speed", "accuracy", "tone"], n_resamples=300
    )
    assert sum(d.percent_of_r_squared.value for d in result.drivers) == pytest.approx(100)
    assert sum(d.raw_weight.value for d in result.drivers) == pytest.approx(result.r_squared)
    assert result.r_squared == pytest.approx(r_squared(x, y))
    speed, accuracy, tone = result.drivers
    assert speed.raw_weight.value > accuracy.raw_weight.value > tone.raw_weight.value
    for d in result.drivers:
        for est in (d.raw_weight, d.percent_of_r_squared, d.correlation):
            assert est.low <= est.value <= est.high
            assert est.n == 150


def test_bootstrap_is_seeded() -> None:
    x, y = make_data()
    names = ["a", "b", "c"]
    first = relative_weights(predictors=x, outcome=y, names=names, n_resamples=100, seed=5)
    again = relative_weights(predictors=x, outcome=y, names=names, n_resamples=100, seed=5)
    assert first == again


def test_pearson_interval_matches_scipy_fisher_z() -> None:
    x, y = make_data(n=40)
    est = pearson(x[:, 2], y, confidence=0.9)
    ref = stats.pearsonr(x[:, 2], y)
    ci = ref.confidence_interval(0.9)
    assert est.value == pytest.approx(ref.statistic)
    assert (est.low, est.high) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_perfect_correlation_has_a_degenerate_interval() -> None:
    est = pearson([1.0, 2, 3, 4, 5], [2.0, 4, 6, 8, 10])
    assert (est.value, est.low, est.high) == pytest.approx((1.0, 1.0, 1.0), abs=1e-9)
    exact = pearson([1.0, 2, 3, 4, 5], [-1.0, -2, -3, -4, -5])
    assert exact.low <= exact.value <= exact.high


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ([1.0, 2, 3], [1.0, 2, 4], "at least 4"),
        ([1.0, 2, 3, 4], [1.0, 2, 4], "same length"),
        ([1.0, 2, 3, float("nan")], [1.0, 2, 4, 5], "NaN"),
        ([1.0, 1, 1, 1], [1.0, 2, 4, 5], "constant"),
    ],
)
def test_pearson_rejects_bad_input(x: list[float], y: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pearson(x, y)


def test_relative_weights_reject_collinear_and_mismatched_input() -> None:
    x, y = make_data()
    collinear = np.column_stack([x[:, 0], 2 * x[:, 0], x[:, 1]])
    with pytest.raises(ValueError, match="collinear"):
        relative_weights(predictors=collinear, outcome=y, names=["a", "b", "c"])
    with pytest.raises(ValueError, match="one column per name"):
        relative_weights(predictors=x, outcome=y, names=["a", "b"])
    with pytest.raises(ValueError, match="same number of rows"):
        relative_weights(predictors=x, outcome=y[:-1], names=["a", "b", "c"])
    with pytest.raises(ValueError, match="more cases"):
        relative_weights(predictors=x[:4], outcome=y[:4], names=["a", "b", "c"])
    with pytest.raises(ValueError, match="NaN"):
        relative_weights(predictors=x, outcome=np.r_[y[:-1], np.nan], names=["a", "b", "c"])


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(min_value=8, max_value=40), st.integers(min_value=1, max_value=4)),
        elements=st.integers(min_value=-10, max_value=10),  # rating-like scores
    ),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_raw_weights_sum_to_r_squared(x: np.ndarray, seed: int) -> None:
    y = x.sum(axis=1) + np.random.default_rng(seed).normal(scale=50, size=x.shape[0])
    names = [f"x{j}" for j in range(x.shape[1])]
    try:
        result = relative_weights(predictors=x, outcome=y, names=names, n_resamples=20)
    except ValueError:
        return  # constant or collinear columns: nothing to apportion
    assert sum(d.raw_weight.value for d in result.drivers) == pytest.approx(result.r_squared)
    assert result.r_squared == pytest.approx(r_squared(x, y), abs=1e-7)


def _one_resample(table: np.ndarray) -> np.ndarray:
    """Johnson's weights and shares of one table, computed the plain way (np.corrcoef, one
    eigendecomposition): what each batched replicate must equal."""
    corr = np.corrcoef(table, rowvar=False)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    values, vectors = np.linalg.eigh(rxx)
    loadings = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    weights = (loadings**2) @ (np.linalg.solve(loadings, rxy) ** 2)
    return np.concatenate([weights, 100 * weights / weights.sum()])


@pytest.mark.parametrize(("rows", "columns"), [(30, 2), (400, 4)])
def test_batched_bootstrap_equals_one_resample_at_a_time(
    rows: int, columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rapport.stats import drivers
    from rapport.stats.intervals import bootstrap_replicates

    rng = np.random.default_rng(rows)
    x = rng.normal(size=(rows, columns))
    x[:, 1] += 0.6 * x[:, 0]
    table = np.column_stack([x, x.sum(axis=1) + rng.normal(size=rows)])
    expected = bootstrap_replicates(_one_resample, table, n_resamples=300, paired=True, seed=4)
    batched = drivers._bootstrap_weights_and_shares(table, n_resamples=300, seed=4)
    np.testing.assert_allclose(batched, expected, rtol=1e-9, atol=1e-12)
    monkeypatch.setattr(drivers, "_BLOCK_CELLS", rows * 7)  # blocks of 7 draw the same stream
    blocks = drivers._bootstrap_weights_and_shares(table, n_resamples=300, seed=4)
    np.testing.assert_allclose(blocks, expected, rtol=1e-9, atol=1e-12)
