"""What other apps may use from comment analysis.

Imports are deferred: the text models (scikit-learn, VADER) load only when analysis runs,
not whenever feedback code is imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from rapport.enrichment.selectors import MoverWindow, ThemeMove, ThemeMovers
    from rapport.enrichment.theme_effects import ThemeFigures

# Mentions of a theme in each window before its mean sentiment is compared (the windows
# themselves need RAPPORT_MIN_N comments): a theme is a minority of the comments.
MIN_MENTIONS = 10

# Types for callers' annotations.
__all__ = ["MIN_MENTIONS", "MoverWindow", "ThemeFigures", "ThemeMove", "ThemeMovers"]


def enrich_after_import(job_id: int) -> None:
    """Queue comment analysis once the import's transaction commits (`rapport worker` runs it)."""
    from django.db import transaction

    def queue() -> None:
        from rapport.enrichment.queueing import start_enrichment

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


def theme_figures(
    account_ids: Iterable[int] | QuerySet[Any, Any], *, metric: str, start: date, end: date
) -> list[ThemeFigures]:
    """Per theme in the window: share and sentiment of comments, and the metric's sums for the
    responses that mention it against the others (accounts the caller has scoped)."""
    from rapport.enrichment.theme_effects import theme_figures as figures

    return figures(account_ids, metric=metric, start=start, end=end)
