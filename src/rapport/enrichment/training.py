"""Training the organisation's theme classifier from people's labels, in the background.

Labels are the themes people confirmed or corrected. The classifier learns each theme that has
at least MIN_THEME_EXAMPLES labelled comments with it and as many without it, on the redacted
text (no personal data in its vocabulary). Accuracy (every theme right) and macro-F1 are
measured by K-fold cross-validation on the labels before the final model is fitted on all.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
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
from rapport.enrichment.models import (
    CommentAnalysis,
    EnrichmentJob,
    JobKind,
    JobStatus,
    ModelKind,
    ResponseTheme,
    TrainedModel,
)
from rapport.text.themes import fit_theme_model

log = logging.getLogger(__name__)

MIN_LABELS = 20
MIN_THEME_EXAMPLES = 8
FOLDS = 5


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


@transaction.atomic
def start_training(*, actor: Actor, via: str = "web") -> EnrichmentJob:
    require(actor, Capability.MANAGE_THEMES, None)
    ready = readiness()
    if not ready.ready:
        raise ValueError(ready.message)
    waiting = EnrichmentJob.objects.filter(
        kind=JobKind.TRAIN, status__in=[JobStatus.PENDING, JobStatus.RUNNING]
    ).first()
    if waiting is not None:
        return waiting
    job = EnrichmentJob.objects.create(
        kind=JobKind.TRAIN,
        reason="train now",
        created_by=actor if actor.is_authenticated else None,
        total=ready.labels,
    )
    record_audit(actor=actor, action=AuditAction.CREATE, instance=job, via=via)
    from rapport.enrichment.tasks import train_themes

    transaction.on_commit(lambda: train_themes.enqueue(job.pk))
    return job


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


def run_training_job(*, job_id: int) -> EnrichmentJob:
    job = EnrichmentJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == JobStatus.SUCCEEDED:
        return job
    job.status, job.started_at, job.error = JobStatus.RUNNING, timezone.now(), ""
    job.save(update_fields=["status", "started_at", "error"])
    try:
        texts, all_labels = _labelled()
        themes = _eligible(all_labels)
        if len(texts) < MIN_LABELS or len(themes) < 2:
            raise ValueError(readiness().message)
        labels = [label & set(themes) for label in all_labels]
        metrics = cross_validate(texts, labels, themes)
        model = fit_theme_model(texts, labels)
        trained = TrainedModel.objects.create(
            kind=ModelKind.THEMES,
            artefact=model.to_bytes(),
            metrics=metrics,
            themes=list(themes),
            labels_used=len(texts),
            trained_by=job.created_by,
            trained_at=timezone.now(),
        )
    except Exception as error:
        log.exception("training job %s failed", job.pk)
        job.status, job.error = JobStatus.FAILED, str(error)
    else:
        job.status, job.trained_model = JobStatus.SUCCEEDED, trained
        job.done = job.analysed = len(texts)
        from rapport.enrichment.services import start_enrichment

        # The new model version re-analyses every comment (labels are kept).
        start_enrichment(actor=None, reason="classifier trained", created_by=job.created_by)
    job.finished_at = timezone.now()
    job.save()
    return job
