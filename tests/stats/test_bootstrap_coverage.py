"""Coverage of the bootstrap intervals the product shows, by simulation (issue 9, item 21).

Percentile intervals covered about 0.87 at n = 10. The product now gives BCa intervals and
none below `BOOTSTRAP_MIN_N`; this measures BCa's coverage of a known mean at that n and at
n = 30, seeded, the resampling vectorised so that the test stays fast.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from rapport.stats.intervals import BOOTSTRAP_MIN_N, bca_interval, bootstrap

REPLICATIONS = 2000
RESAMPLES = 1000
# A skewed 1–5 satisfaction scale (half the answers are 5) and the exponential distribution.
RATINGS, RATING_SHARES = np.array([1.0, 2, 3, 4, 5]), np.array([0.05, 0.05, 0.1, 0.3, 0.5])
Draw = Callable[[np.random.Generator, int], npt.NDArray[np.float64]]
POPULATIONS: dict[str, tuple[Draw, float]] = {
    "ratings": (lambda g, n: g.choice(RATINGS, n, p=RATING_SHARES), float(RATINGS @ RATING_SHARES)),
    "exponential": (lambda g, n: g.exponential(1.0, n), 1.0),
}


def _coverage(draw: Draw, truth: float, n: int) -> tuple[float, float]:
    """(BCa, percentile) coverage of the mean over REPLICATIONS samples of size n."""
    rng = np.random.default_rng(n)
    bca = percentile = 0
    for _ in range(REPLICATIONS):
        x = draw(rng, n)
        means = x[rng.integers(0, n, (RESAMPLES, n))].mean(axis=1)
        jackknife = (x.sum() - x) / (n - 1)
        low, high = bca_interval(means, estimate=x.mean(), jackknife=jackknife)
        bca += bool(low <= truth <= high)
        p_low, p_high = np.percentile(means, [2.5, 97.5])
        percentile += bool(p_low <= truth <= p_high)
    return bca / REPLICATIONS, percentile / REPLICATIONS


@pytest.mark.parametrize("population", sorted(POPULATIONS))
@pytest.mark.parametrize("n", [BOOTSTRAP_MIN_N, 30])
def test_bca_coverage_at_the_sizes_the_product_shows(population: str, n: int) -> None:
    # Measured, 2,000 samples each (BCa / percentile on the same resamples): ratings
    # 0.936 / 0.930 at n = 20 and 0.936 / 0.921 at n = 30; exponential 0.914 / 0.901 and
    # 0.922 / 0.914. At n = 10: 0.879 / 0.858 and 0.888 / 0.872, hence no interval there.
    bca, percentile = _coverage(*POPULATIONS[population], n)
    assert bca >= 0.905
    assert bca > percentile


def test_no_bootstrap_interval_below_the_stated_n() -> None:
    with pytest.raises(ValueError, match=f"at least {BOOTSTRAP_MIN_N} observations"):
        bootstrap(np.mean, np.arange(10.0))
