"""What alerts registers with the apps below it (called from AlertsConfig.ready): incremental
evaluation after imports and single writes, the daily evaluation, the Alerts navigation item
and the account's Alerts tab."""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest

from rapport.actions.models import SourceKind
from rapport.actions.selectors import SOURCE_STATES
from rapport.alerts import selectors, services
from rapport.alerts.models import EvaluationTrigger
from rapport.core.registries import ACCOUNT_TABS, NAV_ITEMS, PERIODIC, AccountTab, NavItem
from rapport.feedback import hooks
from rapport.monitoring.services import on_version_agreed
from rapport.notifications.events import register_event

log = logging.getLogger(__name__)


def after_import(job_id: int, account_ids: set[int]) -> None:
    """Runs after analytics' hook (the app order), so snapshots and health are fresh. A failure
    is logged, never passed on: the import itself succeeded."""
    try:
        with transaction.atomic():
            services.evaluate_accounts(
                account_ids=account_ids, trigger=EvaluationTrigger.IMPORT, import_job_id=job_id
            )
    except Exception:
        log.exception("rule evaluation after import %s failed", job_id)


def after_change(account_ids: set[int]) -> None:
    try:
        with transaction.atomic():
            services.evaluate_accounts(account_ids=account_ids, trigger=EvaluationTrigger.CHANGE)
    except Exception:
        log.exception("rule evaluation after a change of accounts %s failed", sorted(account_ids))


def open_alert_count(request: HttpRequest) -> int:
    return selectors.open_alert_count(user=request.user)


def register() -> None:
    register_event("alert.opened", "An alert was opened by a rule", order=90)
    on_version_agreed(services.carry_plan_rules)
    SOURCE_STATES[SourceKind.ALERT] = selectors.alert_episode_state
    hooks.on_import_finished(after_import)
    hooks.on_accounts_changed(after_change)
    # After snapshots (20) and health (30), which the rules read; after the other apps of the
    # control loop (notifications 50 … agreements 80).
    PERIODIC.register("alerts.daily", services.periodic_daily, order=90)
    NAV_ITEMS.register(
        "alerts",
        NavItem("Alerts", "alerts:inbox", "/alerts/", count=open_alert_count),
        order=90,
    )
    ACCOUNT_TABS.register("alerts", AccountTab("alerts", "Alerts", "alerts:account"), order=60)
