"""What monitoring registers with the apps below it (called from MonitoringConfig.ready)."""

from __future__ import annotations

from rapport.analytics.variance.targets import Target, register_provider
from rapport.customers import services as customer_services
from rapport.customers.models import Account
from rapport.monitoring import selectors
from rapport.monitoring.models import MonitoringPlan, ScheduledActivity


def agreed_target(account: Account, metric: str) -> Target | None:
    """The agreed plan's KPI target replaces the organisation default wherever one exists."""
    kpi = selectors.kpi_target(account=account, metric=metric)
    if kpi is None:
        return None
    return Target(kpi.value, kpi.source, tolerance=kpi.tolerance, direction=kpi.direction)


def follow_account(account: Account) -> None:
    """The plan and its activities keep a copy of the account's team (scoping)."""
    MonitoringPlan.objects.filter(account_id=account.pk).update(team_id=account.team_id)
    ScheduledActivity.objects.filter(account_id=account.pk).update(team_id=account.team_id)


def register() -> None:
    register_provider("monitoring.agreed_kpi", agreed_target, order=10)
    if follow_account not in customer_services.ACCOUNT_MOVED_HOOKS:
        customer_services.ACCOUNT_MOVED_HOOKS.append(follow_account)
