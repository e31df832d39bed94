"""API for comment analysis: the taxonomy, a response's analysis and labels, theme trends, the
sentiment model (in force, readiness, training, back to VADER) and its labelling queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from rapport.core.api import Message, call_service
from rapport.customers.selectors import get_account
from rapport.enrichment import selectors, services, taxonomy, training
from rapport.enrichment.models import CommentAnalysis, ModelKind, Theme, TrainedModel

SentimentLabel = Literal["negative", "neutral", "positive"]

router = Router(tags=["themes"])


class ThemeOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    phrases: list[str]
    exclude: list[str]
    active: bool


class ThemeIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    phrases: list[str] = Field(..., min_length=1)
    exclude: list[str] = []
    description: str = ""


class ThemeUpdate(Schema):
    name: str | None = Field(None, min_length=1, max_length=80)
    phrases: list[str] | None = None
    exclude: list[str] | None = None
    description: str | None = None
    active: bool | None = None


class ResponseThemeOut(Schema):
    slug: str
    name: str
    confidence: float
    source: str  # rule | model | both | person


class SentenceOut(Schema):
    start: int
    end: int
    compound: float
    label: str


class AnalysisOut(Schema):
    response_id: int
    language: str
    language_confidence: float
    sentiment: float = Field(..., description="the model's score, VADER compound scale, -1 to 1")
    label: str = Field(..., description="the person's sentiment label if set, else the model's")
    model_label: str = Field(..., description="the sentiment model's own label")
    sentiment_labelled: bool
    sentiment_labelled_at: datetime | None
    sentiment_uncertainty: float | None = Field(
        ..., description="0..1; how much a sentiment label would teach the model"
    )
    sentiment_sampled: bool = Field(..., description="its sentiment was labelled as a random pick")
    picked_at_random: bool = Field(
        False, description="in the sentiment labelling queue: a random pick, not an uncertain one"
    )
    sentences: list[SentenceOut] = Field(..., description="spans of the original comment")
    redacted_text: str = Field(..., description="the comment with personal data replaced")
    pii_kinds: list[str]
    themes: list[ResponseThemeOut]
    labelled: bool
    uncertainty: float | None
    model_version: str


class LabelIn(Schema):
    themes: list[str] | None = Field(
        None, description="theme slugs; an empty list means no theme, absent leaves them"
    )
    sentiment: SentimentLabel | None = Field(None, description="absent leaves it as it is")
    picked_at_random: bool = Field(
        False,
        description="true when labelling a comment the sentiment queue gave as picked_at_random "
        "(models are judged against VADER on those labels)",
    )


class VaderFigures(Schema):
    accuracy: float
    macro_f1: float


class SentimentModelOut(Schema):
    id: int
    trained_at: datetime
    labels_used: int
    in_force: bool
    accuracy: float | None = Field(..., description="cross-validated")
    macro_f1: float | None = Field(..., description="cross-validated")
    vader: VaderFigures | None = Field(..., description="VADER on the same folds")
    folds: int | None
    decision: str = Field(..., description="why it was or was not put in force")


class SentimentReadinessOut(Schema):
    labels: int
    counts: dict[str, int]
    needed_per_label: int
    sampled: int = Field(..., description="labels given to random picks")
    needed_sampled: int
    ready: bool
    message: str


class SentimentStatusOut(Schema):
    in_force: str = Field(..., description='"vader" or "model"')
    model: SentimentModelOut | None
    readiness: SentimentReadinessOut
    history: list[SentimentModelOut]


class TrainingJobOut(Schema):
    id: int
    kind: str
    status: str
    created_at: datetime


class QueueQuery(Schema):
    limit: int = Field(20, ge=1, le=100)


class ShareOut(Schema):
    k: int
    n: int
    value: float | None
    low: float | None
    high: float | None
    sentiment: float | None


class ThemeMoveOut(Schema):
    slug: str
    name: str
    current: ShareOut
    previous: ShareOut
    difference: float | None = Field(..., description="percentage points")
    diff_low: float | None
    diff_high: float | None
    significant: bool
    label: str


class ThemeMoversOut(Schema):
    as_of: date
    current_start: date
    previous_start: date
    comments: int
    previous_comments: int
    enough: bool
    moves: list[ThemeMoveOut]


class TrendPointOut(Schema):
    period_start: date
    comments: int
    mentions: int
    share: float | None
    sentiment: float | None


class ThemeTrendOut(Schema):
    key: str = Field(..., description='theme slug, or "*" for every analysed comment')
    points: list[TrendPointOut]


class TrendQuery(Schema):
    period: Literal["week", "month"] = "month"
    periods: int = Field(12, ge=1, le=60)
    to: date | None = None


class MovedQuery(Schema):
    to: date | None = None


def _analysis_out(a: CommentAnalysis) -> dict[str, Any]:
    return {
        "response_id": a.response_id,
        "language": a.language,
        "language_confidence": a.language_confidence,
        "sentiment": a.compound,
        "label": a.label,
        "model_label": a.model_label,
        "sentiment_labelled": a.sentiment_labelled_at is not None,
        "sentiment_labelled_at": a.sentiment_labelled_at,
        "sentiment_uncertainty": a.sentiment_uncertainty,
        "sentiment_sampled": a.sentiment_sampled,
        "picked_at_random": getattr(a, "picked_at_random", False),
        "sentences": [
            {"start": s, "end": e, "compound": c, "label": lbl} for s, e, c, lbl in a.sentences
        ],
        "redacted_text": a.redacted,
        "pii_kinds": a.pii_kinds,
        "themes": [
            {
                "slug": rt.theme.slug,
                "name": rt.theme.name,
                "confidence": rt.confidence,
                "source": rt.source,
            }
            for rt in a.themes.all()
        ],
        "labelled": a.labelled_at is not None,
        "uncertainty": a.uncertainty,
        "model_version": a.model_version,
    }


@router.get("/themes", response=list[ThemeOut])
def list_themes(request: HttpRequest) -> Any:
    return selectors.themes()


@router.post("/themes", response={201: ThemeOut, 403: Message, 422: Message})
def create_theme(request: HttpRequest, payload: ThemeIn) -> Any:
    theme = call_service(
        lambda: taxonomy.create_theme(
            actor=request.user,
            name=payload.name,
            phrases=payload.phrases,
            exclude=payload.exclude,
            description=payload.description,
            via="api",
        )
    )
    return Status(201, theme)


@router.put("/themes/{theme_id}", response={200: ThemeOut, 403: Message, 422: Message})
def update_theme(request: HttpRequest, theme_id: int, payload: ThemeUpdate) -> Any:
    theme = get_object_or_404(Theme, pk=theme_id)
    return call_service(
        lambda: taxonomy.update_theme(
            actor=request.user, theme=theme, via="api", **payload.dict(exclude_unset=True)
        )
    )


@router.get("/responses/{response_id}/analysis", response=AnalysisOut)
def response_analysis(request: HttpRequest, response_id: int) -> Any:
    return _analysis_out(selectors.analysis_of(request.user, response_id))


@router.post(
    "/responses/{response_id}/labels",
    response={200: AnalysisOut, 403: Message, 422: Message},
    summary="Confirm or correct a comment's themes and/or sentiment (kept across later runs)",
)
def label_response(request: HttpRequest, response_id: int, payload: LabelIn) -> Any:
    response = selectors.get_response_for_analysis(request.user, response_id)
    call_service(
        lambda: services.label_response(
            actor=request.user,
            response=response,
            theme_slugs=payload.themes,
            sentiment=payload.sentiment,
            picked_at_random=payload.picked_at_random,
            via="api",
        )
    )
    return _analysis_out(selectors.analysis_of(request.user, response_id))


@router.get(
    "/sentiment/labelling-queue",
    response=list[AnalysisOut],
    summary="Comments without a sentiment label, the ones a label would teach most first; "
    "every third a random pick",
)
def sentiment_queue(request: HttpRequest, query: Query[QueueQuery]) -> Any:
    favour = training.sentiment_readiness().short_labels
    queue = selectors.sentiment_labelling_queue(request.user, limit=query.limit, favour=favour)
    return [_analysis_out(a) for a in queue]


def _model_out(m: TrainedModel, in_force: TrainedModel | None) -> dict[str, Any]:
    return {
        "id": m.pk,
        "trained_at": m.trained_at,
        "labels_used": m.labels_used,
        "in_force": in_force is not None and m.pk == in_force.pk,
        "accuracy": m.metrics.get("accuracy"),
        "macro_f1": m.metrics.get("macro_f1"),
        "vader": m.metrics.get("vader"),
        "folds": m.metrics.get("folds"),
        "decision": m.metrics.get("retired") or m.metrics.get("decision", ""),
    }


def _sentiment_status() -> dict[str, Any]:
    current = selectors.current_sentiment_model()
    ready = training.sentiment_readiness()
    return {
        "in_force": "model" if current else "vader",
        "model": _model_out(current, current) if current else None,
        "readiness": {
            "labels": ready.labels,
            "counts": ready.counts,
            "needed_per_label": ready.needed,
            "sampled": ready.sampled,
            "needed_sampled": ready.needed_sampled,
            "ready": ready.ready,
            "message": ready.message,
        },
        "history": [_model_out(m, current) for m in selectors.sentiment_models()],
    }


@router.get("/sentiment/model", response=SentimentStatusOut)
def sentiment_model(request: HttpRequest) -> Any:
    return _sentiment_status()


@router.post(
    "/sentiment/model/train",
    response={202: TrainingJobOut, 403: Message, 422: Message},
    summary="Train the sentiment model in the background (in force only if it beats VADER)",
)
def train_sentiment(request: HttpRequest) -> Any:
    job = call_service(
        lambda: training.start_training(actor=request.user, kind=ModelKind.SENTIMENT, via="api")
    )
    return Status(202, job)


@router.post(
    "/sentiment/model/vader",
    response={200: SentimentStatusOut, 403: Message},
    summary="Switch back to VADER: take the trained sentiment model out of force",
)
def use_vader(request: HttpRequest) -> Any:
    call_service(lambda: training.use_vader(actor=request.user, via="api"))
    return _sentiment_status()


@router.get("/accounts/{account_id}/themes/trend", response=list[ThemeTrendOut])
def theme_trend(request: HttpRequest, account_id: int, query: Query[TrendQuery]) -> Any:
    account = get_account(request.user, account_id)
    trend = selectors.theme_trend(
        account, period=query.period, periods=query.periods, as_of=query.to
    )
    return [{"key": key, "points": points} for key, points in sorted(trend.items())]


@router.get("/accounts/{account_id}/themes/moved", response=ThemeMoversOut)
def themes_moved(request: HttpRequest, account_id: int, query: Query[MovedQuery]) -> Any:
    return selectors.theme_movers(get_account(request.user, account_id), as_of=query.to)
