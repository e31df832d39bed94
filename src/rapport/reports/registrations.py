"""What reports registers with the apps below it (called from ReportsConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from rapport.core.registries import NAV_ITEMS, PERIODIC, NavItem
from rapport.reports import delivery, generation, selectors
from rapport.reports.types import (  # noqa: F401 - each module registers its type
    adherence,
    portfolio,
    review_pack,
    team,
    variance,
)


def _awaiting(request: HttpRequest) -> int:
    return selectors.awaiting_approval_count(request.user)


def run_periodic() -> None:
    """Schedules first (they queue runs), then queued runs, deliveries and retention."""
    generation.schedule_due()
    generation.generate_due()
    delivery.deliver_approved()
    delivery.mark_delivered()
    generation.clean_up_old_runs()


def register() -> None:
    PERIODIC.register("reports", run_periodic, order=100)
    NAV_ITEMS.register(
        "reports",
        NavItem("Reports", "reports:definitions", "/reports/", count=_awaiting),
        order=100,
    )
