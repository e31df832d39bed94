from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.text.sentiment import (
    SentimentModel,
    analyse,
    boundary_uncertainty,
    cross_validated_predictions,
    cross_validated_scores,
    fit_sentiment_model,
    label_for,
    vader_compound,
)
from tests.text.conftest import Rated

POSITIVE = ["Great service, thank you", "Excellent support, very helpful", "Love the new app"]
NEGATIVE = ["Terrible delays, very disappointed", "Awful support, nobody called", "Hate it"]
MIXED = "The delivery was late and I am angry. But support was excellent!"
NEUTRAL = ["The meeting is on Tuesday", "Invoice attached", "We use the portal weekly"]


def training_set() -> tuple[list[str], list[float], list[str]]:
    texts, ratings, labels = [], [], []
    for group, rating, label in (
        (POSITIVE, 4.0, "positive"),
        (NEGATIVE, -4.0, "negative"),
        (NEUTRAL, 0.0, "neutral"),
    ):
        for text in group * 4:
            texts.append(text)
            ratings.append(rating)
            labels.append(label)
    return texts, ratings, labels


@pytest.mark.parametrize(
    ("compound", "label"),
    [
        (0.05, "positive"),
        (0.0499, "neutral"),
        (0.0, "neutral"),
        (-0.0499, "neutral"),
        (-0.05, "negative"),
        (1.0, "positive"),
        (-1.0, "negative"),
    ],
)
def test_label_uses_the_standard_thresholds(compound: float, label: str) -> None:
    assert label_for(compound) == label


def test_vader_scores_comments_and_sentences() -> None:
    [mixed, empty, single] = analyse([MIXED, "", "Love it"])
    assert mixed.label in ("positive", "negative", "neutral")
    assert [s.label for s in mixed.sentences] == ["negative", "positive"]
    assert mixed.compound == vader_compound([MIXED])[0]
    assert (empty.compound, empty.label, empty.sentences) == (0.0, "neutral", ())
    assert single.label == "positive"
    assert single.sentences[0].compound == single.compound
    assert (single.sentences[0].start, single.sentences[0].end) == (0, 7)


def test_batch_keeps_order_and_length() -> None:
    texts = ["Good. Bad.", "Terrible!", "Fine", "Great. Awful. Okay."]
    results = analyse(texts)
    assert len(results) == 4
    assert [len(r.sentences) for r in results] == [2, 1, 1, 3]
    assert results[1].label == "negative"


@given(st.lists(st.text(max_size=200), max_size=5))
@settings(deadline=None, max_examples=50)
def test_scores_stay_on_the_compound_scale(texts: list[str]) -> None:
    for result in analyse(texts):
        assert -1.0 <= result.compound <= 1.0
        assert result.label == label_for(result.compound)
        for sentence in result.sentences:
            assert -1.0 <= sentence.compound <= 1.0


def test_trained_rating_model_learns_and_round_trips() -> None:
    texts, ratings, _ = training_set()
    model = fit_sentiment_model(texts, ratings=ratings, rating_range=(-4, 4))
    scores, labels = model.predict(["Great service, thank you", "Terrible delays"])
    assert scores[0] > 0.3 > -0.3 > scores[1]
    assert labels == ["positive", "negative"]
    again = SentimentModel.from_bytes(model.to_bytes())
    np.testing.assert_allclose(again.predict(texts)[0], model.predict(texts)[0])
    [result] = analyse(["Great service, thank you. Terrible delays."], model=model)
    assert [s.label for s in result.sentences] == ["positive", "negative"]


def test_trained_label_model_gives_expected_sign_and_most_probable_label() -> None:
    texts, _, labels = training_set()
    model = fit_sentiment_model(texts, labels=labels)
    scores, predicted = model.predict(["Excellent support, very helpful", "Invoice attached"])
    assert scores[0] > 0
    assert predicted == ["positive", "neutral"]
    assert SentimentModel.from_bytes(model.to_bytes()).target == "label"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of ratings or labels"),
        ({"ratings": [1.0, 2.0], "labels": ["positive", "negative"]}, "exactly one"),
        ({"ratings": [1.0, 2.0]}, "need their rating_range"),
        ({"ratings": [1.0], "rating_range": (0, 5)}, "1 targets for 2 texts"),
        ({"ratings": [1.0, 9.0], "rating_range": (0, 5)}, "within"),
        ({"ratings": [1.0, float("nan")], "rating_range": (0, 5)}, "finite"),
        ({"ratings": [1.0, 2.0], "rating_range": (5.0, 1.0)}, "from low to high"),
        ({"labels": ["positive", "great"]}, "unknown sentiment labels"),
        ({"labels": ["positive", "positive"]}, "two different"),
    ],
)
def test_training_input_is_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_sentiment_model(["good", "bad"], **kwargs)  # type: ignore[arg-type]


def test_texts_must_be_strings() -> None:
    with pytest.raises(ValueError, match="single string"):
        analyse("not a list")
    with pytest.raises(ValueError, match=r"texts\[1\] must be a string"):
        analyse(["ok", None])  # type: ignore[list-item]


def test_model_bytes_are_checked() -> None:
    with pytest.raises(ValueError, match="bad magic"):
        SentimentModel.from_bytes(b"pickle me")
    texts, ratings, _ = training_set()
    data = fit_sentiment_model(texts, ratings=ratings, rating_range=(-4, 4)).to_bytes()
    with pytest.raises(ValueError, match="checksum"):
        SentimentModel.from_bytes(data[:-10] + b"0123456789")


def pearson(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


@pytest.mark.reference
@pytest.mark.parametrize(("gold", "anchor"), [("amazon_gold", 0.590), ("movie_gold", 0.427)])
def test_vader_matches_the_reference_correlation(
    gold: str, anchor: float, request: pytest.FixtureRequest
) -> None:
    data: Rated = request.getfixturevalue(gold)
    assert pearson(vader_compound(data.texts), data.ratings) == pytest.approx(anchor, abs=0.02)


@pytest.mark.reference
@pytest.mark.parametrize(("gold", "anchor"), [("amazon_gold", 0.59), ("movie_gold", 0.43)])
def test_trained_model_beats_vader_out_of_fold(
    gold: str, anchor: float, request: pytest.FixtureRequest
) -> None:
    """Every snippet of a gold set scored by a model from 10-fold CV that never saw it.

    The goal is to beat VADER's published correlation with the human mean (0.59 Amazon, 0.43
    movie); measured 0.754 and 0.746. Amazon snippets are grouped by review (the id before
    "_"), so no snippet is scored by a model trained on other snippets of its own review;
    each movie snippet is its own review.
    """
    data: Rated = request.getfixturevalue(gold)
    groups = [i.split("_")[0] for i in data.ids] if "_" in data.ids[0] else None
    oof = cross_validated_scores(
        data.texts, ratings=data.ratings, rating_range=(-4, 4), folds=10, groups=groups
    )
    r = pearson(oof, data.ratings)
    assert r > anchor
    assert r > pearson(vader_compound(data.texts), data.ratings) + 0.15
    assert r > 0.72  # regression floor under the measured figure


def test_boundary_uncertainty_is_highest_at_the_label_boundaries() -> None:
    got = boundary_uncertainty(np.array([0.05, -0.05, 0.0, 0.5, -1.0, 1.0]))
    assert got[:2].tolist() == [1.0, 1.0]
    assert got[2] == pytest.approx(1 - 0.05 / 0.95)
    assert got[3] == pytest.approx(1 - 0.45 / 0.95)
    assert got[4:].tolist() == [0.0, 0.0]


def test_analyse_reports_uncertainty_from_vader_or_the_model() -> None:
    [sure, flat] = analyse(["Excellent, wonderful, thank you!", "The meeting is on Tuesday"])
    assert flat.uncertainty > sure.uncertainty
    texts, _, labels = training_set()
    model = fit_sentiment_model(texts, labels=labels)
    results = analyse([*texts[:2], "meeting"], model=model)
    _, _, spread = model.assess([*texts[:2], "meeting"])
    assert [r.uncertainty for r in results] == pytest.approx(spread.tolist(), abs=1e-4)
    assert all(0 <= r.uncertainty <= 1 for r in results)


def test_cross_validated_predictions_give_stored_labels_and_folds() -> None:
    texts, _, labels = training_set()
    oof = cross_validated_predictions(texts, labels=labels, folds=3)
    assert oof.scores.tolist() == cross_validated_scores(texts, labels=labels, folds=3).tolist()
    assert sorted(set(oof.fold.tolist())) == [0, 1, 2]
    for k in range(3):  # each fold's labels come from the model fitted without that fold
        test = [i for i in range(len(texts)) if oof.fold[i] == k]
        train = [i for i in range(len(texts)) if oof.fold[i] != k]
        model = fit_sentiment_model([texts[i] for i in train], labels=[labels[i] for i in train])
        assert [oof.labels[i] for i in test] == model.predict([texts[i] for i in test])[1]
