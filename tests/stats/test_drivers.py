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
        st.tuples(st.integers(min_value=20, max_value=40), st.integers(min_value=1, max_value=4)),
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
    """Weights, shares and weights minus the benchmark's for one table (predictors, benchmark,
    outcome), computed the plain way (np.corrcoef, one eigendecomposition per model): what
    each batched replicate must equal."""

    def weights(corr: np.ndarray) -> np.ndarray:
        rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
        values, vectors = np.linalg.eigh(rxx)
        loadings = vectors @ np.diag(np.sqrt(values)) @ vectors.T
        return (loadings**2) @ (np.linalg.solve(loadings, rxy) ** 2)

    p = table.shape[1] - 2
    plain = weights(np.corrcoef(np.delete(table, p, axis=1), rowvar=False))
    with_benchmark = weights(np.corrcoef(table, rowvar=False))
    return np.concatenate(
        [plain, 100 * plain / plain.sum(), with_benchmark[:p] - with_benchmark[p]]
    )


@pytest.mark.parametrize(("rows", "columns"), [(30, 2), (400, 4)])
def test_batched_bootstrap_equals_one_resample_at_a_time(
    rows: int, columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rapport.stats import drivers
    from rapport.stats.intervals import bootstrap_replicates

    rng = np.random.default_rng(rows)
    x = rng.normal(size=(rows, columns + 1))  # the last column plays the benchmark
    x[:, 1] += 0.6 * x[:, 0]
    table = np.column_stack([x, x[:, :-1].sum(axis=1) + rng.normal(size=rows)])
    expected = bootstrap_replicates(_one_resample, table, n_resamples=300, paired=True, seed=4)
    batched = drivers._bootstrap_statistics(table, n_resamples=300, rng=np.random.default_rng(4))
    np.testing.assert_allclose(batched, expected, rtol=1e-9, atol=1e-12)
    monkeypatch.setattr(drivers, "_BLOCK_CELLS", rows * 7)  # blocks of 7 draw the same stream
    blocks = drivers._bootstrap_statistics(table, n_resamples=300, rng=np.random.default_rng(4))
    np.testing.assert_allclose(blocks, expected, rtol=1e-9, atol=1e-12)
    jackknife = drivers._jackknife_statistics(table)
    np.testing.assert_allclose(
        jackknife,
        [_one_resample(np.delete(table, i, axis=0)) for i in range(rows)],
        rtol=1e-9,
        atol=1e-12,
    )


@pytest.mark.parametrize("seed", range(10))
def test_pure_noise_is_not_a_significant_driver_and_a_real_one_is(seed: int) -> None:
    # Issue 9, item 20: a weight's own interval never includes 0, so noise looked like a
    # small driver; against the random benchmark it is not significant.
    rng = np.random.default_rng(100 + seed)
    real, noise = rng.normal(size=(2, 100))
    y = 0.8 * real + rng.normal(size=100)
    result = relative_weights(
        predictors=np.column_stack([real, noise]), outcome=y, names=["real", "noise"], seed=seed
    )
    driver, pure_noise = result.drivers
    assert pure_noise.raw_weight.low > 0  # the weight alone would look like a driver
    assert not pure_noise.significant
    assert pure_noise.versus_random.low <= 0 <= pure_noise.versus_random.high
    assert driver.significant


def test_relative_weights_need_enough_cases_for_their_intervals() -> None:
    x, y = make_data(n=19)
    with pytest.raises(ValueError, match="at least 20 cases"):
        relative_weights(predictors=x, outcome=y, names=["a", "b", "c"])
