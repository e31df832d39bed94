"""API for comment analysis: the taxonomy, a response's analysis and labels, theme trends."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from rapport.api.common import Message, call_service
from rapport.customers.selectors import get_account
from rapport.enrichment import selectors, services, taxonomy
from rapport.enrichment.models import CommentAnalysis, Theme

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
    sentiment: float = Field(..., description="VADER compound scale, -1 to 1")
    label: str
    sentences: list[SentenceOut] = Field(..., description="spans of the original comment")
    redacted_text: str = Field(..., description="the comment with personal data replaced")
    pii_kinds: list[str]
    themes: list[ResponseThemeOut]
    labelled: bool
    uncertainty: float | None
    model_version: str


class LabelIn(Schema):
    themes: list[str] = Field(..., description="theme slugs; an empty list means no theme")


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
    summary="Confirm or correct a comment's themes (kept across later runs)",
)
def label_response(request: HttpRequest, response_id: int, payload: LabelIn) -> Any:
    response = selectors.get_response_for_analysis(request.user, response_id)
    call_service(
        lambda: services.label_response(
            actor=request.user, response=response, theme_slugs=payload.themes, via="api"
        )
    )
    return _analysis_out(selectors.analysis_of(request.user, response_id))


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
