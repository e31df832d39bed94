"""Why a rate moved: mix of segments versus rates within segments.

An overall rate (or mean) is Σ share_s × rate_s over segments. Between a base (the target, or
the previous period) and the actual, it can move because segments changed weight (mix) or
because the rate within segments changed (rate). The midpoint decomposition

    mix_s  = (share1_s - share0_s) × (mid rate_s - mid overall rate)
    rate_s = (rate1_s - rate0_s) × mid share_s

with mid = the average of base and actual, adds up to the total difference exactly (no
residual and no order to choose), and is the same whichever way the segments are listed.
Subtracting the overall rate in the mix term changes no total (the share changes sum to 0)
but makes each segment's mix effect readable: gaining share in a segment that is better than
average raises the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class SegmentVariance:
    segment: str
    base_share: float
    actual_share: float
    base_rate: float
    actual_rate: float
    mix: float
    rate: float

    @property
    def total(self) -> float:
        return self.mix + self.rate


@dataclass(frozen=True, slots=True)
class Decomposition:
    """Overall base and actual rates, their difference and its split into mix and rate."""

    base: float
    actual: float
    total: float
    mix: float
    rate: float
    segments: tuple[SegmentVariance, ...]


def decompose(
    *,
    segments: Sequence[str],
    base_weights: npt.ArrayLike,
    base_rates: npt.ArrayLike,
    actual_weights: npt.ArrayLike,
    actual_rates: npt.ArrayLike,
) -> Decomposition:
    """Split actual - base into mix and rate effects, overall and per segment.

    Weights are counts (responses, customers) or shares; each side is normalised to shares.
    A segment absent on one side (weight 0) may have a NaN rate there; it takes the other
    side's rate, so its whole contribution is mix — it did not change its rate, it appeared.
    """
    names = list(segments)
    if not names:
        raise ValueError("at least one segment is needed")
    if len(set(names)) != len(names):
        raise ValueError("segment names must be unique")
    w0, r0 = _side(base_weights, base_rates, len(names), "base")
    w1, r1 = _side(actual_weights, actual_rates, len(names), "actual")
    absent0, absent1 = w0 == 0, w1 == 0
    if (absent0 & absent1).any():
        raise ValueError("a segment has no weight on either side; leave it out")
    r0 = np.where(absent0, r1, r0)
    r1 = np.where(absent1, r0, r1)
    w0, w1 = w0 / w0.sum(), w1 / w1.sum()
    base, actual = float(w0 @ r0), float(w1 @ r1)
    mid_share, mid_rate = (w0 + w1) / 2, (r0 + r1) / 2
    mix = (w1 - w0) * (mid_rate - (base + actual) / 2)
    rate = (r1 - r0) * mid_share
    return Decomposition(
        base=base,
        actual=actual,
        total=actual - base,
        mix=float(mix.sum()),
        rate=float(rate.sum()),
        segments=tuple(
            SegmentVariance(name, *map(float, (w0[i], w1[i], r0[i], r1[i], mix[i], rate[i])))
            for i, name in enumerate(names)
        ),
    )


def _side(
    weights: npt.ArrayLike, rates: npt.ArrayLike, n: int, side: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    w, r = np.asarray(weights, dtype=float), np.asarray(rates, dtype=float)
    if w.shape != (n,) or r.shape != (n,):
        raise ValueError(f"{side} weights and rates must have one value per segment ({n})")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"{side} weights must be non-negative numbers")
    if w.sum() == 0:
        raise ValueError(f"{side} weights are all zero")
    if not np.isfinite(r[w > 0]).all():
        raise ValueError(f"{side} rates must be numbers wherever the segment has weight")
    return w, r
