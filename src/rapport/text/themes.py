"""Supervised theme classification, uncertainty sampling, and merging with taxonomy rules.

The classifier is a linear SVM on TF-IDF word and character n-grams (optionally plus sentence
embeddings), calibrated by 3-fold cross-validation so that its scores are probabilities.
Multi-class when each comment has one theme, multi-label (one calibrated SVM per theme) when
each has a set of themes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from rapport.text._common import (
    check_texts,
    dump_model,
    load_model,
    margin_uncertainty,
    tfidf_union,
)
from rapport.text.embed import EmbeddingFeatures
from rapport.text.taxonomy import Taxonomy, ThemeHit

Features = Literal["tfidf", "embed"]
Strategy = Literal["least_confidence", "margin"]
Source = Literal["rule", "model", "both"]
MODEL_KIND = "themes"
CALIBRATION_FOLDS = 3
# Every theme needs this many examples (and, multi-label, this many without it) so that each
# calibration fold has one.
MIN_EXAMPLES = CALIBRATION_FOLDS


@dataclass(frozen=True, slots=True)
class ThemeScore:
    theme: str
    confidence: float


@dataclass(frozen=True, slots=True)
class ThemeAssignment:
    """A theme given to a comment, by the taxonomy's rules, the model, or both."""

    theme: str
    confidence: float
    source: Source


@dataclass(frozen=True, slots=True)
class LabellingCandidate:
    index: int
    uncertainty: float


@dataclass(frozen=True, slots=True)
class ThemeModel:
    pipeline: Pipeline
    themes: tuple[str, ...]
    multi_label: bool
    features: Features

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each theme (columns in the order of self.themes) for each text."""
        items = check_texts(texts)
        if not items:
            return np.zeros((0, len(self.themes)))
        return np.asarray(self.pipeline.predict_proba(items), dtype=float)

    def predict(
        self, texts: Sequence[str], *, min_confidence: float = 0.5
    ) -> list[tuple[ThemeScore, ...]]:
        """Multi-class: the likeliest theme; multi-label: every theme, likeliest first.

        Themes whose probability is below min_confidence are left out.
        """
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be within 0..1, got {min_confidence}")
        proba = self.probabilities(texts)
        keep = 1 if not self.multi_label else len(self.themes)
        results = []
        for row in proba:
            best = np.argsort(-row, kind="stable")[:keep]
            results.append(
                tuple(
                    ThemeScore(self.themes[j], round(float(row[j]), 4))
                    for j in best
                    if row[j] >= min_confidence
                )
            )
        return results

    def to_bytes(self) -> bytes:
        return dump_model(
            MODEL_KIND,
            {
                "pipeline": self.pipeline,
                "themes": self.themes,
                "multi_label": self.multi_label,
                "features": self.features,
            },
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> ThemeModel:
        payload = load_model(data, MODEL_KIND)
        return cls(
            pipeline=payload["pipeline"],
            themes=tuple(payload["themes"]),
            multi_label=bool(payload["multi_label"]),
            features=payload["features"],
        )


def fit_theme_model(
    texts: Sequence[str],
    labels: Sequence[str] | Sequence[Collection[str]],
    *,
    features: Features = "tfidf",
) -> ThemeModel:
    """Train on labelled comments: a theme name each (multi-class) or a set each (multi-label).

    features="embed" adds sentence embeddings (the optional extra, see rapport.text.embed).
    """
    items = check_texts(texts)
    if len(labels) != len(items):
        raise ValueError(f"{len(labels)} labels for {len(items)} texts")
    if not items:
        raise ValueError("no labelled comments to train on")
    if features not in ("tfidf", "embed"):
        raise ValueError(f"features must be 'tfidf' or 'embed', got {features!r}")
    multi_label = _is_multi_label(labels)
    svm = CalibratedClassifierCV(LinearSVC(C=0.5), cv=CALIBRATION_FOLDS, ensemble=False)
    if multi_label:
        binarizer = MultiLabelBinarizer()
        y = binarizer.fit_transform([sorted(set(ls)) for ls in labels])
        themes = tuple(str(c) for c in binarizer.classes_)
        _check_counts(themes, y.sum(axis=0), len(items))
        classifier: object = OneVsRestClassifier(svm)
    else:
        y = np.asarray(labels, dtype=object)
        names, counts = np.unique(y, return_counts=True)
        if len(names) < 2:
            raise ValueError("at least two different themes are needed to train a classifier")
        _check_counts([str(n) for n in names], counts, None)
        classifier = svm
    union = tfidf_union()
    if features == "embed":
        union = FeatureUnion([("tfidf", union), ("embed", EmbeddingFeatures())])
    pipeline = Pipeline([("features", union), ("classify", classifier)])
    pipeline.fit(items, y)
    if not multi_label:
        themes = tuple(str(c) for c in pipeline.classes_)  # the order of predict_proba's columns
    return ThemeModel(pipeline, themes, multi_label, features)


def _is_multi_label(labels: Sequence[str] | Sequence[Collection[str]]) -> bool:
    kinds = {isinstance(label, str) for label in labels}
    if len(kinds) > 1:
        raise ValueError("labels must be all theme names or all collections of theme names")
    if kinds == {True}:
        return False
    for i, label in enumerate(labels):
        if not isinstance(label, Collection) or not all(isinstance(t, str) for t in label):
            raise ValueError(f"labels[{i}] must be a theme name or a collection of theme names")
    return True


def _check_counts(themes: Sequence[str], positives: np.ndarray, total: int | None) -> None:
    too_few = [t for t, k in zip(themes, positives, strict=True) if k < MIN_EXAMPLES]
    too_many = [
        t for t, k in zip(themes, positives, strict=True) if total and total - k < MIN_EXAMPLES
    ]
    if too_few:
        raise ValueError(f"themes with fewer than {MIN_EXAMPLES} labelled comments: {too_few}")
    if too_many:
        raise ValueError(
            f"themes on all but fewer than {MIN_EXAMPLES} labelled comments: {too_many}"
        )


def rank_for_labelling(
    model: ThemeModel,
    texts: Sequence[str],
    *,
    strategy: Strategy = "margin",
    limit: int | None = None,
) -> list[LabellingCandidate]:
    """Unlabelled comments ordered by how much a label would teach the model, most first.

    Multi-class: least_confidence is 1 - p(best theme); margin is 1 - (p(best) - p(second)).
    Multi-label: each theme is a yes/no question whose uncertainty is 1 - |2p - 1| (both
    strategies agree for two outcomes); a comment counts as uncertain as its most uncertain
    theme.
    """
    if strategy not in ("least_confidence", "margin"):
        raise ValueError(f"strategy must be 'least_confidence' or 'margin', got {strategy!r}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    proba = model.probabilities(texts)
    if model.multi_label:
        uncertainty = (1 - np.abs(2 * proba - 1)).max(axis=1, initial=0.0)
    else:
        uncertainty = (
            1 - proba.max(axis=1) if strategy == "least_confidence" else margin_uncertainty(proba)
        )
    order = np.argsort(-uncertainty, kind="stable")[:limit]
    return [LabellingCandidate(int(i), round(float(uncertainty[i]), 4)) for i in order]


def combine(
    rule_hits: Sequence[Sequence[ThemeHit]],
    predictions: Sequence[Sequence[ThemeScore]],
) -> list[tuple[ThemeAssignment, ...]]:
    """Merge taxonomy hits (confidence 1) with model predictions, per comment.

    A theme found by both keeps confidence 1 and source "both". Rule themes come first in
    taxonomy order, then model-only themes, most confident first.
    """
    if len(rule_hits) != len(predictions):
        raise ValueError(f"{len(rule_hits)} rule results for {len(predictions)} predictions")
    merged = []
    for hits, scores in zip(rule_hits, predictions, strict=True):
        found: dict[str, ThemeAssignment] = {
            h.theme: ThemeAssignment(h.theme, 1.0, "rule") for h in hits
        }
        for score in sorted(scores, key=lambda s: -s.confidence):
            if score.theme in found:
                found[score.theme] = ThemeAssignment(score.theme, 1.0, "both")
            else:
                found[score.theme] = ThemeAssignment(score.theme, score.confidence, "model")
        merged.append(tuple(found.values()))
    return merged


def assign_themes(
    texts: Sequence[str],
    *,
    taxonomy: Taxonomy,
    model: ThemeModel | None = None,
    min_confidence: float = 0.5,
) -> list[tuple[ThemeAssignment, ...]]:
    """Taxonomy rules and (when given) the model's predictions, combined, for each text."""
    items = check_texts(texts)
    hits = taxonomy.match(items)
    predictions: list[tuple[ThemeScore, ...]] = (
        model.predict(items, min_confidence=min_confidence) if model else [()] * len(items)
    )
    return combine(hits, predictions)
