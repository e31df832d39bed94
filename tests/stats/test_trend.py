from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from rapport.stats.intervals import Estimate, mean_t, nps, wilson
from rapport.stats.trend import compare, linear_trend, mann_kendall


def test_mann_kendall_by_hand_without_ties() -> None:
    # 28 pairs, 3 of them decreasing: S = 25 - 3 = 22; Var(S) = 8·7·21/18 = 65.33;
    # z = (22 - 1)/√65.33 = 2.598; p = 0.00937.
    result = mann_kendall([1.0, 3, 2, 5, 4, 6, 8, 7])
    assert result.s == 22
    assert result.var_s == pytest.approx(8 * 7 * 21 / 18)
    assert result.z == pytest.approx(21 / math.sqrt(8 * 7 * 21 / 18))
    assert result.p_value == pytest.approx(0.00937, abs=5e-5)
    assert result.tau == pytest.approx(22 / 28)
    assert result.verdict == "significant increase"


def test_mann_kendall_variance_is_corrected_for_ties() -> None:
    # Ties: one pair (2, 2) and one triple (3, 3, 3): Σ t(t-1)(2t+5) = 18 + 66 = 84.
    result = mann_kendall([1.0, 2, 2, 3, 3, 3, 4, 5])
    assert result.s == 28 - 1 - 3
    assert result.var_s == pytest.approx((8 * 7 * 21 - 84) / 18)


def test_mann_kendall_agrees_with_scipy_kendall_tau_and_theil_sen() -> None:
    rng = np.random.default_rng(8)
    t = np.arange(30.0)
    x = 0.1 * t + rng.normal(size=30)
    result = mann_kendall(x)
    assert result.tau == pytest.approx(stats.kendalltau(t, x).statistic)
    theil = stats.theilslopes(x, t)
    assert result.sen_slope is not None
    assert result.sen_slope.value == pytest.approx(theil.slope)
    # scipy puts each bound one rank further in and rounds the ranks; we follow Gilbert (1987)
    # and interpolate, so the two agree to about one neighbouring slope.
    assert result.sen_slope.low == pytest.approx(theil.low_slope, abs=0.005)
    assert result.sen_slope.high == pytest.approx(theil.high_slope, abs=0.005)


def test_mann_kendall_sorts_by_time_and_scales_the_slope() -> None:
    in_order = mann_kendall([1.0, 3, 2, 5, 4, 6, 8, 7], times=np.arange(8) * 7.0)
    shuffled = mann_kendall([7.0, 1, 5, 3, 2, 4, 6, 8], times=[49.0, 0, 21, 7, 14, 28, 35, 42])
    assert in_order == shuffled
    assert in_order.sen_slope is not None
    assert in_order.sen_slope.value == pytest.approx(1 / 7)


def test_no_trend_in_noise() -> None:
    x = np.random.default_rng(3).normal(size=24)
    assert mann_kendall(x).verdict == "no significant change"
    assert linear_trend(x).verdict == "no significant change"


def test_below_min_n_no_change_is_ever_called() -> None:
    steep = [1.0, 10, 100, 1000, 10000]
    for result in (mann_kendall(steep), linear_trend(steep)):
        assert result.verdict == "insufficient data"
        assert result.n == 5
        assert result.p_value is None
    assert mann_kendall(steep, min_n=5).verdict == "significant increase"


def test_linear_trend_matches_scipy_linregress() -> None:
    rng = np.random.default_rng(12)
    t = np.sort(rng.uniform(0, 20, 25))
    x = 3 - 0.2 * t + rng.normal(size=25)
    result = linear_trend(x, times=t, confidence=0.9)
    ref = stats.linregress(t, x)
    half = stats.t.ppf(0.95, 23) * ref.stderr
    assert result.slope is not None
    assert result.slope.value == pytest.approx(ref.slope)
    assert (result.slope.low, result.slope.high) == pytest.approx(
        (ref.slope - half, ref.slope + half)
    )
    assert result.intercept == pytest.approx(ref.intercept)
    assert result.p_value == pytest.approx(ref.pvalue)
    assert result.verdict == "significant decrease"


def test_a_perfect_line_is_a_certain_trend() -> None:
    result = linear_trend([2.0 * i for i in range(10)])
    assert result.p_value == 0.0
    assert result.verdict == "significant increase"
    assert linear_trend([5.0] * 10).verdict == "no significant change"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": []}, "non-empty"),
        ({"values": [1.0, math.nan, 2.0]}, "NaN"),
        ({"values": [1.0, 2.0], "times": [1.0]}, "one value per point"),
        ({"values": [1.0, 2.0, 3.0], "times": [1.0, 1.0, 1.0], "min_n": 3}, "all be equal"),
        ({"values": [1.0, 2.0, 3.0], "min_n": 2}, "min_n"),
    ],
)
def test_trend_rejects_bad_input(kwargs: dict[str, Any], message: str) -> None:
    for func in (mann_kendall, linear_trend):
        with pytest.raises(ValueError, match=message):
            func(**kwargs)


# Newcombe, R.G. (1998) 'Interval estimation for the difference between independent
# proportions: comparison of eleven methods', Statistics in Medicine 17, Table II, method 10.
NEWCOMBE_TABLE_II = [
    ((56, 70), (48, 80), 0.0524, 0.3339),
    ((9, 10), (3, 10), 0.1705, 0.8090),
    ((6, 7), (2, 7), 0.0582, 0.8062),
    ((5, 56), (0, 29), -0.0381, 0.1926),
    ((0, 10), (0, 20), -0.1611, 0.2775),
    ((0, 10), (0, 10), -0.2775, 0.2775),
    ((10, 10), (0, 20), 0.6791, 1.0000),
    ((10, 10), (0, 10), 0.6075, 1.0000),
]


@pytest.mark.parametrize(("after", "before", "low", "high"), NEWCOMBE_TABLE_II)
def test_difference_of_proportions_matches_newcombe_1998(
    after: tuple[int, int], before: tuple[int, int], low: float, high: float
) -> None:
    change = compare(before=wilson(*before), after=wilson(*after), method="newcombe", min_n=1)
    assert change.difference.value == pytest.approx(after[0] / after[1] - before[0] / before[1])
    assert change.difference.low == pytest.approx(low, abs=5e-5)
    assert change.difference.high == pytest.approx(high, abs=5e-5)
    assert change.verdict == ("significant increase" if low > 0 else "no significant change")


def test_difference_of_means_matches_scipy_welch() -> None:
    rng = np.random.default_rng(21)
    a, b = rng.normal(7.0, 1.0, 30), rng.normal(7.8, 2.5, 45)

    def summary(x: np.ndarray) -> Estimate:
        return mean_t(x.size, float(x.sum()), float((x**2).sum()))

    change = compare(before=summary(a), after=summary(b), method="welch")
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert change.difference.value == pytest.approx(b.mean() - a.mean())
    assert (change.difference.low, change.difference.high) == pytest.approx((ci.low, ci.high))
    assert change.difference.n == 75


def test_verdicts_for_nps() -> None:
    before = nps(40, 30, 30)
    assert compare(before=before, after=nps(60, 25, 15), method="newcombe").verdict == (
        "significant increase"
    )
    assert compare(before=before, after=nps(20, 30, 50), method="newcombe").verdict == (
        "significant decrease"
    )
    assert compare(before=before, after=nps(42, 30, 28), method="newcombe").verdict == (
        "no significant change"
    )


def test_too_few_responses_is_insufficient_data() -> None:
    change = compare(before=wilson(1, 5), after=wilson(5, 5), method="newcombe")
    assert change.verdict == "insufficient data"
    assert change.difference.value == pytest.approx(0.8)


def test_compare_rejects_mixed_confidence_and_unknown_methods() -> None:
    with pytest.raises(ValueError, match="same confidence"):
        compare(before=wilson(5, 50), after=wilson(5, 50, confidence=0.9), method="newcombe")
    unknown: Any = "bayes"
    with pytest.raises(ValueError, match="method"):
        compare(before=wilson(5, 50), after=wilson(9, 50), method=unknown)
