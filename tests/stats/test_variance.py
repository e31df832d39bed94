from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.stats.variance import decompose


def test_two_segments_by_hand() -> None:
    # Base: 50/50 mix at 80 % and 60 % → 70 %. Actual: 20/80 mix at 85 % and 60 % → 65 %.
    result = decompose(
        segments=["enterprise", "mid-market"],
        base_weights=[100, 100],
        base_rates=[0.8, 0.6],
        actual_weights=[50, 200],
        actual_rates=[0.85, 0.6],
    )
    assert result.base == pytest.approx(0.70)
    assert result.actual == pytest.approx(0.65)
    assert result.total == pytest.approx(-0.05)
    # Rate: only enterprise moved, +5 points on a mid share of 35 % → +1.75 points.
    assert result.rate == pytest.approx(0.0175)
    # Mix: the business shifted 30 points of share towards the weaker segment.
    assert result.mix == pytest.approx(-0.0675)
    enterprise, mid_market = result.segments
    assert enterprise.rate == pytest.approx(0.0175)
    assert mid_market.rate == 0.0
    # Mid overall rate 67.5 %: enterprise (82.5 %) lost 30 points of share, mid-market (60 %)
    # gained them; both moves pull the total down.
    assert enterprise.mix == pytest.approx(-0.30 * (0.825 - 0.675))
    assert mid_market.mix == pytest.approx(0.30 * (0.60 - 0.675))
    assert enterprise.total + mid_market.total == pytest.approx(result.total)


def test_same_mix_is_all_rate_and_same_rates_are_all_mix() -> None:
    same_mix = decompose(
        segments=["a", "b"],
        base_weights=[3, 1],
        base_rates=[7.0, 9.0],
        actual_weights=[30, 10],
        actual_rates=[8.0, 8.0],
    )
    assert same_mix.mix == pytest.approx(0.0, abs=1e-12)
    assert same_mix.rate == pytest.approx(same_mix.total)
    same_rates = decompose(
        segments=["a", "b"],
        base_weights=[3, 1],
        base_rates=[7.0, 9.0],
        actual_weights=[1, 3],
        actual_rates=[7.0, 9.0],
    )
    assert same_rates.rate == 0.0
    assert same_rates.mix == pytest.approx(same_rates.total)


def test_a_new_segment_contributes_only_mix() -> None:
    result = decompose(
        segments=["existing", "new"],
        base_weights=[10, 0],
        base_rates=[0.5, math.nan],
        actual_weights=[10, 10],
        actual_rates=[0.5, 0.9],
    )
    new = result.segments[1]
    assert new.rate == 0.0
    assert new.base_rate == 0.9
    assert result.total == pytest.approx(0.2)
    assert result.mix + result.rate == pytest.approx(result.total)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"segments": []}, "at least one"),
        ({"segments": ["a", "a"]}, "unique"),
        ({"base_weights": [1]}, "one value per segment"),
        ({"base_weights": [-1, 2]}, "non-negative"),
        ({"actual_weights": [0, 0]}, "all zero"),
        ({"base_rates": [math.nan, 0.5]}, "wherever the segment has weight"),
        ({"base_weights": [0, 1], "actual_weights": [0, 1]}, "either side"),
    ],
)
def test_bad_input_is_rejected(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "segments": ["a", "b"],
        "base_weights": [1, 1],
        "base_rates": [0.5, 0.5],
        "actual_weights": [1, 1],
        "actual_rates": [0.5, 0.5],
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        decompose(**args)


weight = st.floats(min_value=0, max_value=1e6)
rate = st.floats(min_value=-1e3, max_value=1e3)
segment_rows = st.lists(st.tuples(weight, rate, weight, rate), min_size=1, max_size=12).filter(
    lambda rows: (
        sum(r[0] for r in rows) > 0
        and sum(r[2] for r in rows) > 0
        and all(r[0] > 0 or r[2] > 0 for r in rows)
    )
)


def run(rows: list[tuple[float, float, float, float]], names: list[str]) -> Any:
    return decompose(
        segments=names,
        base_weights=[r[0] for r in rows],
        base_rates=[r[1] for r in rows],
        actual_weights=[r[2] for r in rows],
        actual_rates=[r[3] for r in rows],
    )


@given(segment_rows)
def test_mix_and_rate_add_up_to_the_total(rows: list[tuple[float, float, float, float]]) -> None:
    result = run(rows, [f"s{i}" for i in range(len(rows))])
    assert abs(result.mix + result.rate - result.total) <= 1e-9
    assert abs(sum(s.total for s in result.segments) - result.total) <= 1e-9


@given(segment_rows, st.randoms(use_true_random=False))
def test_listing_order_of_segments_does_not_matter(
    rows: list[tuple[float, float, float, float]], rnd: Any
) -> None:
    names = [f"s{i}" for i in range(len(rows))]
    order = list(range(len(rows)))
    rnd.shuffle(order)
    first = run(rows, names)
    second = run([rows[i] for i in order], [names[i] for i in order])
    assert second.total == pytest.approx(first.total, abs=1e-9)
    assert second.mix == pytest.approx(first.mix, abs=1e-9)
    by_name = {s.segment: s for s in first.segments}
    for s in second.segments:
        assert s.mix == pytest.approx(by_name[s.segment].mix, abs=1e-9)
        assert s.rate == pytest.approx(by_name[s.segment].rate, abs=1e-9)
