"""What analytics registers with the apps below it (called from AnalyticsConfig.ready)."""

from __future__ import annotations

from rapport.analytics.health.services import ensure_health_current, refresh_health
from rapport.analytics.rollups.services import ensure_snapshots_current, refresh_snapshots
from rapport.analytics.rollups.sql import RollupDelta
from rapport.core.registries import ACCOUNT_TABS, PERIODIC, AccountTab
from rapport.feedback import hooks


def refresh_after_import(job_id: int, account_ids: set[int]) -> None:
    """Snapshots, then health (which reads them), of the accounts an import wrote."""
    if account_ids:
        refresh_snapshots(account_ids=account_ids)
        refresh_health(account_ids=list(account_ids))


def refresh_after_change(account_ids: set[int]) -> None:
    if account_ids:
        refresh_snapshots(account_ids=account_ids)


def register() -> None:
    # Rollups are written in the transaction that writes the responses (feedback.hooks).
    hooks.on_rows_written(RollupDelta)
    hooks.on_accounts_changed(refresh_after_change)
    hooks.on_import_finished(refresh_after_import)
    ACCOUNT_TABS.register(
        "analytics", AccountTab("analytics", "Analytics", "analytics:account"), order=10
    )
    ACCOUNT_TABS.register(
        "health", AccountTab("health", "Health & profit", "analytics:health"), order=20
    )
    ACCOUNT_TABS.register("swot", AccountTab("swot", "SWOT", "analytics:swot"), order=30)
    PERIODIC.register("analytics.snapshots", ensure_snapshots_current, order=20)
    # After the snapshots: health reads them.
    PERIODIC.register("analytics.health", ensure_health_current, order=30)
