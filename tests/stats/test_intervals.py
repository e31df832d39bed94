from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, stats

from rapport.stats import intervals
from rapport.stats.intervals import (
    NPS_CONTINUITY,
    Estimate,
    agresti_coull,
    bca_interval,
    bootstrap,
    bootstrap_replicates,
    difference,
    mean_t,
    nps,
    wilson,
)


@pytest.mark.reference
def test_wilson_matches_newcombe_1998(reference_json: Callable[[str], Any]) -> None:
    ref = reference_json("proportions/wilson_newcombe1998.json")
    tol = ref["tolerance_abs"]
    for case in ref["cases"]:
        est = wilson(case["k"], case["n"])
        assert est.low == pytest.approx(case["lower"], abs=tol), case
        assert est.high == pytest.approx(case["upper"], abs=tol), case
        assert est.value == case["k"] / case["n"]
        assert est.n == case["n"]


def test_nps_limits_are_where_the_score_test_just_rejects() -> None:
    # 50 promoters, 30 passives, 20 detractors: NPS = 0.3. At each limit d the constrained
    # maximum-likelihood (p_P, p_D) with p_P - p_D = d, found here by numerical search, gives
    # (|0.3 - d| - 0.1/n)² = z² (p_P + p_D - d²) / n.
    est = nps(50, 30, 20)
    assert est.value == pytest.approx(0.3)
    assert est.n == 100
    assert est.low < 0.3 < est.high
    for d in (est.low, est.high):
        fit = optimize.minimize_scalar(
            lambda q, d=d: (
                -(50 * math.log(q + d) + 30 * math.log(1 - 2 * q - d) + 20 * math.log(q))
            ),
            bounds=(max(0.0, -d) + 1e-12, (1 - d) / 2 - 1e-12),
            method="bounded",
            options={"xatol": 1e-12},
        )
        variance = (2 * fit.x + d - d * d) / 100
        gap = abs(0.3 - d) - NPS_CONTINUITY / 100
        assert gap * gap == pytest.approx(1.959964**2 * variance, rel=1e-6)
    assert est.scaled(100).value == pytest.approx(30.0)


def test_nps_interval_is_clipped_to_the_scale() -> None:
    est = nps(10, 0, 0)
    assert est.high == 1.0
    assert est.low < est.value


def test_mean_t_matches_scipy_on_raw_data() -> None:
    x = np.array([7.0, 9, 10, 6, 8, 9, 10, 5, 8, 7, 9, 10])
    est = mean_t(x.size, float(x.sum()), float((x**2).sum()))
    low, high = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    assert est.value == pytest.approx(x.mean())
    assert (est.low, est.high) == pytest.approx((low, high), abs=1e-12)


def test_mean_t_single_observation_has_unbounded_interval() -> None:
    est = mean_t(1, 8.0, 64.0)
    assert est.value == 8.0
    assert est.low == -math.inf
    assert est.high == math.inf


@pytest.mark.parametrize(
    ("func", "args"),
    [
        (wilson, (1, 0)),
        (wilson, (5, 4)),
        (wilson, (-1, 4)),
        (agresti_coull, (1, 0)),
        (nps, (-1, 2, 3)),
        (nps, (0, 0, 0)),
        (mean_t, (0, 0.0, 0.0)),
    ],
)
def test_bad_counts_are_rejected(func: Callable[..., Estimate], args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match=r"."):
        func(*args)


def test_confidence_must_lie_between_0_and_1() -> None:
    with pytest.raises(ValueError, match="confidence"):
        wilson(1, 10, confidence=95)


def test_bootstrap_is_repeatable_with_a_seed_and_brackets_the_mean() -> None:
    x = np.random.default_rng(1).normal(10, 2, 200)
    first = bootstrap(np.mean, x, n_resamples=500, seed=42)
    again = bootstrap(np.mean, x, n_resamples=500, seed=42)
    other = bootstrap(np.mean, x, n_resamples=500, seed=7)
    assert first == again
    assert first != other
    assert first.low < first.value < first.high
    assert first.n == 200
    # For a mean of 200 normal values the percentile interval is close to the t interval.
    t = mean_t(x.size, float(x.sum()), float((x**2).sum()))
    assert first.low == pytest.approx(t.low, abs=0.1)
    assert first.high == pytest.approx(t.high, abs=0.1)


def test_bootstrap_accepts_a_generator() -> None:
    x = np.arange(20.0)
    a = bootstrap(np.median, x, n_resamples=200, seed=np.random.default_rng(3))
    b = bootstrap(np.median, x, n_resamples=200, seed=3)
    assert a == b


def test_bootstrap_of_two_independent_groups() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 80), rng.normal(1, 1, 60)
    est = bootstrap(lambda u, v: v.mean() - u.mean(), a, b, n_resamples=400)
    assert est.n == 140
    assert est.low > 0  # a true difference of 1 sd is detected


def test_paired_bootstrap_keeps_rows_together() -> None:
    x = np.arange(50.0)
    # Paired resampling keeps x and 2x aligned, so the ratio of means never moves.
    est = bootstrap(lambda u, v: v.mean() / u.mean(), x + 1, 2 * (x + 1), paired=True)
    assert est.low == pytest.approx(2.0)
    assert est.high == pytest.approx(2.0)
    assert est.n == 50


def test_bootstrap_resamples_rows_of_a_table() -> None:
    table = np.column_stack([np.arange(30.0), np.arange(30.0) * 3])
    replicates = bootstrap_replicates(lambda t: t[:, 1].sum() / t[:, 0].sum(), table)
    assert replicates.shape == (2000,)
    assert np.allclose(replicates[np.isfinite(replicates)], 3.0)


def test_bootstrap_drops_undefined_replicates() -> None:
    # Resamples with no 1 make the statistic undefined; they are left out, not averaged in.
    x = np.array([0.0] * 10 + [1.0] * 10)
    replicates = bootstrap_replicates(
        lambda v: 1 / v.sum() if v.sum() else math.nan, x, n_resamples=300
    )
    assert np.isfinite(replicates).all()
    assert 0 < replicates.shape[0] <= 300


def test_bootstrap_fails_when_the_statistic_is_undefined() -> None:
    with pytest.raises(ValueError, match="undefined for these data"):
        bootstrap(lambda v: math.nan, np.arange(25.0), n_resamples=50)
    with pytest.raises(ValueError, match="undefined in 50 of 50"):
        bootstrap_replicates(lambda v: math.nan, np.arange(5.0), n_resamples=50)


def test_bca_agrees_with_scipy() -> None:
    # Independent implementation, different resamples: the limits agree to Monte Carlo error.
    x = np.random.default_rng(5).exponential(1.0, 30)
    ours = bootstrap(np.mean, x, n_resamples=20_000, seed=1)
    theirs = stats.bootstrap((x,), np.mean, method="BCa", n_resamples=20_000, random_state=1)
    width = ours.high - ours.low
    assert ours.low == pytest.approx(theirs.confidence_interval.low, abs=0.02 * width)
    assert ours.high == pytest.approx(theirs.confidence_interval.high, abs=0.02 * width)
    # The mean of skewed data: BCa moves both limits up from the percentile ones.
    replicates = bootstrap_replicates(np.mean, x, n_resamples=20_000, seed=1)
    low, high = np.percentile(replicates, [2.5, 97.5])
    assert ours.low > low
    assert ours.high > high


def test_bca_without_bias_or_skew_is_the_percentile_interval() -> None:
    replicates = np.column_stack([np.arange(-50.0, 51.0), np.arange(-100.0, 101.0, 2)])
    jackknife = np.array([[-1.0, -2.0], [0.0, 0.0], [1.0, 2.0]])
    low, high = bca_interval(replicates, estimate=[0.0, 0.0], jackknife=jackknife, confidence=0.9)
    assert low.tolist() == pytest.approx([-45.0, -90.0])
    assert high.tolist() == pytest.approx([45.0, 90.0])


def test_bca_jackknife_counts_stand_for_repeated_rows() -> None:
    replicates = np.random.default_rng(2).gamma(2.0, size=(500, 1))
    jackknife = np.array([[0.5], [1.0], [4.0]])
    counted = bca_interval(
        replicates, estimate=[2.0], jackknife=jackknife, jackknife_counts=[3, 1, 2]
    )
    repeated = bca_interval(
        replicates, estimate=[2.0], jackknife=np.repeat(jackknife, [3, 1, 2], axis=0)
    )
    np.testing.assert_allclose(counted, repeated)


@pytest.mark.parametrize(
    ("samples", "kwargs", "message"),
    [
        ((), {}, "at least one sample"),
        (([],), {}, "non-empty"),
        (([1.0, math.nan],), {}, "NaN"),
        (([1.0, 2.0], [1.0]), {"paired": True}, "same number of rows"),
        (([1.0] * 25,), {"n_resamples": 0}, "n_resamples"),
        (([1.0] * 19,), {}, "at least 20 observations"),
    ],
)
def test_bootstrap_rejects_bad_input(
    samples: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        bootstrap(lambda *a: 0.0, *samples, **kwargs)


counts = st.integers(min_value=0, max_value=10_000)


@given(k=counts, extra=counts)
def test_proportion_intervals_contain_the_estimate(k: int, extra: int) -> None:
    n = k + extra
    if n == 0:
        return
    for est in (wilson(k, n), agresti_coull(k, n)):
        assert 0.0 <= est.low <= est.value
        assert est.value <= est.high <= 1.0


@pytest.mark.parametrize(("k", "n", "limit"), [(0, 3, "low"), (137, 137, "high")])
def test_wilson_limit_at_the_edge_is_exact(k: int, n: int, limit: str) -> None:
    est = wilson(k, n)
    assert getattr(est, limit) == est.value


@given(promoters=counts, passives=counts, detractors=counts)
def test_nps_interval_contains_the_estimate(promoters: int, passives: int, detractors: int) -> None:
    if promoters + passives + detractors == 0:
        return
    est = nps(promoters, passives, detractors)
    assert -1.0 <= est.low <= est.value <= est.high <= 1.0


@given(st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=2, max_size=50))
def test_mean_interval_contains_the_mean(values: list[float]) -> None:
    x = np.array(values)
    est = mean_t(x.size, float(x.sum()), float((x**2).sum()))
    assert est.low <= est.value <= est.high


def test_difference_combines_each_sides_distance_to_its_limits() -> None:
    # MOVER by hand: 0.6 [0.4, 0.7] minus 0.2 [0.1, 0.5]:
    # low = 0.4 - √(0.2² + 0.3²), high = 0.4 + √(0.1² + 0.1²).
    change = difference(Estimate(0.6, 0.4, 0.7, 10), Estimate(0.2, 0.1, 0.5, 20))
    assert change.value == pytest.approx(0.4)
    assert change.low == pytest.approx(0.4 - math.sqrt(0.13))
    assert change.high == pytest.approx(0.4 + math.sqrt(0.02))
    assert change.n == 30
    with pytest.raises(ValueError, match="same confidence"):
        difference(Estimate(0.6, 0.4, 0.7, 10), Estimate(0.2, 0.1, 0.5, 20, 0.9))


def test_primed_nps_limits_are_the_limits_found_one_at_a_time():
    """A page primes its NPS intervals in one vectorised search; nps() must then give exactly
    what it finds alone."""
    rng = np.random.default_rng(5)
    counts = [tuple(int(c) for c in rng.integers(0, 40, 3)) for _ in range(60)]
    counts += [(5, 0, 0), (0, 0, 5), (0, 5, 0), (1, 0, 0)]
    intervals._NPS_LIMITS.clear()
    alone = [intervals.nps(*c) for c in counts if sum(c)]
    intervals._NPS_LIMITS.clear()
    intervals.prime_nps_limits(counts)
    assert len(intervals._NPS_LIMITS) == len({c for c in counts if sum(c)})
    primed = [intervals.nps(*c) for c in counts if sum(c)]
    assert [e.low for e in primed] == pytest.approx([e.low for e in alone], abs=1e-12)
    assert [e.high for e in primed] == pytest.approx([e.high for e in alone], abs=1e-12)
