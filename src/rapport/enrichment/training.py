"""Training the organisation's text models from people's labels, in the background.

Theme classifier: labels are the themes people confirmed or corrected. It learns each theme
that has at least MIN_THEME_EXAMPLES labelled comments with it and as many without it.
Accuracy (every theme right) and macro-F1 are measured by K-fold cross-validation on the
labels before the final model is fitted on all. It is put in force when trained.

Sentiment model: labels are the sentiments people set (negative, neutral, positive); it is
trained once each has MIN_SENTIMENT_PER_LABEL comments and MIN_SENTIMENT_SAMPLED of the labels
were random picks of the queue. Its out-of-fold labels of the random picks are compared with
VADER's on exactly the same folds, and it is put in force only when it beats VADER there
(macro-F1 higher by SENTIMENT_MIN_GAIN, accuracy not lower); otherwise it is kept, inactive,
as history with the reason. A manager can switch back to VADER at any time.

Both train on the redacted text, so no personal data enters a model's vocabulary; both run as
an EnrichmentJob through the worker, and a model put in force changes the version in
`services.models_in_force()`, so every comment is analysed again (people's labels are kept).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import KFold
from sklearn.preprocessing import MultiLabelBinarizer

from rapport.core.access import Actor, Capability, require
from rapport.core.models import AuditAction
from rapport.core.services import record_audit
from rapport.enrichment import selectors, tasks
from rapport.enrichment.models import (
    CommentAnalysis,
    EnrichmentJob,
    JobKind,
    JobStatus,
    ModelKind,
    ResponseTheme,
    TrainedModel,
)
from rapport.enrichment.queueing import start_enrichment
from rapport.text.sentiment import (
    LABELS,
    cross_validated_predictions,
    fit_sentiment_model,
    label_for,
    vader_compound,
)
from rapport.text.themes import fit_theme_model

log = logging.getLogger(__name__)

MIN_LABELS = 20
MIN_THEME_EXAMPLES = 8
FOLDS = 5
# Ten a label gives every one of five stratified folds two examples of each label to test on,
# and the model enough of each to learn from; fewer and the comparison with VADER is noise.
MIN_SENTIMENT_PER_LABEL = 10
# Random picks of the sentiment queue that a model is judged on: twenty make the comparison
# with VADER about the comments as a whole, not only the hard ones (still noisy: shown, and
# a manager can switch back).
MIN_SENTIMENT_SAMPLED = 20
# A tie or a rounding-level win does not justify re-analysing every comment with a new model.
# This is no significance test (a few dozen labels are noisy either way): the figures are shown
# and a manager can switch back to VADER.
SENTIMENT_MIN_GAIN = 0.02


@dataclass(frozen=True, slots=True)
class Readiness:
    labels: int
    themes: tuple[str, ...]  # slugs with enough examples either way
    ready: bool
    message: str


def _labelled() -> tuple[list[str], list[frozenset[str]]]:
    analyses = list(
        CommentAnalysis.objects.filter(labelled_at__isnull=False, response__isnull=False)
        .order_by("pk")
        .values_list("pk", "redacted")
    )
    themes: dict[int, set[str]] = defaultdict(set)
    rows = ResponseTheme.objects.filter(analysis_id__in=[a[0] for a in analyses]).values_list(
        "analysis_id", "theme__slug"
    )
    for analysis_id, slug in rows:
        themes[analysis_id].add(slug)
    return [a[1] for a in analyses], [frozenset(themes[a[0]]) for a in analyses]


def _eligible(labels: list[frozenset[str]]) -> tuple[str, ...]:
    counts = Counter(slug for label in labels for slug in label)
    total = len(labels)
    return tuple(
        sorted(
            slug
            for slug, k in counts.items()
            if k >= MIN_THEME_EXAMPLES and total - k >= MIN_THEME_EXAMPLES
        )
    )


def readiness() -> Readiness:
    _, labels = _labelled()
    themes = _eligible(labels)
    if len(labels) < MIN_LABELS:
        message = f"{len(labels)} comments labelled; the classifier needs at least {MIN_LABELS}."
    elif len(themes) < 2:
        message = (
            f"{len(labels)} comments labelled, but fewer than two themes have "
            f"{MIN_THEME_EXAMPLES} examples with and without them."
        )
    else:
        message = f"{len(labels)} comments labelled; {len(themes)} themes can be learnt."
    return Readiness(len(labels), themes, len(labels) >= MIN_LABELS and len(themes) >= 2, message)


def cross_validate(
    texts: list[str], labels: list[frozenset[str]], themes: tuple[str, ...], *, folds: int = FOLDS
) -> dict[str, object]:
    """Out-of-fold predictions of the classifier: accuracy, macro-F1 and per-theme figures."""
    binarizer = MultiLabelBinarizer(classes=list(themes))
    y_true = binarizer.fit_transform(labels)
    y_pred = np.zeros_like(y_true)
    predicted = np.zeros(len(texts), dtype=bool)
    splits = KFold(min(folds, len(texts)), shuffle=True, random_state=0).split(texts)
    used = 0
    for train, test in splits:
        try:
            model = fit_theme_model([texts[i] for i in train], [labels[i] for i in train])
        except ValueError:  # a theme too rare in this fold's training part
            continue
        found = model.predict([texts[i] for i in test], min_confidence=0.5)
        y_pred[test] = binarizer.transform([{s.theme for s in f} & set(themes) for f in found])
        predicted[test] = True
        used += 1
    if not predicted.any():
        return {"folds": 0}
    t, p = y_true[predicted], y_pred[predicted]
    precision, recall, f1, support = precision_recall_fscore_support(t, p, zero_division=0)
    return {
        "folds": used,
        "evaluated": int(predicted.sum()),
        "accuracy": round(float(accuracy_score(t, p)), 4),
        "macro_f1": round(float(f1_score(t, p, average="macro", zero_division=0)), 4),
        "themes": {
            slug: {
                "precision": round(float(precision[j]), 4),
                "recall": round(float(recall[j]), 4),
                "f1": round(float(f1[j]), 4),
                "support": int(support[j]),
            }
            for j, slug in enumerate(themes)
        },
    }


@dataclass(frozen=True, slots=True)
class SentimentReadiness:
    labels: int  # comments whose sentiment a person set
    counts: dict[str, int]  # per label, in LABELS order
    needed: int  # per label
    sampled: int  # of them labelled as random picks
    needed_sampled: int
    ready: bool
    message: str

    @property
    def progress(self) -> int:
        """Labels that count towards readiness (each label's up to `needed`, random picks up to
        `needed_sampled`): the n of "n of m labels"."""
        return sum(min(k, self.needed) for k in self.counts.values()) + min(
            self.sampled, self.needed_sampled
        )

    @property
    def required(self) -> int:
        return self.needed * len(self.counts) + self.needed_sampled

    @property
    def short_labels(self) -> list[str]:
        """Sentiments with fewer labels than needed (the queue suggests them first)."""
        return [label for label, k in self.counts.items() if k < self.needed]

    @property
    def rows(self) -> list[tuple[str, int, bool]]:
        """(label, comments with it, whether that is enough) for the page."""
        return [(label, k, k >= self.needed) for label, k in self.counts.items()]


def _sentiment_readiness(counts: dict[str, int], sampled: int) -> SentimentReadiness:
    counts = {label: counts.get(label, 0) for label in LABELS}
    total = sum(counts.values())
    short = [f"{MIN_SENTIMENT_PER_LABEL - k} more {label}" for label, k in counts.items()
             if k < MIN_SENTIMENT_PER_LABEL]  # fmt: skip
    if sampled < MIN_SENTIMENT_SAMPLED:
        short.append(f"{MIN_SENTIMENT_SAMPLED - sampled} more random picks")
    if short:
        message = (
            f"{total} comments with a sentiment label ({sampled} random picks); the model needs "
            f"{MIN_SENTIMENT_PER_LABEL} of each sentiment and {MIN_SENTIMENT_SAMPLED} random "
            f"picks: {', '.join(short)}."
        )
    else:
        message = f"{total} comments with a sentiment label ({sampled} random picks): enough."
    return SentimentReadiness(
        total,
        counts,
        MIN_SENTIMENT_PER_LABEL,
        sampled,
        MIN_SENTIMENT_SAMPLED,
        not short,
        message,
    )


def sentiment_readiness() -> SentimentReadiness:
    return _sentiment_readiness(*selectors.sentiment_label_counts())


def _sentiment_labelled() -> tuple[list[str], list[str], list[bool]]:
    rows = list(
        CommentAnalysis.objects.filter(sentiment_labelled_at__isnull=False, response__isnull=False)
        .order_by("pk")
        .values_list("redacted", "label", "sentiment_sampled")
    )
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def compare_with_vader(
    texts: Sequence[str],
    labels: Sequence[str],
    sampled: Sequence[bool],
    *,
    folds: int = FOLDS,
) -> dict[str, object]:
    """The model's out-of-fold labels against VADER's on the same comments and folds.

    Every label trains (the folds are stratified over all of them), but the figures that decide
    are those of the random picks (`sampled`): the other labels are the comments the queue
    found hardest, and a model can beat VADER there while doing worse on the comments as a
    whole (the demo: 0.98 against 0.16 macro-F1 on uncertain comments, 0.50 against 0.65
    accuracy on all the rest). VADER does not learn, so its label of a comment is the same in
    any fold; measuring it on the same folds makes the comparison like for like.
    """
    counts = Counter(labels)
    k = max(2, min(folds, min(counts.values())))
    oof = cross_validated_predictions(list(texts), labels=list(labels), folds=k, seed=0)
    vader = [label_for(c) for c in vader_compound(list(texts))]
    truth = np.asarray(labels, dtype=object)
    picked = np.asarray(sampled, dtype=bool)

    def figures(predicted: Sequence[str], where: np.ndarray) -> dict[str, float]:
        t, p = truth[where], np.asarray(predicted, dtype=object)[where]
        return {
            "accuracy": round(float(accuracy_score(t, p)), 4),
            "macro_f1": round(
                float(f1_score(t, p, labels=list(LABELS), average="macro", zero_division=0)), 4
            ),
        }

    model, baseline = figures(oof.labels, picked), figures(vader, picked)
    everything = np.ones(len(truth), dtype=bool)
    per_fold: list[dict[str, object]] = []
    won = 0
    for fold in range(k):
        where = (oof.fold == fold) & picked
        if not where.any():
            continue
        mine, theirs = figures(oof.labels, where), figures(vader, where)
        won += mine["macro_f1"] > theirs["macro_f1"]
        per_fold.append({"fold": fold, "n": int(where.sum()), "model": mine, "vader": theirs})
    gain = model["macro_f1"] - baseline["macro_f1"]
    beats = gain >= SENTIMENT_MIN_GAIN and model["accuracy"] >= baseline["accuracy"]
    figures_text = (
        f"on {int(picked.sum())} random picks, macro-F1 {model['macro_f1']:.2f} against "
        f"VADER's {baseline['macro_f1']:.2f}, accuracy {model['accuracy']:.2f} against "
        f"{baseline['accuracy']:.2f} (the same {k} folds)"
    )
    if beats:
        decision = f"Put in force: {figures_text}."
    elif gain < SENTIMENT_MIN_GAIN:
        decision = (
            f"Not put in force: {figures_text}; it must beat VADER's macro-F1 by "
            f"{SENTIMENT_MIN_GAIN:.2f}."
        )
    else:
        decision = f"Not put in force: {figures_text}; its accuracy is below VADER's."
    return {
        **model,
        "folds": k,
        "evaluated": int(picked.sum()),
        "classes": {label: counts.get(label, 0) for label in LABELS},
        "vader": baseline,
        "all_labels": {
            "n": len(truth),
            "model": figures(oof.labels, everything),
            "vader": figures(vader, everything),
        },
        "per_fold": per_fold,
        "folds_won": won,
        "beats_vader": beats,
        "decision": decision,
    }


# --- jobs -------------------------------------------------------------------------------------


def _train_themes(job: EnrichmentJob) -> TrainedModel:
    texts, all_labels = _labelled()
    themes = _eligible(all_labels)
    if len(texts) < MIN_LABELS or len(themes) < 2:
        raise ValueError(readiness().message)
    labels = [label & set(themes) for label in all_labels]
    metrics = cross_validate(texts, labels, themes)
    model = fit_theme_model(texts, labels)
    return TrainedModel.objects.create(
        kind=ModelKind.THEMES,
        artefact=model.to_bytes(),
        metrics=metrics,
        themes=list(themes),
        labels_used=len(texts),
        trained_by=job.created_by,
        trained_at=timezone.now(),
    )


def _train_sentiment(job: EnrichmentJob) -> TrainedModel:
    texts, labels, sampled = _sentiment_labelled()
    ready = _sentiment_readiness(Counter(labels), sum(sampled))
    if not ready.ready:
        raise ValueError(ready.message)
    metrics = compare_with_vader(texts, labels, sampled)
    model = fit_sentiment_model(texts, labels=labels)
    return TrainedModel.objects.create(
        kind=ModelKind.SENTIMENT,
        artefact=model.to_bytes(),
        metrics=metrics,
        labels_used=len(texts),
        active=bool(metrics["beats_vader"]),
        trained_by=job.created_by,
        trained_at=timezone.now(),
    )


@dataclass(frozen=True, slots=True)
class _Trainer:
    """What differs between the kinds of model; the job around them is the same."""

    job_kind: JobKind
    readiness: Callable[[], Readiness | SentimentReadiness]
    train: Callable[[EnrichmentJob], TrainedModel]
    task: str  # in rapport.enrichment.tasks
    reason: str  # of the re-analysis once the model is in force


TRAINERS: dict[ModelKind, _Trainer] = {
    ModelKind.THEMES: _Trainer(
        JobKind.TRAIN, readiness, _train_themes, "train_themes", "classifier trained"
    ),
    ModelKind.SENTIMENT: _Trainer(
        JobKind.TRAIN_SENTIMENT,
        sentiment_readiness,
        _train_sentiment,
        "train_sentiment",
        "sentiment model trained",
    ),
}
_BY_JOB_KIND = {t.job_kind: t for t in TRAINERS.values()}


@transaction.atomic
def start_training(
    *, actor: Actor, kind: ModelKind = ModelKind.THEMES, via: str = "web"
) -> EnrichmentJob:
    """Queue the training of a model of this kind (one waiting or running job per kind)."""
    require(actor, Capability.MANAGE_THEMES, None)
    trainer = TRAINERS[kind]
    ready = trainer.readiness()
    if not ready.ready:
        raise ValueError(ready.message)
    waiting = EnrichmentJob.objects.filter(
        kind=trainer.job_kind, status__in=[JobStatus.PENDING, JobStatus.RUNNING]
    ).first()
    if waiting is not None:
        return waiting
    job = EnrichmentJob.objects.create(
        kind=trainer.job_kind,
        reason="train now",
        created_by=actor if actor.is_authenticated else None,
        total=ready.labels,
    )
    record_audit(actor=actor, action=AuditAction.CREATE, instance=job, via=via)
    task = getattr(tasks, trainer.task)
    transaction.on_commit(lambda: task.enqueue(job.pk))
    return job


def run_training_job(*, job_id: int) -> EnrichmentJob:
    job = EnrichmentJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == JobStatus.SUCCEEDED:
        return job
    trainer = _BY_JOB_KIND[JobKind(job.kind)]
    job.status, job.started_at, job.error = JobStatus.RUNNING, timezone.now(), ""
    job.save(update_fields=["status", "started_at", "error"])
    try:
        trained = trainer.train(job)
    except Exception as error:
        log.exception("training job %s failed", job.pk)
        job.status, job.error = JobStatus.FAILED, str(error)
    else:
        job.status, job.trained_model = JobStatus.SUCCEEDED, trained
        job.done = job.analysed = trained.labels_used
        if trained.active:
            # The new model version re-analyses every comment (labels are kept).
            start_enrichment(actor=None, reason=trainer.reason, created_by=job.created_by)
    job.finished_at = timezone.now()
    job.save()
    return job


@transaction.atomic
def use_vader(*, actor: Actor, via: str = "web") -> int:
    """Take every trained sentiment model out of force, so VADER scores comments again; returns
    how many were in force. The models stay as history; every comment is analysed again."""
    require(actor, Capability.CHOOSE_MODELS, None)
    retired = list(
        TrainedModel.objects.filter(kind=ModelKind.SENTIMENT, active=True)
        .select_for_update()
        .defer("artefact")
    )
    if not retired:
        return 0
    who = actor.get_username() if actor.is_authenticated else "someone"
    when = timezone.localtime().strftime("%d %b %Y %H:%M")
    for trained in retired:
        trained.active = False
        trained.metrics = {
            **trained.metrics,
            "retired": f"Switched back to VADER by {who}, {when}.",
        }
        trained.save(update_fields=["active", "metrics"])
        record_audit(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=trained,
            changed_fields=["active"],
            via=via,
            detail="switched back to VADER",
        )
    start_enrichment(actor=None, reason="back to VADER", created_by=actor)
    return len(retired)
