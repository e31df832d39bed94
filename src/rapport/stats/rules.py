"""Nelson rules 1–8 for control charts, each switchable, with the Western Electric preset.

Points are judged in standard units z = (x - centre) / sigma_i, so charts whose limits vary by
point (p and u charts with varying sample sizes) are handled like any other. A violation is
reported at every point that completes a pattern; `Violation.rule` is always the Nelson number.

Conventions where the published rules leave room:
- a point exactly on the centre line belongs to neither side and breaks a run (rule 2);
- trends (rule 3) and alternation (rule 4) look at the values themselves, not at z, and equal
  consecutive values break them;
- rules 5 and 6 are reported on a point that is itself beyond the zone, so a calm point after
  two high ones is not flagged; at the start of a series the window is the points so far, so
  two high points in a row are flagged at the second even when a calm third follows;
- rule 8 follows Nelson (1984): 8 points in a row beyond 1 sigma with points on both sides of
  the centre line. Minitab's test 8 also counts 8 on one side; `RuleSet(rule8_reading=
  "minitab")` gives that reading, and the description then names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Violation:
    """The point (index) that completes a pattern, the Nelson rule number and a sentence."""

    index: int
    rule: int
    description: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Which Nelson rules to apply and their parameters (Nelson's 1984 values by default)."""

    enabled: frozenset[int] = field(default_factory=lambda: frozenset(range(1, 9)))
    beyond_limits_sigma: float = 3.0  # rule 1
    same_side_run: int = 9  # rule 2
    trend_run: int = 6  # rule 3: points, so 5 steps in one direction
    alternating_run: int = 14  # rule 4
    two_of_three_sigma: float = 2.0  # rule 5
    four_of_five_sigma: float = 1.0  # rule 6
    hugging_run: int = 15  # rule 7: within 1 sigma
    avoiding_run: int = 8  # rule 8: beyond 1 sigma
    rule8_reading: Literal["nelson", "minitab"] = "nelson"  # both sides, or either side

    def __post_init__(self) -> None:
        unknown = set(self.enabled) - set(range(1, 9))
        if unknown:
            raise ValueError(f"Nelson rules are numbered 1 to 8, got {sorted(unknown)}")
        runs = (self.same_side_run, self.trend_run, self.hugging_run, self.avoiding_run)
        if min(runs) < 2 or self.alternating_run < 3:
            raise ValueError("runs must be at least 2 points long (3 for alternation)")
        if min(self.beyond_limits_sigma, self.two_of_three_sigma, self.four_of_five_sigma) <= 0:
            raise ValueError("sigma thresholds must be positive")
        if self.rule8_reading not in ("nelson", "minitab"):
            raise ValueError(
                f"rule 8 reading must be nelson or minitab, not {self.rule8_reading!r}"
            )


NELSON = RuleSet()
# Western Electric (1956) rules 1–4 are Nelson's 1, 5, 6 and 2 with a run of 8.
WESTERN_ELECTRIC = RuleSet(enabled=frozenset({1, 2, 5, 6}), same_side_run=8)
# Default for KPI monitoring: outliers, shifts, trends and the early warning of rule 5. Rules 4,
# 6, 7 and 8 look for stratification and over-adjustment and mostly add false alarms on
# feedback scores.
DEFAULT = RuleSet(enabled=frozenset({1, 2, 3, 5}))


def find_violations(
    values: npt.ArrayLike,
    *,
    centre: float | npt.ArrayLike,
    sigma: float | npt.ArrayLike,
    rules: RuleSet = DEFAULT,
) -> tuple[Violation, ...]:
    """Points that break the enabled rules, in order of index then rule number.

    `centre` and `sigma` are scalars or one value per point (sigma = the standard error of
    each point, e.g. `ControlChart.sigma`).
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("values must be a non-empty list of numbers")
    c = _per_point(centre, x.size, "centre")
    s = _per_point(sigma, x.size, "sigma")
    if not (np.isfinite(x).all() and np.isfinite(c).all() and np.isfinite(s).all()):
        raise ValueError("values, centre and sigma must be finite numbers (no NaN)")
    if (s <= 0).any():
        raise ValueError("sigma must be positive at every point")
    z = (x - c) / s
    found = [v for rule in sorted(rules.enabled) for v in _CHECKS[rule](z, x, rules)]
    return tuple(sorted(found, key=lambda v: (v.index, v.rule)))


def _per_point(value: float | npt.ArrayLike, n: int, what: str) -> npt.NDArray[np.float64]:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return np.full(n, float(a))
    if a.shape != (n,):
        raise ValueError(f"{what} must be a single number or one value per point ({n})")
    return a


def _run_lengths(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.int_]:
    """Length of the run of True values ending at each index (0 where False)."""
    runs = np.zeros(flags.size, dtype=int)
    current = 0
    for i, flag in enumerate(flags):
        current = current + 1 if flag else 0
        runs[i] = current
    return runs


def _runs(
    flags: npt.NDArray[np.bool_], length: int, rule: int, describe: Callable[[int], str]
) -> list[Violation]:
    runs = _run_lengths(flags)
    return [Violation(int(i), rule, describe(int(runs[i]))) for i in np.flatnonzero(runs >= length)]


def _rule1(z: npt.NDArray[np.float64], _x: npt.NDArray[np.float64], r: RuleSet) -> list[Violation]:
    k = r.beyond_limits_sigma
    return [
        Violation(
            int(i),
            1,
            f"Point is {'above the upper' if z[i] > 0 else 'below the lower'} control limit",
        )
        for i in np.flatnonzero(np.abs(z) > k)
    ]


def _rule2(z: npt.NDArray[np.float64], _x: npt.NDArray[np.float64], r: RuleSet) -> list[Violation]:
    return [
        *_runs(z > 0, r.same_side_run, 2, lambda n: f"{n} points in a row above the centre line"),
        *_runs(z < 0, r.same_side_run, 2, lambda n: f"{n} points in a row below the centre line"),
    ]


def _rule3(_z: npt.NDArray[np.float64], x: npt.NDArray[np.float64], r: RuleSet) -> list[Violation]:
    # A run of n points is n - 1 steps; a step at index i compares x[i] with x[i - 1].
    step = np.diff(x, prepend=x[0])
    steps = r.trend_run - 1
    return [
        *_runs(step > 0, steps, 3, lambda n: f"{n + 1} points in a row steadily increasing"),
        *_runs(step < 0, steps, 3, lambda n: f"{n + 1} points in a row steadily decreasing"),
    ]


def _rule4(_z: npt.NDArray[np.float64], x: npt.NDArray[np.float64], r: RuleSet) -> list[Violation]:
    step = np.sign(np.diff(x, prepend=x[0]))
    # A step continues the alternation when it is non-zero and opposite to the previous one.
    flips = np.zeros(x.size, dtype=bool)
    flips[2:] = (step[2:] != 0) & (step[2:] == -step[1:-1])
    return _runs(
        flips,
        r.alternating_run - 2,
        4,
        lambda n: f"{n + 2} points in a row alternating up and down",
    )


def _k_of_m(z: npt.NDArray[np.float64], k: int, m: int, limit: float, rule: int) -> list[Violation]:
    found = []
    for side, word in ((1, "above"), (-1, "below")):
        beyond = side * z > limit
        for i in np.flatnonzero(beyond):
            # Clipped at the start: the first points form a window of their own.
            if beyond[max(0, i + 1 - m) : i + 1].sum() >= k:
                found.append(
                    Violation(
                        int(i),
                        rule,
                        f"{k} of the last {m} points more than {limit:g} sigma {word} "
                        "the centre line",
                    )
                )
    return found


def _rule5(z: npt.NDArray[np.float64], _x: npt.NDArray[np.float64], r: RuleSet) -> list[Violation]:
    return _k_of_m(z, 2, 3, r.two_of_three_sigma, 5)


def _rule6(z: npt.NDArray[np.float64], _x: npt.NDArray[np.float64], r: RuleSet) -> list[Violation]:
    return _k_of_m(z, 4, 5, r.four_of_five_sigma, 6)


def _rule7(z: npt.NDArray[np.float64], _x: npt.NDArray[np.float64], r: RuleSet) -> list[Violation]:
    return _runs(
        np.abs(z) < 1,
        r.hugging_run,
        7,
        lambda n: (
            f"{n} points in a row within 1 sigma of the centre line: unusually little variation"
        ),
    )


def _rule8(z: npt.NDArray[np.float64], _x: npt.NDArray[np.float64], r: RuleSet) -> list[Violation]:
    avoiding = np.abs(z) > 1
    if r.rule8_reading == "minitab":
        return _runs(
            avoiding,
            r.avoiding_run,
            8,
            lambda n: (
                f"{n} points in a row more than 1 sigma from the centre line, none close to it "
                "(Minitab's test 8: on either side)"
            ),
        )
    runs = _run_lengths(avoiding)
    # Within a run of avoiding points, the last `avoiding_run` must include both sides.
    above = np.concatenate([[0], np.cumsum(z > 0)])
    m = r.avoiding_run
    return [
        Violation(
            int(i),
            8,
            f"{m} points in a row more than 1 sigma from the centre line on both sides, none "
            "close to it",
        )
        for i in np.flatnonzero(runs >= m)
        if 0 < above[i + 1] - above[i + 1 - m] < m
    ]


_Check = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64], RuleSet], list[Violation]]
_CHECKS: dict[int, _Check] = {
    1: _rule1,
    2: _rule2,
    3: _rule3,
    4: _rule4,
    5: _rule5,
    6: _rule6,
    7: _rule7,
    8: _rule8,
}
