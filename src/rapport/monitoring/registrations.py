"""What monitoring registers with the apps below it (called from MonitoringConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from rapport.analytics.variance.targets import Target, register_provider
from rapport.core.registries import ACCOUNT_TABS, NAV_ITEMS, PERIODIC, AccountTab, NavItem
from rapport.customers import services as customer_services
from rapport.customers.models import Account
from rapport.feedback import hooks as feedback_hooks
from rapport.monitoring import reminders, scheduling, selectors
from rapport.monitoring.models import ActivityStatus, MonitoringPlan, ScheduledActivity
from rapport.notifications.events import register_event


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


def overdue_count(request: HttpRequest) -> int:
    """The navigation's count: planned activities of one's own that are overdue."""
    if not request.user.is_authenticated:
        return 0
    return ScheduledActivity.objects.filter(
        owner_id=request.user.pk, status=ActivityStatus.DUE, late_after__lte=timezone.now()
    ).count()


def register() -> None:
    register_provider("monitoring.agreed_kpi", agreed_target, order=10)
    if follow_account not in customer_services.ACCOUNT_MOVED_HOOKS:
        customer_services.ACCOUNT_MOVED_HOOKS.append(follow_account)
    if scheduling.communication_logged not in customer_services.COMMUNICATION_LOGGED_HOOKS:
        customer_services.COMMUNICATION_LOGGED_HOOKS.append(scheduling.communication_logged)
    # A survey wave is done when its answers arrive, by import or through the API.
    feedback_hooks.on_import_finished(scheduling.after_import)
    feedback_hooks.on_accounts_changed(scheduling.after_responses_changed)
    PERIODIC.register("monitoring.schedules", scheduling.run_schedules, order=60)
    PERIODIC.register("monitoring.reminders", reminders.run_reminders, order=60)
    register_event(reminders.EVENT_DUE, "A planned monitoring activity falls due soon", order=60)
    register_event(reminders.EVENT_OVERDUE, "A planned monitoring activity is overdue", order=60)
    ACCOUNT_TABS.register("plan", AccountTab("plan", "Plan", "monitoring:account-plan"), order=40)
    NAV_ITEMS.register(
        "monitoring",
        NavItem("Monitoring", "monitoring:schedule", "/monitoring/", overdue_count),
        order=60,
    )
