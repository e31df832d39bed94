from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rapport.stats.rules import RuleSet, find_violations
from rapport.stats.spc import (
    ControlLimits,
    c_chart,
    d2,
    d3,
    individuals_chart,
    p_chart,
    u_chart,
    xbar_r_chart,
)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def is_trial(rows: list[dict[str, str]]) -> list[bool]:
    return [r["trial"] == "TRUE" for r in rows]


@pytest.mark.reference
def test_xbar_and_r_charts_match_qcc_pistonrings(
    stats_reference: Path, reference_json: Callable[[str], Any]
) -> None:
    ref = reference_json("spc/expected.json")["pistonrings"]
    rows = read_csv(stats_reference / "spc/pistonrings.csv")
    samples = sorted({int(r["sample"]) for r in rows})
    groups = [[float(r["diameter"]) for r in rows if int(r["sample"]) == s] for s in samples]
    trial = [next(r["trial"] == "TRUE" for r in rows if int(r["sample"]) == s) for s in samples]
    chart = xbar_r_chart(groups, baseline=trial)
    tol = ref["tolerance_abs"]
    assert chart.location.centre == pytest.approx(ref["center"], abs=tol)
    assert chart.location.lcl[0] == pytest.approx(ref["lcl"], abs=tol)
    assert chart.location.ucl[0] == pytest.approx(ref["ucl"], abs=tol)
    assert chart.spread.ucl[0] == pytest.approx(ref["r_chart"]["ucl"], abs=tol)
    assert chart.spread.lcl[0] == pytest.approx(ref["r_chart"]["lcl"], abs=tol)
    assert chart.location.limits.n_baseline == 25
    # Montgomery's example: the process drifts upwards after the trial samples.
    assert all(i >= 25 for i in chart.location.beyond)
    assert chart.location.beyond


@pytest.mark.reference
def test_p_chart_matches_qcc_orangejuice(
    stats_reference: Path, reference_json: Callable[[str], Any]
) -> None:
    ref = reference_json("spc/expected.json")["orangejuice"]
    rows = read_csv(stats_reference / "spc/orangejuice.csv")
    chart = p_chart(
        defectives=[int(r["D"]) for r in rows],
        sizes=[int(r["size"]) for r in rows],
        baseline=is_trial(rows),
    )
    tol = ref["tolerance_abs"]
    assert chart.centre == pytest.approx(ref["center"], abs=tol)
    assert chart.lcl[0] == pytest.approx(ref["lcl"], abs=tol)
    assert chart.ucl[0] == pytest.approx(ref["ucl"], abs=tol)


@pytest.mark.reference
def test_c_chart_matches_qcc_circuit(
    stats_reference: Path, reference_json: Callable[[str], Any]
) -> None:
    ref = reference_json("spc/expected.json")["circuit"]
    rows = read_csv(stats_reference / "spc/circuit.csv")
    chart = c_chart([int(r["x"]) for r in rows], baseline=is_trial(rows))
    tol = ref["tolerance_abs"]
    assert chart.centre == pytest.approx(ref["center"], abs=tol)
    assert chart.lcl[0] == pytest.approx(ref["lcl"], abs=tol)
    assert chart.ucl[0] == pytest.approx(ref["ucl"], abs=tol)


@pytest.mark.reference
def test_individuals_chart_matches_qcc_viscosity(
    stats_reference: Path, reference_json: Callable[[str], Any]
) -> None:
    ref = reference_json("spc/expected.json")["viscosity"]
    rows = read_csv(stats_reference / "spc/viscosity.csv")
    trial = is_trial(rows)
    chart = individuals_chart([float(r["viscosity"]) for r in rows], baseline=trial)
    tol = ref["tolerance_abs"]
    assert chart.location.centre == pytest.approx(ref["center"], abs=tol)
    assert chart.location.lcl[0] == pytest.approx(ref["lcl"], abs=tol)
    assert chart.location.ucl[0] == pytest.approx(ref["ucl"], abs=tol)
    in_phase_one = [i for i in chart.location.beyond if trial[i]]
    assert len(in_phase_one) == ref["points_beyond_limits_in_phase_I"]


def test_constants_are_qcc_table_values() -> None:
    assert (d2(2), d2(5), d2(25)) == (1.128, 2.326, 3.931)
    assert d3(2) == 0.8525033
    with pytest.raises(ValueError, match="subgroup size"):
        d2(26)
    with pytest.raises(ValueError, match="subgroup size"):
        d3(1)


def test_individuals_limits_by_hand() -> None:
    # Mean 12, moving ranges 2, 4, 2, 0 → mean 2, σ = 2 / 1.128.
    chart = individuals_chart([10.0, 12, 16, 14, 14])
    sigma = 2 / 1.128
    assert chart.location.centre == pytest.approx(13.2)
    assert chart.location.ucl[0] == pytest.approx(13.2 + 3 * sigma)
    assert chart.location.sigma == pytest.approx((sigma,) * 5)
    assert chart.spread.values == (2.0, 4.0, 2.0, 0.0)
    assert chart.spread.centre == pytest.approx(2.0)
    assert chart.spread.ucl[0] == pytest.approx(2 + 3 * 0.8525033 * sigma)  # 3.267 × MR̄
    assert chart.spread.lcl[0] == 0.0


def test_p_chart_limits_vary_with_sample_size() -> None:
    chart = p_chart(defectives=[10, 20, 5], sizes=[100, 400, 25])
    centre = 35 / 525
    assert chart.centre == pytest.approx(centre)
    for n, lcl, ucl in zip((100, 400, 25), chart.lcl, chart.ucl, strict=True):
        se = np.sqrt(centre * (1 - centre) / n)
        assert ucl == pytest.approx(centre + 3 * se)
        assert lcl == pytest.approx(max(0.0, centre - 3 * se))
    assert chart.ucl[1] < chart.ucl[0] < chart.ucl[2]


def test_u_chart_by_hand() -> None:
    # 12 complaints over 300 interactions in the baseline → ū = 0.04 per interaction.
    chart = u_chart(counts=[3, 5, 4, 9], sizes=[100, 100, 100, 50], baseline=[0, 1, 2])
    assert chart.centre == pytest.approx(0.04)
    assert chart.values == pytest.approx((0.03, 0.05, 0.04, 0.18))
    assert chart.ucl[3] == pytest.approx(0.04 + 3 * np.sqrt(0.04 / 50))
    assert chart.beyond == (3,)


def test_baseline_as_indices_or_mask_gives_the_same_limits() -> None:
    values = [5.0, 7, 6, 8, 6, 7, 12, 13]
    by_index = individuals_chart(values, baseline=[0, 1, 2, 3, 4, 5])
    by_mask = individuals_chart(values, baseline=[True] * 6 + [False] * 2)
    assert by_index == by_mask


def test_stored_limits_round_trip_through_json_and_judge_new_points() -> None:
    baseline_counts = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10]
    new_counts = [30, 11]
    phase_one = p_chart(defectives=baseline_counts, sizes=[50] * 10)
    stored = json.loads(json.dumps(phase_one.limits.to_dict()))
    limits = ControlLimits.from_dict(stored)
    assert limits == phase_one.limits
    phase_two = p_chart(defectives=new_counts, sizes=[50, 80], limits=limits)
    both = p_chart(
        defectives=baseline_counts + new_counts, sizes=[50] * 10 + [50, 80], baseline=range(10)
    )
    assert phase_two.centre == both.centre
    assert phase_two.ucl == both.ucl[10:]
    assert phase_two.beyond == (0,)


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (lambda lim: individuals_chart([1.0, 2.0, 4.0], limits=lim), "individuals"),
        (lambda lim: xbar_r_chart([[1.0, 2.0], [2.0, 4.0]], limits=lim), "xbar"),
        (lambda lim: c_chart([3, 4, 6], limits=lim), "c"),
        (lambda lim: u_chart(counts=[3, 4], sizes=[10, 20], limits=lim), "u"),
    ],
)
def test_every_chart_reuses_its_own_stored_limits(
    build: Callable[[ControlLimits | None], Any], kind: str
) -> None:
    first = build(None)
    limits = first.limits if hasattr(first, "limits") else first.location.limits
    assert limits.chart == kind
    assert build(ControlLimits.from_dict(limits.to_dict())) == first


def test_xbar_phase_two_needs_the_same_subgroup_size() -> None:
    limits = xbar_r_chart([[1.0, 2.0, 3.0], [2.0, 4.0, 3.0]]).location.limits
    with pytest.raises(ValueError, match="subgroups have 2 values"):
        xbar_r_chart([[1.0, 2.0]], limits=limits)


def test_limits_for_another_chart_kind_are_rejected() -> None:
    limits = c_chart([3, 4, 6]).limits
    with pytest.raises(ValueError, match="c chart, not a u chart"):
        u_chart(counts=[1], sizes=[1], limits=limits)


def test_baseline_and_stored_limits_together_are_rejected() -> None:
    limits = c_chart([3, 4, 6]).limits
    with pytest.raises(ValueError, match="not both"):
        c_chart([3, 4, 6], baseline=[0, 1], limits=limits)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: individuals_chart([]), "empty"),
        (lambda: individuals_chart([1.0, float("nan"), 2.0]), "NaN"),
        (lambda: individuals_chart([1.0, 2.0, 3.0], baseline=[0, 2]), "consecutive"),
        (lambda: individuals_chart([4.0, 4.0, 4.0]), "no variation"),
        (lambda: individuals_chart([1.0, 2.0], baseline=[]), "empty"),
        (lambda: individuals_chart([1.0, 2.0], baseline=[5]), "indices"),
        (lambda: individuals_chart([1.0, 2.0], baseline=[True]), "one entry per point"),
        (lambda: xbar_r_chart([1.0, 2.0]), "table"),
        (lambda: xbar_r_chart([[1.0], [2.0]]), "subgroup size"),
        (lambda: p_chart(defectives=[5, 1], sizes=[4, 4]), "exceeds"),
        (lambda: p_chart(defectives=[1, 1], sizes=[4]), "same length"),
        (lambda: p_chart(defectives=[0, 0], sizes=[4, 4]), "no variation"),
        (lambda: u_chart(counts=[-1, 2], sizes=[4, 4]), "negative"),
        (lambda: u_chart(counts=[1, 2], sizes=[0, 4]), "positive"),
        (lambda: c_chart([-1, 2]), "non-negative"),
        (lambda: ControlLimits.from_dict({"chart": "pie", "centre": 1, "n_baseline": 1}), "kind"),
        (lambda: ControlLimits.from_dict({"chart": "c", "centre": 1}), "lack 'n_baseline'"),
    ],
)
def test_bad_input_is_rejected(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_rule_one_on_a_p_chart_agrees_with_points_beyond_limits() -> None:
    # Per-point sigma from the chart gives the rules the same limits the chart draws.
    rng = np.random.default_rng(5)
    sizes = rng.integers(20, 400, 60)
    defectives = rng.binomial(sizes, 0.1)
    defectives[[7, 30]] = (sizes[[7, 30]] * 0.4).astype(int)
    chart = p_chart(defectives=defectives, sizes=sizes, baseline=range(40))
    rule_one = find_violations(
        chart.values,
        centre=chart.centre,
        sigma=chart.sigma,
        rules=RuleSet(enabled=frozenset({1})),
    )
    assert tuple(v.index for v in rule_one) == chart.beyond
    assert {7, 30} <= set(chart.beyond)
