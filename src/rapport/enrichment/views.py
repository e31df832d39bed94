"""Themes page (taxonomy, classifier, jobs), labelling queue, and the analytics section."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.core.access import Capability, scope_of
from rapport.customers.selectors import get_account
from rapport.enrichment import selectors, services, taxonomy, training
from rapport.enrichment.models import JobStatus, ModelKind, Theme
from rapport.text.sentiment import LABELS


def _phrases(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]


def themes_page(request: HttpRequest) -> HttpResponse:
    can_manage = scope_of(request.user).can(Capability.MANAGE_THEMES, None)
    counts = selectors.theme_counts(request.user)
    comments = counts.get("*", 0)
    rows = [
        {
            "theme": t,
            "count": counts.get(t.slug, 0),
            "share": (100 * counts.get(t.slug, 0) / comments) if comments else None,
        }
        for t in selectors.themes()
    ]
    model = selectors.current_theme_model()
    jobs = selectors.recent_jobs()
    context = {
        **_sentiment_context(request),
        "rows": rows,
        "comments": comments,
        "can_manage": can_manage,
        "can_label": scope_of(request.user).can(Capability.LABEL_COMMENTS, None),
        "model": model,
        "model_themes": [(s, (model.metrics.get("themes") or {}).get(s, {})) for s in model.themes]
        if model
        else [],
        "readiness": training.readiness(),
        "jobs": jobs,
        "busy": any(j.status in (JobStatus.PENDING, JobStatus.RUNNING) for j in jobs),
    }
    if request.headers.get("HX-Request") and request.GET.get("part") == "jobs":
        return render(request, "enrichment/_jobs.html", context)
    return render(request, "enrichment/themes.html", context)


def _manage_only(request: HttpRequest) -> None:
    if not scope_of(request.user).can(Capability.MANAGE_THEMES, None):
        raise PermissionDenied("Only managers and analysts edit the taxonomy.")


@require_POST
def theme_add(request: HttpRequest) -> HttpResponse:
    _manage_only(request)
    try:
        theme = taxonomy.create_theme(
            actor=request.user,
            name=request.POST.get("name", ""),
            phrases=_phrases(request.POST.get("phrases", "")),
            exclude=_phrases(request.POST.get("exclude", "")),
            description=request.POST.get("description", ""),
        )
    except ValueError as error:
        messages.error(request, f"The theme was not added: {error}")
    else:
        messages.success(request, f"Theme “{theme.name}” added; comments are being re-analysed.")
    return redirect("enrichment:themes")


@require_POST
def theme_edit(request: HttpRequest, theme_id: int) -> HttpResponse:
    _manage_only(request)
    theme = get_object_or_404(Theme, pk=theme_id)
    try:
        taxonomy.update_theme(
            actor=request.user,
            theme=theme,
            name=request.POST.get("name", theme.name),
            phrases=_phrases(request.POST.get("phrases", "")),
            exclude=_phrases(request.POST.get("exclude", "")),
            description=request.POST.get("description", theme.description),
            active=request.POST.get("active") == "1",
        )
    except ValueError as error:
        messages.error(request, f"“{theme.name}” was not changed: {error}")
    else:
        messages.success(request, f"“{theme.name}” saved.")
    return redirect(f"{reverse('enrichment:themes')}#theme-{theme.pk}")


@require_POST
def install_standard(request: HttpRequest) -> HttpResponse:
    _manage_only(request)
    added = taxonomy.install_standard_taxonomy(actor=request.user)
    if added:
        services.start_enrichment(actor=request.user, reason="standard taxonomy")
    messages.success(request, f"{added} standard themes added.")
    return redirect("enrichment:themes")


def _sentiment_context(request: HttpRequest) -> dict[str, object]:
    """The sentiment model's card: what is in force, readiness, the latest models."""
    return {
        "sentiment_model": selectors.current_sentiment_model(),
        "sentiment_models": selectors.sentiment_models(),
        "sentiment_readiness": training.sentiment_readiness(),
        "can_choose_models": scope_of(request.user).can(Capability.CHOOSE_MODELS, None),
        "min_gain": training.SENTIMENT_MIN_GAIN,
    }


def _train(request: HttpRequest, kind: ModelKind) -> HttpResponse:
    _manage_only(request)
    try:
        training.start_training(actor=request.user, kind=kind)
    except ValueError as error:
        messages.error(request, f"Not trained: {error}")
    else:
        messages.success(request, "Training started in the background; this page updates.")
    return redirect("enrichment:themes")


@require_POST
def train_now(request: HttpRequest) -> HttpResponse:
    return _train(request, ModelKind.THEMES)


@require_POST
def train_sentiment(request: HttpRequest) -> HttpResponse:
    return _train(request, ModelKind.SENTIMENT)


@require_POST
def use_vader(request: HttpRequest) -> HttpResponse:
    if not scope_of(request.user).can(Capability.CHOOSE_MODELS, None):
        raise PermissionDenied("Only managers switch the sentiment model.")
    if training.use_vader(actor=request.user):
        messages.success(request, "VADER scores comments again; they are being re-analysed.")
    else:
        messages.info(request, "VADER was already in force.")
    return redirect(f"{reverse('enrichment:themes')}#sentiment-h")


def _queue_url(by_sentiment: bool) -> str:
    return reverse("enrichment:label") + ("?for=sentiment" if by_sentiment else "")


# The responses labelled in this browser session, in either queue: neither shows them again.
SEEN_KEY = "enrichment.labelled"
SEEN_KEPT = 500


def _label_counts(
    request: HttpRequest, readiness: training.SentimentReadiness | None
) -> dict[str, object]:
    """The queue's counts (readiness: the sentiment queue's): shown on the page and sent
    again with every label saved."""
    return {
        "labelled": selectors.labelled_count(request.user),
        "sentiment_labelled": selectors.sentiment_labelled_count(request.user),
        "sentiment_readiness": readiness,
    }


def label_queue(request: HttpRequest) -> HttpResponse:
    if not scope_of(request.user).can(Capability.LABEL_COMMENTS, None):
        raise PermissionDenied("Your role does not label comments.")
    by_sentiment = request.GET.get("for") == "sentiment"
    readiness = training.sentiment_readiness() if by_sentiment else None
    seen = request.session.get(SEEN_KEY, [])
    if readiness is not None:
        queue = selectors.sentiment_labelling_queue(
            request.user, limit=21, favour=readiness.short_labels, seen=seen
        )
    else:
        queue = selectors.labelling_queue(request.user, limit=20, seen=seen)
    context = {
        **_label_counts(request, readiness),
        "queue": queue,
        "by_sentiment": by_sentiment,
        "themes": [t for t in selectors.themes() if t.active],
        "sentiments": LABELS,
        "model": selectors.current_theme_model(),
        "sentiment_model": selectors.current_sentiment_model(),
    }
    return render(request, "enrichment/label.html", context)


def _themes_posted(request: HttpRequest, by_sentiment: bool) -> list[str] | None:
    """The themes to record, or None to leave them. The form always shows the themes, so in
    the theme queue no ticked box means "no theme"; in the sentiment queue the themes are
    recorded only when the person changed the ticks they were shown (`shown_themes`)."""
    themes = request.POST.getlist("themes")
    if by_sentiment and sorted(themes) == sorted(request.POST.getlist("shown_themes")):
        return None
    return themes


@require_POST
def label(request: HttpRequest, response_id: int) -> HttpResponse:
    response = selectors.get_response_for_analysis(request.user, response_id)  # 404 first
    by_sentiment = request.POST.get("for") == "sentiment"
    sentiment = request.POST.get("sentiment") or None
    try:
        services.label_response(
            actor=request.user,
            response=response,
            theme_slugs=_themes_posted(request, by_sentiment),
            sentiment=sentiment,
            picked_at_random=request.POST.get("picked") == "random",
        )
    except ValueError as error:
        if request.headers.get("HX-Request"):
            return HttpResponse(str(error), status=422)
        messages.error(request, str(error))
        return redirect(_queue_url(by_sentiment))
    request.session[SEEN_KEY] = [*request.session.get(SEEN_KEY, []), response_id][-SEEN_KEPT:]
    if request.headers.get("HX-Request"):
        analysis = selectors.analysis_of(request.user, response_id)
        context = {"a": analysis, "by_sentiment": by_sentiment}
        context |= _label_counts(request, training.sentiment_readiness() if by_sentiment else None)
        return render(request, "enrichment/_labelled.html", context)
    messages.success(request, "Label saved.")
    return redirect(_queue_url(by_sentiment))


@require_POST
def correct_sentiment(request: HttpRequest, response_id: int) -> HttpResponse:
    """A comment's sentiment set on the account page's feedback list (HTMX: its cell back)."""
    response = selectors.get_response_for_analysis(request.user, response_id)  # 404 first
    try:
        services.label_response(
            actor=request.user,
            response=response,
            sentiment=request.POST.get("sentiment", ""),
        )
    except ValueError as error:
        return HttpResponse(str(error), status=422)
    a = selectors.analysis_of(request.user, response_id)
    if not request.headers.get("HX-Request"):
        messages.success(request, f"Sentiment set to {a.label}.")
        return redirect("customers:account", response.account_id)
    context = {"a": a, "response_id": response_id, "sentiments": LABELS, "saved": True}
    return render(request, "enrichment/_sentiment_correction.html", context)


def account_themes(request: HttpRequest, account_id: int) -> HttpResponse:
    """The "Themes that moved most" section of an account's analytics page (HTMX partial)."""
    from datetime import date

    account = get_account(request.user, account_id)  # 404 for another team's account
    as_of = None
    if request.GET.get("to"):
        try:
            as_of = date.fromisoformat(request.GET["to"])
        except ValueError:
            as_of = None
    movers = selectors.theme_movers(account, as_of=as_of)
    trend = selectors.theme_trend(account, periods=12, as_of=as_of)
    months = [p.period_start for p in trend.get("*", [])]
    totals = {p.period_start: p.comments for p in trend.get("*", [])}
    rows = []
    for move in movers.moves:
        shares = {p.period_start: p.share for p in trend.get(move.slug, [])}
        cells = [{"share": shares.get(m) or 0.0, "n": totals.get(m, 0)} for m in months]
        rows.append({"name": move.name, "cells": cells})
    context = {
        "account": account,
        "movers": movers,
        "months": months,
        "trend_rows": rows,
        "month_totals": [totals.get(m, 0) for m in months],
        "chosen": request.GET.get("to", ""),
    }
    template = "enrichment/_account_themes.html"
    if not request.headers.get("HX-Request"):
        template = "enrichment/account_themes.html"
    return render(request, template, context)
