"""What other apps may use from comment analysis.

The selectors and services are imported when first called: they load scipy and the text
models (scikit-learn, VADER; 1.2 and 1.8 s, ~80 MB), which a process that only queues or
renders other pages never needs (docs/architecture.md, "Imports inside functions").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet

from rapport.core.access import Actor, scope
from rapport.customers.models import Account
from rapport.enrichment.models import CommentAnalysis, Theme
from rapport.enrichment.queueing import start_enrichment
from rapport.enrichment.theme_effects import ThemeFigures, theme_figures
from rapport.feedback.models import Response
from rapport.feedback.public import FeedbackFilters, responses_for_account

if TYPE_CHECKING:
    from rapport.enrichment.selectors import MoverWindow, ThemeMove, ThemeMovers

# Mentions of a theme in each window before its mean sentiment is compared (the windows
# themselves need RAPPORT_MIN_N comments): a theme is a minority of the comments.
MIN_MENTIONS = 10
# rapport.text.sentiment.LABELS, spelt out so a page offering them loads no text model
# (tests/enrichment/test_sentiment_correction.py keeps the two equal).
SENTIMENTS = ("negative", "neutral", "positive")

# Types for callers' annotations.
__all__ = [
    "MIN_MENTIONS",
    "SENTIMENTS",
    "MoverWindow",
    "ThemeFigures",
    "ThemeMove",
    "ThemeMovers",
    "theme_figures",
]


def enrich_after_import(job_id: int) -> None:
    """Queue comment analysis once the import's transaction commits (`rapport worker` runs it)."""

    def queue() -> None:
        start_enrichment(actor=None, reason=f"import {job_id}")

    transaction.on_commit(queue)


def enqueue_if_pending() -> Any:
    """Periodic: queue analysis for comments that arrived outside an import."""
    from rapport.enrichment.services import enqueue_if_pending as enqueue

    return enqueue()


def analyses_for(response_ids: list[int]) -> dict[int, Any]:
    """Analyses (with themes) of responses the caller fetched through a scoped selector."""
    from rapport.enrichment.selectors import analyses_for as select

    return select(response_ids)


def theme_movers_in(
    account_id: int, windows: Sequence[MoverWindow], *, limit: int = 8
) -> list[ThemeMovers]:
    """Theme shares in each window against the window before it (two queries), for an account
    the caller fetched through a scoped selector."""
    from rapport.enrichment.selectors import theme_movers_in as select

    return select(account_id, windows, limit=limit)


def mover_window(
    period: str, previous_start: date, current_start: date, current_end: date
) -> MoverWindow:
    from rapport.enrichment.selectors import MoverWindow

    return MoverWindow(period, previous_start, current_start, current_end)


def theme_choices() -> list[tuple[str, str]]:
    """(slug, name) of the active themes, in the taxonomy's order, for filters."""
    return list(
        Theme.objects.filter(active=True).order_by("position", "name").values_list("slug", "name")
    )


def feedback_matching(account: Account, filters: FeedbackFilters) -> QuerySet[Response]:
    """The account's feedback narrowed by every filter, theme and sentiment included (those
    read the comment's analysis), newest first; the caller has checked the account is
    visible. A comment not analysed yet has neither, so it is left out by either filter."""
    rows = responses_for_account(account, filters)
    if filters.theme:
        rows = rows.filter(analysis__themes__theme__slug=filters.theme)
    if filters.sentiment:
        rows = rows.filter(analysis__label=filters.sentiment)
    return rows


def visible_analyses(actor: Actor) -> QuerySet[CommentAnalysis]:
    """Analyses of the responses the actor may see (through the response's team)."""
    return scope(
        CommentAnalysis.objects.filter(response__isnull=False), actor, team_field="response__team"
    )
