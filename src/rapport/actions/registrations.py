"""What actions registers with the apps below it (called from ActionsConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from rapport.actions.method_share import action_shares
from rapport.actions.selectors import my_overdue_count
from rapport.actions.services import run_escalations
from rapport.core.access import Capability, scope_of
from rapport.core.registries import (
    ACCOUNT_TABS,
    LINE_ACTIONS,
    NAV_ITEMS,
    PERIODIC,
    AccountTab,
    LineAction,
    NavItem,
)
from rapport.monitoring.evaluation import register_action_share_provider
from rapport.notifications.events import register_event


def _overdue(request: HttpRequest) -> int:
    return my_overdue_count(request.user)


def _may_open(request: HttpRequest, team_id: int | None) -> bool:
    return scope_of(request.user).can(Capability.MANAGE_ACTIONS, team_id)


def register() -> None:
    register_event("action.opened", "An improvement action was opened", order=70)
    register_event("action.assigned", "An action was given to another owner", order=70)
    register_event("action.escalated", "An overdue action was escalated", order=70)
    register_event("idea.decided", "An idea was accepted or declined", order=70)
    PERIODIC.register("actions.escalations", run_escalations, order=70)
    register_action_share_provider(action_shares)
    ACCOUNT_TABS.register("actions", AccountTab("actions", "Actions", "actions:account"), order=70)
    NAV_ITEMS.register(
        "actions",
        NavItem("Actions", "actions:board", "/actions/", count=_overdue),
        order=70,
    )
    # "Open an action" beside SWOT lines (analytics) and themes that moved (enrichment).
    LINE_ACTIONS.register(
        "actions.open",
        LineAction("Open an action", "actions:create", frozenset({"swot", "theme"}), _may_open),
        order=70,
    )
