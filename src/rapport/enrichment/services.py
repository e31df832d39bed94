"""Every write of comment analysis: enrich batches, run enrichment jobs, label comments.

Enrichment is idempotent: a comment is analysed again only when it has no analysis, its
analysis was made by another model version (taxonomy, classifier or sentiment model changed),
or the response changed after it was analysed. Themes and sentiment a person set are never
replaced.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from rapport.core.access import Actor, Capability, require
from rapport.core.models import AuditAction
from rapport.core.services import record_audit
from rapport.customers.public import contact_names_by_account
from rapport.enrichment.models import (
    CommentAnalysis,
    EnrichmentJob,
    JobKind,
    JobStatus,
    ModelKind,
    ResponseTheme,
    Theme,
    ThemeSource,
    TrainedModel,
)
from rapport.enrichment.queueing import start_enrichment as start_enrichment  # re-exported
from rapport.enrichment.rollups import ThemeDelta
from rapport.enrichment.taxonomy import (
    TaxonomyInForce,
    current_taxonomy,
    install_standard_taxonomy,
)
from rapport.feedback.models import Response
from rapport.text.language import detect
from rapport.text.redact import NameMatcher, Redacted, redact
from rapport.text.sentiment import LABELS, SentimentModel, analyse
from rapport.text.themes import ThemeModel, combine, rank_for_labelling

log = logging.getLogger(__name__)

BATCH = 1000
MIN_MODEL_CONFIDENCE = 0.5
# e3: analyses also store the model's own label, the sentiment uncertainty and the random key
# the sentiment labelling queue picks by, so every comment analysed before is analysed again.
VERSION_PREFIX = "e3"


@dataclass(frozen=True, slots=True)
class ModelsInForce:
    taxonomy: TaxonomyInForce
    theme_model_id: int | None
    theme_model: ThemeModel | None
    sentiment_model_id: int | None
    sentiment_model: SentimentModel | None

    @property
    def version(self) -> str:
        themes = self.theme_model_id or "-"
        sentiment = self.sentiment_model_id or "vader"
        return f"{VERSION_PREFIX};tax:{self.taxonomy.version};themes:{themes};sent:{sentiment}"


@functools.lru_cache(maxsize=4)
def _theme_model(pk: int) -> ThemeModel:
    return ThemeModel.from_bytes(bytes(TrainedModel.objects.get(pk=pk).artefact))


@functools.lru_cache(maxsize=4)
def _sentiment_model(pk: int) -> SentimentModel:
    return SentimentModel.from_bytes(bytes(TrainedModel.objects.get(pk=pk).artefact))


def models_in_force() -> ModelsInForce:
    """The taxonomy and the newest active trained models (loaded once per process)."""
    current: dict[str, int] = {}
    newest_first = TrainedModel.objects.filter(active=True).order_by("-trained_at", "-pk")
    for kind, pk in newest_first.values_list("kind", "pk"):
        current.setdefault(kind, pk)
    theme_id = current.get(ModelKind.THEMES)
    sentiment_id = current.get(ModelKind.SENTIMENT)
    return ModelsInForce(
        taxonomy=current_taxonomy(),
        theme_model_id=theme_id,
        theme_model=_theme_model(theme_id) if theme_id else None,
        sentiment_model_id=sentiment_id,
        sentiment_model=_sentiment_model(sentiment_id) if sentiment_id else None,
    )


def pending_responses(version: str) -> QuerySet[Response]:
    """Responses with a comment whose analysis is missing, of another version, or older."""
    return Response.objects.exclude(comment="").filter(
        Q(analysis__isnull=True)
        | ~Q(analysis__model_version=version)
        | Q(updated_at__gt=F("analysis__analysed_at"))
    )


def orphan_analyses() -> QuerySet[CommentAnalysis]:
    """Analyses whose response was deleted or whose comment was emptied."""
    return CommentAnalysis.objects.filter(Q(response__isnull=True) | Q(response__comment=""))


def _theme_keys(rows: Sequence[ResponseTheme], slugs: dict[int, str]) -> list[str]:
    return [slugs[r.theme_id] for r in rows]


@dataclass
class BatchResult:
    analysed: int = 0
    labels_kept: int = 0


def enrich_responses(response_ids: Sequence[int], *, models: ModelsInForce) -> BatchResult:
    """Analyse these responses' comments if they need it; one transaction."""
    with transaction.atomic():
        return _enrich_locked(list(response_ids), models)


def _enrich_locked(ids: list[int], models: ModelsInForce) -> BatchResult:
    version = models.version
    # Locking the responses (PostgreSQL; SQLite serialises writers) and re-checking that they
    # are pending makes two workers on the same batch harmless: the second finds nothing.
    rows = list(
        pending_responses(version)
        .filter(pk__in=ids)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "account_id", "submitted_at", "comment")
    )
    result = BatchResult()
    if not rows:
        return result
    themes = models.taxonomy.themes
    theme_ids = {slug: t.pk for slug, t in themes.items()}
    slugs = {t.pk: slug for slug, t in themes.items()}
    active = {slug for slug, t in themes.items() if t.active}
    existing = {
        a.response_id: a
        for a in CommentAnalysis.objects.filter(response_id__in=[r[0] for r in rows])
    }
    old_themes: dict[int, list[ResponseTheme]] = defaultdict(list)
    for rt in ResponseTheme.objects.filter(analysis__in=list(existing.values())):
        old_themes[rt.analysis_id].append(rt)

    texts = [r[3] for r in rows]
    redactions = _redact_by_account(rows)
    redacted = [r.text for r in redactions]
    languages = detect(texts)
    sentiments = analyse(texts, model=models.sentiment_model)
    hits = models.taxonomy.taxonomy.match(texts)
    model = models.theme_model
    # The classifier reads redacted text: it was trained on redacted text, so no personal
    # data ends up in its vocabulary.
    predictions = (
        model.predict(redacted, min_confidence=MIN_MODEL_CONFIDENCE) if model else [()] * len(rows)
    )
    assigned = combine(hits, predictions)
    uncertainty: dict[int, float] = {}
    if model is not None:
        uncertainty = {c.index: c.uncertainty for c in rank_for_labelling(model, redacted)}

    delta = ThemeDelta()
    now = timezone.now()
    keep: list[CommentAnalysis] = []
    fresh: list[tuple[CommentAnalysis, list[tuple[str, float, str]]]] = []
    for i, (pk, account_id, submitted_at, _comment) in enumerate(rows):
        old = existing.get(pk)
        if old is not None:
            delta.add(
                account_id=old.account_id,
                submitted_at=old.submitted_at,
                compound=old.compound,
                theme_keys=_theme_keys(old_themes[old.pk], slugs),
                sign=-1,
            )
        sentiment = sentiments[i]
        # A row with a person's label is updated in place so the label survives; any other is
        # replaced (with its themes).
        labelled = old is not None and (old.labelled_at or old.sentiment_labelled_at)
        analysis = old if old is not None and labelled else CommentAnalysis(response_id=pk)
        analysis.account_id = account_id
        analysis.submitted_at = submitted_at
        analysis.language = languages[i].code
        analysis.language_confidence = languages[i].confidence
        analysis.compound = round(float(sentiment.compound), 4)
        analysis.model_label = sentiment.label
        if not analysis.sentiment_labelled_at:
            analysis.label = sentiment.label
        analysis.sentiment_uncertainty = sentiment.uncertainty
        if analysis.sample_key is None:
            analysis.sample_key = random.random()  # a sampling order, not a secret
        analysis.sentences = [
            [s.start, s.end, round(float(s.compound), 4), s.label] for s in sentiment.sentences
        ]
        analysis.redacted = redacted[i]
        analysis.pii_kinds = sorted({f.kind for f in redactions[i].found})
        analysis.uncertainty = uncertainty.get(i)
        analysis.model_version = version
        analysis.analysed_at = now
        if labelled:
            keep.append(analysis)
            result.labels_kept += 1
        if analysis.labelled_at:
            keys = _theme_keys(old_themes[analysis.pk], slugs)
            analysis.themes_found = len(keys)
        else:
            found = [
                (a.theme, a.confidence, str(a.source)) for a in assigned[i] if a.theme in active
            ]
            keys = [theme for theme, _, _ in found]
            analysis.themes_found = len(found)
            fresh.append((analysis, found))
        delta.add(
            account_id=account_id,
            submitted_at=submitted_at,
            compound=analysis.compound,
            theme_keys=keys,
            sign=+1,
        )
    replaced = [a.pk for a in existing.values() if not (a.labelled_at or a.sentiment_labelled_at)]
    if replaced:
        CommentAnalysis.objects.filter(pk__in=replaced).delete()  # and their themes
    # Rows kept for their sentiment label get the run's themes like any other.
    rethemed = [a.pk for a, _ in fresh if a.pk is not None]
    if rethemed:
        ResponseTheme.objects.filter(analysis_id__in=rethemed).delete()
    if keep:
        CommentAnalysis.objects.bulk_update(keep, fields=_UPDATED_FIELDS, batch_size=500)
    CommentAnalysis.objects.bulk_create([a for a, _ in fresh if a.pk is None], batch_size=500)
    ResponseTheme.objects.bulk_create(
        [
            ResponseTheme(
                analysis_id=analysis.pk,
                theme_id=theme_ids[theme],
                confidence=confidence,
                source=source,
            )
            for analysis, found in fresh
            for theme, confidence, source in found
        ],
        batch_size=1000,
    )
    delta.flush()
    result.analysed = len(rows)
    return result


_UPDATED_FIELDS = [
    "account",
    "submitted_at",
    "language",
    "language_confidence",
    "compound",
    "label",
    "model_label",
    "sentiment_uncertainty",
    "sample_key",
    "sentences",
    "redacted",
    "pii_kinds",
    "themes_found",
    "uncertainty",
    "model_version",
    "analysed_at",
]


def _redact_by_account(rows: Sequence[tuple[int, int, object, str]]) -> list[Redacted]:
    """Each comment redacted with the names of its own account's contacts."""
    by_account: dict[int, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_account[row[1]].append(i)
    names = contact_names_by_account(list(by_account))
    out: list[Redacted] = [Redacted("", ())] * len(rows)
    for account_id, indexes in by_account.items():
        matcher = NameMatcher.from_names(names.get(account_id, []))
        found = redact([rows[i][3] for i in indexes], names=matcher)
        for i, red in zip(indexes, found, strict=True):
            out[i] = red
    return out


def remove_orphans(*, slugs: dict[int, str], limit: int = BATCH) -> int:
    """Take the analyses of deleted or emptied comments out of the rollups; returns how many."""
    with transaction.atomic():
        orphans = list(orphan_analyses().select_for_update(of=("self",)).order_by("pk")[:limit])
        if not orphans:
            return 0
        themes: dict[int, list[ResponseTheme]] = defaultdict(list)
        for rt in ResponseTheme.objects.filter(analysis__in=orphans):
            themes[rt.analysis_id].append(rt)
        delta = ThemeDelta()
        for a in orphans:
            delta.add(
                account_id=a.account_id,
                submitted_at=a.submitted_at,
                compound=a.compound,
                theme_keys=_theme_keys(themes[a.pk], slugs),
                sign=-1,
            )
        CommentAnalysis.objects.filter(pk__in=[a.pk for a in orphans]).delete()
        delta.flush()
        return len(orphans)


# --- jobs -------------------------------------------------------------------------------------


def enqueue_if_pending() -> EnrichmentJob | None:
    """Periodic (worker): queue a run when comments wait, e.g. from the API or manual notes."""
    if EnrichmentJob.objects.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING]).exists():
        return None
    version = models_in_force().version
    if not (pending_responses(version).exists() or orphan_analyses().exists()):
        return None
    return start_enrichment(actor=None, reason="new comments")


Progress = Callable[[EnrichmentJob], None]


def run_enrichment_job(
    *, job_id: int, batch: int = BATCH, on_progress: Progress | None = None
) -> EnrichmentJob:
    """Analyse every pending comment in batches, each its own transaction, counting progress."""
    job = EnrichmentJob.objects.get(pk=job_id)
    if job.status == JobStatus.SUCCEEDED:
        return job
    models = models_in_force()
    version = models.version
    job.status, job.started_at, job.error = JobStatus.RUNNING, timezone.now(), ""
    job.model_version = version
    job.total = pending_responses(version).count() + orphan_analyses().count()
    job.done = job.analysed = job.removed = job.labels_kept = 0
    job.save()
    slugs = {t.pk: slug for slug, t in models.taxonomy.themes.items()}
    try:
        while removed := remove_orphans(slugs=slugs, limit=batch):
            job.removed += removed
            job.done += removed
        last = 0
        while True:
            ids = list(
                pending_responses(version)
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            result = enrich_responses(ids, models=models)
            last = ids[-1]
            job.analysed += result.analysed
            job.labels_kept += result.labels_kept
            job.done = min(job.total, job.done + len(ids))
            job.save(update_fields=["done", "analysed", "removed", "labels_kept"])
            if on_progress:
                on_progress(job)
    except Exception as error:
        log.exception("enrichment job %s failed", job.pk)
        job.status, job.error = JobStatus.FAILED, f"unexpected error: {error}"
    else:
        job.status = JobStatus.SUCCEEDED
        job.done = job.total = max(job.total, job.done)
    job.finished_at = timezone.now()
    job.save()
    return job


# --- labels -----------------------------------------------------------------------------------


@transaction.atomic
def label_response(
    *,
    actor: Actor,
    response: Response,
    theme_slugs: Sequence[str] | None = None,
    sentiment: str | None = None,
    picked_at_random: bool = False,
    via: str = "web",
) -> CommentAnalysis:
    """Confirm or correct a comment's themes, its sentiment, or both; None leaves one as it is.

    Each label is kept across every later run. A sentiment label replaces the model's label of
    this comment (its score stays the model's) and is what the sentiment model learns from;
    picked_at_random says the comment was a random pick of the sentiment queue, so its label
    can judge a model on the comments as a whole.
    """
    require(actor, Capability.LABEL_COMMENTS, response.account.team_id)
    if not response.comment:
        raise ValueError("this response has no comment to label")
    if theme_slugs is None and sentiment is None:
        raise ValueError("give the comment's themes, its sentiment or both")
    if sentiment is not None and sentiment not in LABELS:
        raise ValueError(f"unknown sentiment {sentiment!r}; use {', '.join(LABELS)}")
    analysis = CommentAnalysis.objects.filter(response=response).first()
    if analysis is None:
        enrich_responses([response.pk], models=models_in_force())
        analysis = CommentAnalysis.objects.get(response=response)
    if theme_slugs is not None:
        _label_themes(actor, response, analysis, theme_slugs, via)
    if sentiment is not None:
        _label_sentiment(actor, response, analysis, sentiment, picked_at_random, via)
    return analysis


def _label_themes(
    actor: Actor,
    response: Response,
    analysis: CommentAnalysis,
    theme_slugs: Sequence[str],
    via: str,
) -> None:
    wanted = list(dict.fromkeys(theme_slugs))
    themes = {t.slug: t for t in Theme.objects.filter(slug__in=wanted)}
    unknown = [s for s in wanted if s not in themes]
    if unknown:
        raise ValueError(f"unknown themes: {', '.join(unknown)}")
    old = list(ResponseTheme.objects.filter(analysis=analysis).select_related("theme"))
    delta = ThemeDelta()
    for keys, sign in (([r.theme.slug for r in old], -1), (wanted, +1)):
        delta.add(
            account_id=analysis.account_id,
            submitted_at=analysis.submitted_at,
            compound=analysis.compound,
            theme_keys=keys,
            sign=sign,
        )
    ResponseTheme.objects.filter(analysis=analysis).delete()
    user = actor if actor.is_authenticated else None
    ResponseTheme.objects.bulk_create(
        [
            ResponseTheme(
                analysis=analysis,
                theme=themes[slug],
                confidence=1.0,
                source=ThemeSource.PERSON,
                corrected_by=user,
            )
            for slug in wanted
        ]
    )
    analysis.labelled_by, analysis.labelled_at = user, timezone.now()
    analysis.themes_found = len(wanted)
    analysis.save(update_fields=["labelled_by", "labelled_at", "themes_found"])
    delta.flush()
    before = sorted(r.theme.slug for r in old)
    record_audit(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=analysis,
        changed_fields=["themes"],
        team_id=response.account.team_id,
        via=via,
        detail="themes confirmed" if before == sorted(wanted) else "themes corrected",
    )


def _label_sentiment(
    actor: Actor,
    response: Response,
    analysis: CommentAnalysis,
    sentiment: str,
    picked_at_random: bool,
    via: str,
) -> None:
    # No rollup changes: theme rollups sum the model's score, which a label leaves as it is.
    before = analysis.label
    analysis.label = sentiment
    analysis.sentiment_labelled_by = actor if actor.is_authenticated else None
    analysis.sentiment_labelled_at = timezone.now()
    # A relabel keeps a random pick's standing: the comment was still chosen at random.
    analysis.sentiment_sampled = analysis.sentiment_sampled or picked_at_random
    analysis.save(
        update_fields=[
            "label",
            "sentiment_labelled_by",
            "sentiment_labelled_at",
            "sentiment_sampled",
        ]
    )
    record_audit(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=analysis,
        changed_fields=["sentiment"],
        team_id=response.account.team_id,
        via=via,
        # Labels are not personal data, so the change itself can be recorded.
        detail="sentiment confirmed"
        if before == sentiment
        else f"sentiment corrected: {before} to {sentiment}",
    )


def enrich_for_demo(*, stdout: TextIO) -> EnrichmentJob:
    """The demo's comments analysed in the foreground, with a progress line."""
    install_standard_taxonomy(actor=None)
    started = time.perf_counter()
    job = EnrichmentJob.objects.create(kind=JobKind.ENRICH, reason="demo")

    def progress(job: EnrichmentJob) -> None:
        stdout.write(f"\r  analysing comments: {job.done:,} of {job.total:,}")
        stdout.flush()

    job = run_enrichment_job(job_id=job.pk, on_progress=progress)
    seconds = time.perf_counter() - started
    rate = job.analysed / seconds if seconds else 0
    stdout.write(
        f"\r  analysed {job.analysed:,} comments (sentiment, language, themes, redaction)"
        f" in {seconds:.1f} s, {rate:,.0f} a second\n"
    )
    return job
