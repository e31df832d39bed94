"""Sentiment per comment and per sentence: the VADER baseline and a per-organisation model.

Scores are on VADER's compound scale, -1 (most negative) to 1 (most positive); the label uses
VADER's standard thresholds of ±0.05. A trained model (TF-IDF words and characters plus VADER's
own scores, fed to a ridge regression or a logistic regression) learns an organisation's
vocabulary from comments that carry a rating or a label. Each comment also gets an uncertainty
(0 sure … 1 unsure) that says where a person's label would teach most.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from rapport.text._common import (
    check_texts,
    dump_model,
    load_model,
    margin_uncertainty,
    tfidf_union,
)
from rapport.text.sentences import split_sentences

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")
NEUTRAL_BAND = 0.05
MODEL_KIND = "sentiment"


@dataclass(frozen=True, slots=True)
class SentenceSentiment:
    """One sentence, as a span of the comment (so no text is copied), and its score."""

    start: int
    end: int
    compound: float
    label: Label


@dataclass(frozen=True, slots=True)
class Sentiment:
    compound: float
    label: Label
    sentences: tuple[SentenceSentiment, ...]
    # 1 at a label boundary (scores) or with the two likeliest labels equally probable (label
    # model), 0 when sure: the order in which comments are worth labelling.
    uncertainty: float = 0.0


def boundary_uncertainty(compounds: np.ndarray) -> np.ndarray:
    """1 on a label boundary (±NEUTRAL_BAND), falling linearly to 0 at the scale's ends.

    A score just either side of ±0.05 could as well have the other label; a score of 0 (no
    sentiment word, often a domain phrase VADER does not know, e.g. "arrived late") is
    0.05 from both boundaries and so still ranks high.
    """
    distance = np.minimum(np.abs(compounds - NEUTRAL_BAND), np.abs(compounds + NEUTRAL_BAND))
    return np.clip(1 - distance / (1 - NEUTRAL_BAND), 0.0, 1.0)


def label_for(compound: float) -> Label:
    if compound >= NEUTRAL_BAND:
        return "positive"
    if compound <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


@functools.cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # reads its lexicon once per process


def vader_compound(texts: Sequence[str]) -> np.ndarray:
    """VADER's compound score for each text."""
    analyser = _vader()
    return np.array(
        [analyser.polarity_scores(t)["compound"] for t in check_texts(texts)], dtype=float
    )


class VaderFeatures(TransformerMixin, BaseEstimator):
    """VADER's compound, positive, neutral and negative scores as four features."""

    def fit(self, texts: Sequence[str], y: Any = None) -> VaderFeatures:
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        analyser = _vader()
        rows = [analyser.polarity_scores(t) for t in texts]
        return np.array([[r["compound"], r["pos"], r["neu"], r["neg"]] for r in rows])


@dataclass(frozen=True, slots=True)
class SentimentModel:
    """A fitted sentiment model; predicts compound-scale scores and labels."""

    pipeline: Pipeline
    target: Literal["rating", "label"]

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, list[Label]]:
        scores, labels, _ = self.assess(texts)
        return scores, labels

    def assess(self, texts: Sequence[str]) -> tuple[np.ndarray, list[Label], np.ndarray]:
        """Scores, labels and labelling uncertainty of each text, in one pass."""
        items = check_texts(texts)
        if not items:
            return np.zeros(0), [], np.zeros(0)
        if self.target == "rating":
            scores = np.clip(self.pipeline.predict(items), -1.0, 1.0)
            return scores, [label_for(s) for s in scores], boundary_uncertainty(scores)
        # The expected label on a -1/0/1 scale; the label itself is the most probable one.
        proba = self.pipeline.predict_proba(items)
        classes = list(self.pipeline.classes_)
        signs = np.array([{"negative": -1.0, "neutral": 0.0, "positive": 1.0}[c] for c in classes])
        labels = [cast(Label, classes[i]) for i in proba.argmax(axis=1)]
        return proba @ signs, labels, margin_uncertainty(proba)

    def to_bytes(self) -> bytes:
        return dump_model(MODEL_KIND, {"pipeline": self.pipeline, "target": self.target})

    @classmethod
    def from_bytes(cls, data: bytes) -> SentimentModel:
        payload = load_model(data, MODEL_KIND)
        return cls(pipeline=payload["pipeline"], target=payload["target"])


def analyse(texts: Sequence[str], *, model: SentimentModel | None = None) -> list[Sentiment]:
    """Sentiment of each comment and of each of its sentences, by VADER or by a trained model.

    A one-sentence comment's sentence reuses the comment's score; all other sentences of the
    batch are scored in one call.
    """
    items = check_texts(texts)
    spans = [split_sentences(t) for t in items]
    pieces = [t[s:e] for t, sp in zip(items, spans, strict=True) if len(sp) > 1 for s, e in sp]
    scores, labels, uncertainty = _score([*items, *pieces], model)
    results: list[Sentiment] = []
    cursor = len(items)
    for i, sp in enumerate(spans):
        sentences: tuple[SentenceSentiment, ...]
        if len(sp) == 1:
            sentences = (SentenceSentiment(sp[0][0], sp[0][1], scores[i], labels[i]),)
        else:
            sentences = tuple(
                SentenceSentiment(s, e, scores[cursor + k], labels[cursor + k])
                for k, (s, e) in enumerate(sp)
            )
            cursor += len(sp)
        results.append(Sentiment(scores[i], labels[i], sentences, uncertainty[i]))
    return results


def _score(
    texts: list[str], model: SentimentModel | None
) -> tuple[list[float], list[Label], list[float]]:
    if model is None:
        compounds = vader_compound(texts)
        spread = boundary_uncertainty(compounds)
        return compounds.tolist(), [label_for(c) for c in compounds], spread.round(4).tolist()
    values, labels, spread = model.assess(texts)
    return [round(float(v), 4) for v in values], labels, spread.round(4).tolist()


def fit_sentiment_model(
    texts: Sequence[str],
    *,
    ratings: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
    rating_range: tuple[float, float] | None = None,
) -> SentimentModel:
    """Fit a model from comments with a numeric rating (on rating_range, e.g. (0, 10)) or a label.

    Ratings are mapped linearly onto -1..1 (the low end to -1) and fitted by ridge regression;
    labels (negative/neutral/positive) by logistic regression.
    """
    items = check_texts(texts)
    target, y = _targets(len(items), ratings, labels, rating_range)
    estimator = Ridge(alpha=1.0) if target == "rating" else LogisticRegression(C=3, max_iter=2000)
    pipeline = Pipeline(
        [
            ("features", FeatureUnion([("tfidf", tfidf_union()), ("vader", VaderFeatures())])),
            ("model", estimator),
        ]
    )
    pipeline.fit(items, y)
    return SentimentModel(pipeline=pipeline, target=target)


def cross_validated_scores(
    texts: Sequence[str],
    *,
    ratings: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
    rating_range: tuple[float, float] | None = None,
    folds: int = 5,
    groups: Sequence[str] | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Out-of-fold compound scores: each text scored by a model that never saw it.

    groups keeps related texts (e.g. snippets of one review) in the same fold.
    """
    return cross_validated_predictions(
        texts,
        ratings=ratings,
        labels=labels,
        rating_range=rating_range,
        folds=folds,
        groups=groups,
        seed=seed,
    ).scores


@dataclass(frozen=True, slots=True)
class OutOfFold:
    """Each text's score and label from a model that never saw it, and the fold it was in
    (so a baseline can be measured on exactly the same folds)."""

    scores: np.ndarray
    labels: list[Label]
    fold: np.ndarray


def cross_validated_predictions(
    texts: Sequence[str],
    *,
    ratings: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
    rating_range: tuple[float, float] | None = None,
    folds: int = 5,
    groups: Sequence[str] | None = None,
    seed: int = 0,
) -> OutOfFold:
    """Out-of-fold scores and labels (the label the fitted model would store, e.g. the most
    probable one for a label model), with each text's fold number."""
    items = check_texts(texts)
    target, y = _targets(len(items), ratings, labels, rating_range)
    if groups is not None:
        if len(groups) != len(items):
            raise ValueError(f"groups has {len(groups)} items for {len(items)} texts")
        splits = GroupKFold(folds).split(items, y, list(groups))
    elif target == "label":
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(items, y)
    else:
        splits = KFold(folds, shuffle=True, random_state=seed).split(items)
    out = np.zeros(len(items))
    out_labels: list[Label] = ["neutral"] * len(items)
    fold_of = np.zeros(len(items), dtype=int)
    for k, (train, test) in enumerate(splits):
        model = fit_sentiment_model(
            [items[i] for i in train],
            ratings=None if ratings is None else [ratings[i] for i in train],
            labels=None if labels is None else [labels[i] for i in train],
            rating_range=rating_range,
        )
        scores, predicted = model.predict([items[i] for i in test])
        out[test] = scores
        fold_of[test] = k
        for i, label in zip(test, predicted, strict=True):
            out_labels[i] = label
    return OutOfFold(out, out_labels, fold_of)


def _targets(
    n: int,
    ratings: Sequence[float] | None,
    labels: Sequence[str] | None,
    rating_range: tuple[float, float] | None,
) -> tuple[Literal["rating", "label"], np.ndarray]:
    if (ratings is None) == (labels is None):
        raise ValueError("give exactly one of ratings or labels")
    given = cast(Sequence[Any], ratings if ratings is not None else labels)
    if len(given) != n:
        raise ValueError(f"{len(given)} targets for {n} texts")
    if n < 2:
        raise ValueError("at least two labelled comments are needed")
    if ratings is not None:
        if rating_range is None:
            raise ValueError("ratings need their rating_range, e.g. (1, 5) or (0, 10)")
        low, high = rating_range
        if not low < high:
            raise ValueError(f"rating_range must run from low to high, got {rating_range}")
        values = np.asarray(ratings, dtype=float)
        if not np.all(np.isfinite(values)) or values.min() < low or values.max() > high:
            raise ValueError(f"ratings must be finite and within {rating_range}")
        return "rating", 2 * (values - low) / (high - low) - 1
    unknown = sorted(set(cast(Sequence[str], labels)) - set(LABELS))
    if unknown:
        raise ValueError(f"unknown sentiment labels {unknown}; use {list(LABELS)}")
    y = np.asarray(labels, dtype=object)
    if len(set(y)) < 2:
        raise ValueError("labels must include at least two different sentiments")
    return "label", y
