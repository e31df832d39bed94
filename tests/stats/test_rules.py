from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from rapport.stats.rules import (
    DEFAULT,
    NELSON,
    WESTERN_ELECTRIC,
    RuleSet,
    Violation,
    find_violations,
)

CENTRE, SIGMA = 50.0, 5.0

# Each pattern, in standard units, breaks exactly one Nelson rule with Nelson's parameters.
PATTERNS: dict[int, tuple[list[float], int, str]] = {
    1: ([0.5, -0.5, 0.3, 4.0, 0.2, -0.4], 3, "Point is above the upper control limit"),
    2: (
        [0.5, 0.3, 0.6, 0.6, 0.4, 0.7, 0.7, 0.2, 0.5],
        8,
        "9 points in a row above the centre line",
    ),
    3: ([-0.5, -0.3, -0.1, 0.1, 0.3, 0.5], 5, "6 points in a row steadily increasing"),
    4: ([0.5, -0.5] * 7, 13, "14 points in a row alternating up and down"),
    5: (
        [0.1, 2.5, -0.3, 2.4, 0.2],
        3,
        "2 of the last 3 points more than 2 sigma above the centre line",
    ),
    6: (
        [1.5, 1.5, 0.2, 1.5, 1.5],
        4,
        "4 of the last 5 points more than 1 sigma above the centre line",
    ),
    7: (
        [-0.4, -0.2, 0.2, 0.4, 0.2, -0.2, -0.4, -0.2, 0.2, 0.4, 0.2, -0.2, -0.4, -0.2, 0.2],
        14,
        "15 points in a row within 1 sigma of the centre line: unusually little variation",
    ),
    8: (
        [1.5, -1.5, -1.5, 1.5, 1.5, -1.5, -1.5, 1.5],
        7,
        "8 points in a row more than 1 sigma from the centre line on both sides, none close to it",
    ),
}


def on_chart(z: list[float]) -> list[float]:
    return [CENTRE + SIGMA * v for v in z]


@pytest.mark.parametrize("rule", sorted(PATTERNS))
def test_each_pattern_breaks_its_rule_and_no_other(rule: int) -> None:
    z, index, description = PATTERNS[rule]
    found = find_violations(on_chart(z), centre=CENTRE, sigma=SIGMA, rules=NELSON)
    assert found == (Violation(index, rule, description),)


@pytest.mark.parametrize("rule", sorted(PATTERNS))
def test_a_rule_switched_off_is_not_reported(rule: int) -> None:
    z, _, _ = PATTERNS[rule]
    others = RuleSet(enabled=frozenset(range(1, 9)) - {rule})
    assert find_violations(on_chart(z), centre=CENTRE, sigma=SIGMA, rules=others) == ()


def test_mirror_patterns_are_described_for_the_other_side() -> None:
    cases = {1: "below the lower control limit", 2: "below the centre line", 3: "decreasing"}
    for rule, words in cases.items():
        z, index, _ = PATTERNS[rule]
        found = find_violations(on_chart([-v for v in z]), centre=CENTRE, sigma=SIGMA, rules=NELSON)
        assert [(v.index, v.rule) for v in found] == [(index, rule)]
        assert words in found[0].description


def test_every_point_that_extends_a_run_is_reported_with_the_run_so_far() -> None:
    found = find_violations([-1.0] * 11, centre=0, sigma=1, rules=RuleSet(enabled=frozenset({2})))
    assert [v.index for v in found] == [8, 9, 10]
    assert found[-1].description == "11 points in a row below the centre line"


def test_a_point_on_the_centre_line_breaks_a_run() -> None:
    z = [0.5] * 5 + [0.0] + [0.5] * 5
    assert find_violations(z, centre=0, sigma=1, rules=RuleSet(enabled=frozenset({2}))) == ()


def test_run_length_is_configurable() -> None:
    z = [0.5, 0.3, 0.6, 0.6, 0.4, 0.7, 0.7, 0.2]  # 8 above
    assert find_violations(z, centre=0, sigma=1, rules=NELSON) == ()
    eight = RuleSet(same_side_run=8)
    assert [v.rule for v in find_violations(z, centre=0, sigma=1, rules=eight)] == [2]


def test_western_electric_preset() -> None:
    assert WESTERN_ELECTRIC.enabled == {1, 2, 5, 6}
    eight_below = [-0.5, -0.3, -0.6, -0.6, -0.4, -0.7, -0.7, -0.2]
    found = find_violations(eight_below, centre=0, sigma=1, rules=WESTERN_ELECTRIC)
    assert found == (Violation(7, 2, "8 points in a row below the centre line"),)
    trend = PATTERNS[3][0]  # trends are not a Western Electric rule
    assert find_violations(trend, centre=0, sigma=1, rules=WESTERN_ELECTRIC) == ()


def test_default_preset_watches_outliers_shifts_trends_and_early_warnings() -> None:
    assert DEFAULT.enabled == {1, 2, 3, 5}
    assert find_violations(PATTERNS[4][0], centre=0, sigma=1) == ()
    assert [v.rule for v in find_violations(PATTERNS[3][0], centre=0, sigma=1)] == [3]


def test_zones_use_each_points_own_sigma() -> None:
    # A p chart: the same proportion is unremarkable on a small sample and out on a large one.
    values = [0.30, 0.30]
    sigma = [0.05, 0.01]
    found = find_violations(values, centre=0.25, sigma=sigma, rules=RuleSet(enabled=frozenset({1})))
    assert [v.index for v in found] == [1]


def test_centre_may_vary_by_point() -> None:
    found = find_violations([10.0, 10.0], centre=[0.0, 9.0], sigma=1.0, rules=NELSON)
    assert [(v.index, v.rule) for v in found] == [(0, 1)]


def test_violations_are_ordered_by_index_then_rule() -> None:
    z = np.r_[[1.5] * 8, 3.5]
    found = find_violations(z, centre=0, sigma=1, rules=NELSON)
    keys = [(v.index, v.rule) for v in found]
    assert keys == sorted(keys)
    assert (8, 1) in keys
    assert (8, 2) in keys


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": []}, "non-empty"),
        ({"values": [1.0, float("nan")]}, "NaN"),
        ({"sigma": 0.0}, "positive"),
        ({"sigma": [1.0, 1.0, 1.0]}, "one value per point"),
        ({"centre": [1.0]}, "one value per point"),
    ],
)
def test_bad_input_is_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        find_violations(**{"values": [1.0, 2.0], "centre": 0.0, "sigma": 1.0, **kwargs})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"enabled": frozenset({9})},
        {"same_side_run": 1},
        {"alternating_run": 2},
        {"beyond_limits_sigma": 0},
    ],
)
def test_bad_rule_settings_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"."):
        RuleSet(**kwargs)


RULE_5, RULE_6, RULE_8 = (RuleSet(enabled=frozenset({r})) for r in (5, 6, 8))


@pytest.mark.parametrize(
    ("z", "rules", "index"),
    [
        ([2.5, 2.5, 0.0, 0.1], RULE_5, 1),
        ([-2.5, -2.5, 0.0, 0.1], RULE_5, 1),
        ([1.5, 1.5, 1.5, 1.5, 0.2, 0.1], RULE_6, 3),
    ],
)
def test_rules_5_and_6_see_a_pattern_in_the_first_points(
    z: list[float], rules: RuleSet, index: int
) -> None:
    # The first three (five) points hold 2 of 3 (4 of 5) beyond the zone, but no full window
    # ends on a point beyond it; the points so far are the window at the start.
    found = find_violations(z, centre=0, sigma=1, rules=rules)
    assert [v.index for v in found] == [index]


def test_rule_8_needs_both_sides_as_nelson_wrote_it() -> None:
    one_side = [1.5] * 8
    assert find_violations(one_side, centre=0, sigma=1, rules=RULE_8) == ()
    both = [1.5] * 7 + [-1.5]
    assert [v.index for v in find_violations(both, centre=0, sigma=1, rules=RULE_8)] == [7]


def test_rule_8_minitab_reading_is_available_and_named() -> None:
    minitab = RuleSet(enabled=frozenset({8}), rule8_reading="minitab")
    found = find_violations([1.5] * 9, centre=0, sigma=1, rules=minitab)
    assert [v.index for v in found] == [7, 8]
    assert "Minitab's test 8" in found[0].description


# Western Electric rules 1–4 are Nelson's 1, 5, 6 and 2 (run of 8).
_RULE_SETS = {
    "western-electric": (WESTERN_ELECTRIC, {1: 1, 2: 5, 3: 6, 4: 2}),
    "nelson": (NELSON, {r: r for r in range(1, 9)}),
}
# qcc checks 2 of 3 (4 of 5) only in full windows; Rapport also flags a pattern complete in
# the first 2 (4) points (issue 9, item 18): the extra 1-based indices.
_RAPPORT_ALSO_FLAGS = {"WE-overlap-2": [2], "WE-overlap-3": [4]}


@pytest.mark.reference
def test_rule_vectors_match_qcc(reference_json: Callable[[str], Any]) -> None:
    ref = reference_json("spc/rules.json")
    for case in ref["cases"]:
        rule_set, numbers = _RULE_SETS[case["rule_set"]]
        rule = numbers[case["rule"]]
        found = find_violations(case["data"], centre=0, sigma=1, rules=rule_set)
        expected = sorted(case["expected_indices"] + _RAPPORT_ALSO_FLAGS.get(case["id"], []))
        assert [v.index + 1 for v in found if v.rule == rule] == expected, case["id"]
