"""Shewhart control charts: individuals/moving range (XmR), x̄–R, p, u and c.

Phase I computes `ControlLimits` from an agreed baseline window; they are stored with the KPI
(`to_dict`/`from_dict`) and passed back as `limits=` in phase II, so new points are judged
against the process as it was, not against themselves.

Limits are centre ± k standard errors of the plotted statistic (k = 3), which is what the
A2, D3 and D4 tables abbreviate. The constants are the tables qcc uses (d2 to 3 decimals,
d3 to 7) so the limits agree with qcc and Montgomery's examples; D4 rounded to 3 decimals
would move the R chart limit by 1e-5.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

import numpy as np
import numpy.typing as npt

ChartKind = Literal["individuals", "xbar", "p", "u", "c"]
Baseline = Sequence[int] | Sequence[bool] | npt.NDArray[Any] | None

# d2(n) = E[R/σ] and d3(n) = SD[R/σ] for subgroups of n normal observations, n = 2..25.
# fmt: off
_D2 = (1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.258, 3.336,
       3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931)
_D3 = (0.8525033, 0.8883697, 0.8798108, 0.8640855, 0.8480442, 0.8332108, 0.8198378, 0.8078413,
       0.7970584, 0.7873230, 0.7784873, 0.7704257, 0.7630330, 0.7562217, 0.7499188, 0.7440627,
       0.7386021, 0.7334929, 0.7286980, 0.7241851, 0.7199267, 0.7158987, 0.7120802, 0.7084528)
# fmt: on


def d2(n: int) -> float:
    """Expected range of n normal observations in units of σ (qcc's 3-decimal table)."""
    return _D2[_table_index(n)]


def d3(n: int) -> float:
    """Standard deviation of the range of n normal observations in units of σ (qcc's table)."""
    return _D3[_table_index(n)]


def _table_index(n: int) -> int:
    if not 2 <= n <= len(_D2) + 1:
        raise ValueError(f"subgroup size must be between 2 and {len(_D2) + 1}, got {n}")
    return n - 2


@dataclass(frozen=True, slots=True)
class ControlLimits:
    """What the process looked like in the baseline window, stored to judge later points.

    `sigma` is the process standard deviation for individuals and x̄ charts (mean moving
    range or mean range over d2); p, u and c charts derive their spread from `centre`.
    `subgroup_size` is the x̄–R subgroup size, or 2 for individuals (the moving-range span).
    """

    chart: ChartKind
    centre: float
    sigma: float | None
    subgroup_size: int | None
    n_baseline: int
    k: float = 3.0

    def __post_init__(self) -> None:
        if self.chart not in get_args(ChartKind):
            raise ValueError(f"unknown chart kind {self.chart!r}")
        if self.k <= 0:
            raise ValueError(f"k must be positive, got {self.k}")
        if self.chart in ("individuals", "xbar"):
            if self.sigma is None or self.subgroup_size is None:
                raise ValueError(f"{self.chart} limits need sigma and subgroup_size")
            _table_index(self.subgroup_size)
        # Without variation in the baseline every later point would be "out of control".
        spread = self.sigma if self.chart in ("individuals", "xbar") else self.centre
        if not (spread is not None and spread > 0 and math.isfinite(spread)):
            raise ValueError("the baseline shows no variation; choose a longer baseline window")
        if self.chart == "p" and self.centre >= 1:
            raise ValueError("the baseline shows no variation; choose a longer baseline window")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form, to store with the KPI."""
        return {
            "chart": self.chart,
            "centre": self.centre,
            "sigma": self.sigma,
            "subgroup_size": self.subgroup_size,
            "n_baseline": self.n_baseline,
            "k": self.k,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ControlLimits:
        sigma, size = data.get("sigma"), data.get("subgroup_size")
        try:
            return cls(
                chart=cast(ChartKind, data["chart"]),
                centre=float(data["centre"]),
                sigma=None if sigma is None else float(sigma),
                subgroup_size=None if size is None else int(size),
                n_baseline=int(data["n_baseline"]),
                k=float(data.get("k", 3.0)),
            )
        except KeyError as missing:
            raise ValueError(f"stored control limits lack {missing.args[0]!r}") from None


@dataclass(frozen=True, slots=True)
class ControlChart:
    """Plotted points with their limits; `sigma` is each point's standard error (rule zones)."""

    limits: ControlLimits
    centre: float
    values: tuple[float, ...]
    sigma: tuple[float, ...]
    lcl: tuple[float, ...]
    ucl: tuple[float, ...]
    beyond: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class VariablesChart:
    """Location chart (individuals or x̄) with its spread chart (moving range or range).

    Moving range i is |x[i+1] - x[i]|, so the spread chart has one point fewer.
    """

    location: ControlChart
    spread: ControlChart


def individuals_chart(
    values: npt.ArrayLike, *, baseline: Baseline = None, limits: ControlLimits | None = None
) -> VariablesChart:
    """XmR chart for one value per period (e.g. a monthly mean score).

    σ = mean moving range of consecutive baseline points / d2(2).
    """
    x = _finite(values, "values")
    _check_phase(limits, "individuals", baseline)
    if limits is None:
        mask = _baseline_mask(baseline, x.size)
        pairs = mask[1:] & mask[:-1]
        if not pairs.any():
            raise ValueError("the baseline needs at least two consecutive points")
        moving = np.abs(np.diff(x))[pairs]
        limits = ControlLimits(
            "individuals", float(x[mask].mean()), float(moving.mean() / d2(2)), 2, int(mask.sum())
        )
    sigma = _sigma(limits)
    ranges = np.abs(np.diff(x))
    return VariablesChart(
        location=_chart(limits, limits.centre, x, np.full(x.size, sigma)),
        spread=_chart(limits, d2(2) * sigma, ranges, np.full(ranges.size, d3(2) * sigma), 0.0),
    )


def xbar_r_chart(
    subgroups: npt.ArrayLike, *, baseline: Baseline = None, limits: ControlLimits | None = None
) -> VariablesChart:
    """x̄ and R charts for equal-sized subgroups (rows), 2..25 observations each.

    σ = mean baseline range / d2(n); the x̄ centre is the mean of the baseline subgroup means.
    """
    data = _finite(subgroups, "subgroups")
    if data.ndim != 2:
        raise ValueError("subgroups must be a table: one row per subgroup, equal sizes")
    size = data.shape[1]
    ranges = data.max(axis=1) - data.min(axis=1)
    means = data.mean(axis=1)
    _check_phase(limits, "xbar", baseline)
    if limits is None:
        mask = _baseline_mask(baseline, means.size)
        limits = ControlLimits(
            "xbar",
            float(means[mask].mean()),
            float(ranges[mask].mean() / d2(size)),
            size,
            int(mask.sum()),
        )
    sigma = _sigma(limits)
    if size != limits.subgroup_size:
        raise ValueError(f"subgroups have {size} values; the limits are for {limits.subgroup_size}")
    points = means.size
    return VariablesChart(
        location=_chart(limits, limits.centre, means, np.full(points, sigma / math.sqrt(size))),
        spread=_chart(limits, d2(size) * sigma, ranges, np.full(points, d3(size) * sigma), 0.0),
    )


def p_chart(
    *,
    defectives: npt.ArrayLike,
    sizes: npt.ArrayLike,
    baseline: Baseline = None,
    limits: ControlLimits | None = None,
) -> ControlChart:
    """Proportion chart with a limit per point for varying sample sizes.

    Centre = Σ defectives / Σ sizes over the baseline; se_i = √(p̄(1-p̄)/n_i).
    """
    k, n = _counts_and_sizes(defectives, sizes)
    if (k > n).any():
        raise ValueError("a count of defectives exceeds its sample size")
    chart_limits = _rate_limits("p", k, n, baseline, limits)
    centre = chart_limits.centre
    se = np.sqrt(centre * (1 - centre) / n)
    return _chart(chart_limits, centre, k / n, se, 0.0, 1.0)


def u_chart(
    *,
    counts: npt.ArrayLike,
    sizes: npt.ArrayLike,
    baseline: Baseline = None,
    limits: ControlLimits | None = None,
) -> ControlChart:
    """Rate-per-unit chart (e.g. complaints per 100 interactions) for varying exposure.

    Centre = Σ counts / Σ sizes over the baseline; se_i = √(ū/n_i).
    """
    c, n = _counts_and_sizes(counts, sizes)
    chart_limits = _rate_limits("u", c, n, baseline, limits)
    se = np.sqrt(chart_limits.centre / n)
    return _chart(chart_limits, chart_limits.centre, c / n, se, 0.0)


def c_chart(
    counts: npt.ArrayLike, *, baseline: Baseline = None, limits: ControlLimits | None = None
) -> ControlChart:
    """Count chart for a constant area of opportunity; se = √c̄."""
    c = _finite(counts, "counts")
    if c.ndim != 1 or (c < 0).any():
        raise ValueError("counts must be a list of non-negative numbers")
    _check_phase(limits, "c", baseline)
    if limits is None:
        mask = _baseline_mask(baseline, c.size)
        limits = ControlLimits("c", float(c[mask].mean()), None, None, int(mask.sum()))
    return _chart(limits, limits.centre, c, np.full(c.size, math.sqrt(limits.centre)), 0.0)


def _rate_limits(
    kind: ChartKind,
    counts: npt.NDArray[np.float64],
    sizes: npt.NDArray[np.float64],
    baseline: Baseline,
    limits: ControlLimits | None,
) -> ControlLimits:
    _check_phase(limits, kind, baseline)
    if limits is not None:
        return limits
    mask = _baseline_mask(baseline, counts.size)
    centre = float(counts[mask].sum() / sizes[mask].sum())
    return ControlLimits(kind, centre, None, None, int(mask.sum()))


def _check_phase(limits: ControlLimits | None, kind: ChartKind, baseline: Baseline) -> None:
    if limits is None:
        return
    if baseline is not None:
        raise ValueError("give either a baseline (phase I) or stored limits (phase II), not both")
    if limits.chart != kind:
        raise ValueError(f"these limits are for a {limits.chart} chart, not a {kind} chart")


def _sigma(limits: ControlLimits) -> float:
    # ControlLimits.__post_init__ guarantees sigma for individuals and x̄ limits.
    return cast(float, limits.sigma)


def _chart(
    limits: ControlLimits,
    centre: float,
    values: npt.NDArray[np.float64],
    se: npt.NDArray[np.float64],
    floor: float = -math.inf,
    cap: float = math.inf,
) -> ControlChart:
    # Statistics that cannot be negative (counts, ranges) or exceed 1 (proportions) have
    # their limits clipped, as qcc does, so a limit is never drawn where no point can be.
    lcl = np.maximum(centre - limits.k * se, floor)
    ucl = np.minimum(centre + limits.k * se, cap)
    beyond = np.flatnonzero((values < lcl) | (values > ucl))
    return ControlChart(
        limits=limits,
        centre=centre,
        values=tuple(values.tolist()),
        sigma=tuple(se.tolist()),
        lcl=tuple(lcl.tolist()),
        ucl=tuple(ucl.tolist()),
        beyond=tuple(beyond.tolist()),
    )


def _finite(values: npt.ArrayLike, what: str) -> npt.NDArray[np.float64]:
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError(f"{what} must not be empty")
    if not np.isfinite(x).all():
        raise ValueError(f"{what} must be finite numbers (no NaN or missing values)")
    return x


def _counts_and_sizes(
    counts: npt.ArrayLike, sizes: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    c, n = _finite(counts, "counts"), _finite(sizes, "sizes")
    if c.ndim != 1 or c.shape != n.shape:
        raise ValueError("counts and sizes must be lists of the same length")
    if (c < 0).any():
        raise ValueError("counts must not be negative")
    if (n <= 0).any():
        raise ValueError("every sample size must be positive")
    return c, n


def _baseline_mask(baseline: Baseline, n: int) -> npt.NDArray[np.bool_]:
    """Boolean mask of the phase I points from indices or a mask; None means every point."""
    if baseline is None:
        return np.ones(n, dtype=bool)
    b = np.asarray(baseline)
    if b.size == 0:
        raise ValueError("the baseline window is empty")
    if b.dtype == bool:
        if b.shape != (n,):
            raise ValueError(f"a baseline mask must have one entry per point ({n})")
        mask = b
    else:
        if b.dtype.kind not in "iu" or b.ndim != 1:
            raise ValueError("baseline must be point indices or a boolean mask")
        if ((b < 0) | (b >= n)).any():
            raise ValueError(f"baseline indices must lie between 0 and {n - 1}")
        mask = np.zeros(n, dtype=bool)
        mask[b] = True
    if not mask.any():
        raise ValueError("the baseline window is empty")
    return mask
