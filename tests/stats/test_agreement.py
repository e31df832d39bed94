from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from rapport.stats.agreement import (
    cohen_kappa,
    crosstab,
    fleiss_kappa,
    icc_2_1,
    krippendorff_alpha,
    krippendorff_alpha_interval,
)

# Shrout, P.E. & Fleiss, J.L. (1979) 'Intraclass correlations: uses in assessing rater
# reliability', Psychological Bulletin 86(2), Table 2: 6 targets rated by 4 judges.
# They report ICC(2,1) = .29; R psych::ICC prints the F interval 0.019 to 0.76 for it.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


@pytest.mark.reference
@pytest.mark.parametrize(
    ("weights", "key"), [("none", "unweighted"), ("linear", "linear_weighted")]
)
def test_cohen_kappa_matches_sas_proc_freq(
    reference_json: Callable[[str], Any], weights: Any, key: str
) -> None:
    ref = reference_json("agreement/cohen_sas.json")
    expected, tol = ref["expected"][key], ref["tolerance_abs"]
    result = cohen_kappa(ref["table"], weights=weights)
    assert result.estimate.value == pytest.approx(expected["kappa"], abs=tol)
    assert result.ase == pytest.approx(expected["ase"], abs=tol)
    # SAS's interval uses the ASE; its z test uses the ASE under H0 (no agreement).
    assert result.estimate.low == pytest.approx(expected["ci95"][0], abs=tol)
    assert result.estimate.high == pytest.approx(expected["ci95"][1], abs=tol)
    assert result.ase_null == pytest.approx(expected["ase_h0"], abs=tol)
    assert result.z == pytest.approx(expected["z"], abs=tol)
    assert result.estimate.n == 19


@pytest.mark.parametrize(
    ("weights", "sklearn_weights"),
    [("none", None), ("linear", "linear"), ("quadratic", "quadratic")],
)
def test_kappa_matches_scikit_learn(weights: Any, sklearn_weights: Any) -> None:
    rng = np.random.default_rng(11)
    a = rng.integers(1, 6, 200)
    b = np.clip(a + rng.integers(-1, 2, 200), 1, 5)
    table = crosstab(rater_a=a, rater_b=b, categories=[1, 2, 3, 4, 5])
    ours = cohen_kappa(table, weights=weights).estimate.value
    assert ours == pytest.approx(cohen_kappa_score(a, b, weights=sklearn_weights), abs=1e-12)


def test_crosstab_counts_pairs_in_category_order() -> None:
    table = crosstab(
        rater_a=["ok", "good", "ok"],
        rater_b=["ok", "ok", "poor"],
        categories=["poor", "ok", "good"],
    )
    assert table.tolist() == [[0, 0, 0], [1, 1, 0], [0, 1, 0]]


# Ten units rated low/medium/high: the cross-table [[2, 1, 0], [1, 2, 1], [0, 1, 2]].
_PAIRS = [("low", "low")] * 2 + [("low", "medium"), ("medium", "low")] + [("medium", "medium")] * 2
_PAIRS += [("medium", "high"), ("high", "medium")] + [("high", "high")] * 2
RATER_A, RATER_B = ([pair[i] for pair in _PAIRS] for i in (0, 1))


def test_weighted_kappa_on_labels_uses_the_order_given() -> None:
    # By hand, linear weights 1, 0.5, 0: observed agreement = 6/10 + 0.5 × 4/10 = 0.8; both
    # raters' margins are (0.3, 0.4, 0.3), so chance = 0.34 + 0.5 × 0.48 = 0.58 and
    # κ = (0.8 - 0.58) / (1 - 0.58) = 0.5238. Sorted alphabetically (high, low, medium) the
    # same ratings gave (0.7 - 0.55) / (1 - 0.55) = 0.333.
    table = crosstab(rater_a=RATER_A, rater_b=RATER_B, categories=["low", "medium", "high"])
    assert table.tolist() == [[2, 1, 0], [1, 2, 1], [0, 1, 2]]
    kappa = cohen_kappa(table, weights="linear").estimate.value
    assert kappa == pytest.approx(0.22 / 0.42, abs=1e-12)
    assert round(kappa, 3) == 0.524


def test_labels_without_an_order_are_refused() -> None:
    with pytest.raises(ValueError, match="pass categories in scale order"):
        crosstab(rater_a=RATER_A, rater_b=RATER_B)


def test_crosstab_rejects_unknown_and_missing_ratings() -> None:
    with pytest.raises(ValueError, match="not one of the categories"):
        crosstab(rater_a=[1, 2], rater_b=[1, 3], categories=[1, 2])
    with pytest.raises(ValueError, match="Krippendorff"):
        crosstab(rater_a=[1, None], rater_b=[1, 2])
    with pytest.raises(ValueError, match="same length"):
        crosstab(rater_a=[1, 2], rater_b=[1])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[1, 2, 3]], "square"),
        (7, "square"),
        ([[5]], "square"),
        ([[0, 0], [0, 0]], "empty"),
        ([[1, -1], [0, 2]], "non-negative"),
        ([[4, 0], [0, 0]], "one category"),
    ],
)
def test_cohen_kappa_rejects_bad_tables(table: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cohen_kappa(table)


@pytest.mark.reference
def test_fleiss_kappa_matches_r_irr(reference_json: Callable[[str], Any]) -> None:
    ref = reference_json("agreement/fleiss_diagnoses.json")
    result = fleiss_kappa(ref["ratings_subject_by_rater"])
    tol = ref["tolerance_abs"]
    assert result.value == pytest.approx(ref["expected"]["fleiss_kappa"], abs=tol)
    # z is printed to 5 decimals (7 significant digits), so the file's 1e-7 cannot apply.
    assert result.z == pytest.approx(ref["expected"]["z"], abs=1e-5)
    assert (result.n_subjects, result.n_raters) == (30, 6)


def test_fleiss_kappa_rejects_missing_ratings_and_single_raters() -> None:
    missing: list[list[int | None]] = [[1, 2], [1, None]]
    with pytest.raises(ValueError, match="Krippendorff"):
        fleiss_kappa(missing)
    with pytest.raises(ValueError, match="two raters"):
        fleiss_kappa([[1], [2]])
    with pytest.raises(ValueError, match="same category"):
        fleiss_kappa([[1, 1], [1, 1]])


@pytest.mark.reference
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_alpha_matches_krippendorff_2011(
    reference_json: Callable[[str], Any], level: Any
) -> None:
    ref = reference_json("agreement/krippendorff_2011.json")
    units_by_raters = np.array(ref["observers_by_unit"], dtype=object).T
    alpha = krippendorff_alpha(units_by_raters, level=level)
    assert alpha == pytest.approx(ref["expected"][level], abs=ref["tolerance_abs"])


def test_krippendorff_bootstrap_interval_is_seeded_and_brackets_alpha() -> None:
    rng = np.random.default_rng(2)
    truth = rng.integers(1, 6, 40)
    ratings = np.column_stack([np.clip(truth + rng.integers(-1, 2, 40), 1, 5) for _ in range(3)])
    ratings = ratings.astype(object)
    ratings[3, 1] = None
    first = krippendorff_alpha_interval(ratings, level="interval", n_resamples=300, seed=9)
    again = krippendorff_alpha_interval(ratings, level="interval", n_resamples=300, seed=9)
    assert first == again
    assert first.value == pytest.approx(krippendorff_alpha(ratings, level="interval"))
    assert first.low < first.value < first.high
    assert first.n == 40


def test_krippendorff_accepts_labels_at_the_nominal_level_only() -> None:
    labels = [["yes", "yes"], ["no", "no"], ["yes", "no"]]
    assert krippendorff_alpha(labels) == pytest.approx(1 - 2 * 5 / (3 * 2 * 3))
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha(labels, level="interval")


@pytest.mark.parametrize(
    ("ratings", "kwargs", "message"),
    [
        ([[1, None], [2, None]], {}, "two or more raters"),
        ([[3, 3], [3, 3]], {}, "same value"),
        ([[1, 2]], {"level": "fuzzy"}, "level"),
        ([[-1, 2], [1, 2]], {"level": "ratio"}, "non-negative"),
        ([], {}, "non-empty"),
        ([[1, "a"], [2, 2]], {}, "mixture"),
    ],
)
def test_krippendorff_rejects_bad_input(ratings: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        krippendorff_alpha(ratings, **kwargs)


def test_icc_2_1_matches_shrout_and_fleiss_1979() -> None:
    result = icc_2_1(SHROUT_FLEISS)
    assert result.value == pytest.approx(0.29, abs=0.005)
    assert result.low == pytest.approx(0.019, abs=0.0005)
    assert result.high == pytest.approx(0.76, abs=0.005)
    assert result.n == 6


def test_icc_rejects_missing_values_and_tiny_tables() -> None:
    with pytest.raises(ValueError, match="missing"):
        icc_2_1([[1.0, float("nan")], [2.0, 3.0]])
    with pytest.raises(ValueError, match="two units by two raters"):
        icc_2_1([[1.0, 2.0]])


# --- properties -------------------------------------------------------------------------

categories = st.integers(min_value=1, max_value=5)
# At least two distinct categories, otherwise chance agreement is 1 and κ is undefined.
varied = st.lists(categories, min_size=2, max_size=40).filter(lambda v: len(set(v)) > 1)


@given(varied, st.sampled_from(["none", "linear", "quadratic"]))
def test_identical_raters_have_kappa_one(ratings: list[int], weights: Any) -> None:
    table = crosstab(rater_a=ratings, rater_b=ratings)
    assert cohen_kappa(table, weights=weights).estimate.value == pytest.approx(1.0)


@given(varied, st.integers(min_value=2, max_value=6))
def test_unanimous_raters_have_fleiss_kappa_one(ratings: list[int], raters: int) -> None:
    table = [[r] * raters for r in ratings]
    assert fleiss_kappa(table).value == pytest.approx(1.0)


@given(
    varied,
    st.integers(min_value=2, max_value=5),
    st.sampled_from(["nominal", "ordinal", "interval", "ratio"]),
)
def test_perfect_agreement_has_alpha_one(ratings: list[int], raters: int, level: Any) -> None:
    table = [[r] * raters for r in ratings]
    assert krippendorff_alpha(table, level=level) == pytest.approx(1.0)


unit_tables = st.integers(min_value=3, max_value=15).flatmap(
    lambda units: st.lists(
        st.lists(st.one_of(categories, st.none()), min_size=3, max_size=3),
        min_size=units,
        max_size=units,
    )
)


@settings(max_examples=60)
@given(unit_tables, st.randoms(use_true_random=False))
def test_agreement_does_not_depend_on_the_order_of_units(table: list[list[Any]], rnd: Any) -> None:
    shuffled = list(table)
    rnd.shuffle(shuffled)
    levels: list[Any] = ["nominal", "ordinal", "interval", "ratio"]
    for level in levels:
        try:
            alpha = krippendorff_alpha(table, level=level)
        except ValueError:
            continue  # too few or too uniform ratings for α: the same holds for the shuffle
        assert krippendorff_alpha(shuffled, level=level) == pytest.approx(alpha)
    complete = [row for row in table if None not in row]
    shuffled_complete = [row for row in shuffled if None not in row]
    if len({r for row in complete for r in row}) > 1:
        assert fleiss_kappa(shuffled_complete).value == pytest.approx(fleiss_kappa(complete).value)
