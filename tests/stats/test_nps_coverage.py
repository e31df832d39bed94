"""Exact coverage of the NPS interval, by enumerating every trinomial outcome (issue 9, 17).

For each population (p_P, p_passive, p_D) on a grid with every share at least 0.03, the
coverage is the probability, summed over all outcomes (P, M, D) with P + M + D = n, of the
outcomes whose interval holds the true p_P - p_D.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy.special import gammaln

from rapport.stats.intervals import nps, nps_limits

MIN_SHARE = 0.03
_CHUNK = 1000  # populations per block: bounds memory at n = 100 (5,151 outcomes)


def _outcomes(n: int) -> tuple[npt.NDArray[np.int_], ...]:
    promoters, detractors = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    possible = promoters + detractors <= n
    promoters, detractors = promoters[possible], detractors[possible]
    return promoters, n - promoters - detractors, detractors


def _populations(step: float) -> tuple[npt.NDArray[np.float64], ...]:
    shares = np.round(np.arange(MIN_SHARE, 1 - 2 * MIN_SHARE + step / 2, step), 6)
    pro, pas = np.meshgrid(shares, shares, indexing="ij")
    det = np.round(1 - pro - pas, 6)
    keep = det >= MIN_SHARE
    return pro[keep], pas[keep], det[keep]


def _coverage(n: int, step: float) -> npt.NDArray[np.float64]:
    promoters, passives, detractors = _outcomes(n)
    low, high = nps_limits(promoters, passives, detractors)
    log_ways = gammaln(n + 1) - gammaln(promoters + 1) - gammaln(passives + 1)
    log_ways -= gammaln(detractors + 1)
    pro, pas, det = _populations(step)
    coverage = np.empty(pro.size)
    for start in range(0, pro.size, _CHUNK):
        block = slice(start, start + _CHUNK)
        log_p = (
            log_ways
            + promoters * np.log(pro[block, None])
            + passives * np.log(pas[block, None])
            + detractors * np.log(det[block, None])
        )
        true = (pro[block] - det[block])[:, None]
        coverage[block] = (np.exp(log_p) * ((low <= true) & (true <= high))).sum(axis=1)
    return coverage


@pytest.mark.parametrize(("n", "step"), [(10, 0.005), (30, 0.005), (100, 0.01)])
def test_nps_interval_covers_at_least_93_percent_exactly(n: int, step: float) -> None:
    coverage = _coverage(n, step)
    # Measured: minimum 0.9369 / 0.9403 / 0.9481, mean 0.968 / 0.955 / 0.952 (n = 10/30/100).
    assert coverage.min() >= 0.93
    assert 0.95 <= coverage.mean() <= 0.975


@pytest.mark.parametrize("n", [1, 10, 30, 100])
def test_nps_interval_never_has_zero_width(n: int) -> None:
    low, high = nps_limits(*_outcomes(n))
    assert (high - low > 0).all()


def test_nps_interval_stays_open_when_every_answer_is_one_category() -> None:
    # The Wald interval gave [1, 1] here: no uncertainty at all from five answers.
    est = nps(5, 0, 0)
    assert est.value == 1.0
    assert est.high == 1.0
    assert est.low < 0.5


def test_nps_interval_at_85_percent_promoters_and_ten_answers() -> None:
    # The population the issue quotes: the Wald interval covered it 0.79 of the time.
    promoters, passives, detractors = _outcomes(10)
    low, high = nps_limits(promoters, passives, detractors)
    probability = np.exp(
        gammaln(11)
        - gammaln(promoters + 1)
        - gammaln(passives + 1)
        - gammaln(detractors + 1)
        + promoters * np.log(0.85)
        + passives * np.log(0.12)
        + detractors * np.log(0.03)
    )
    true = 0.85 - 0.03
    assert probability[(low <= true) & (true <= high)].sum() >= 0.93


def test_nps_limits_are_element_wise_and_match_the_scalar_function() -> None:
    low, high = nps_limits([50, 9], [30, 0], [20, 1])
    for i, counts in enumerate([(50, 30, 20), (9, 0, 1)]):
        est = nps(*counts)
        assert (est.low, est.high) == (low[i], high[i])
