"""Monitoring plans in the admin, read-only: versions, sign-off and schedules change only through
the services (audit, one agreed version, schedule generation)."""

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin
from rapport.monitoring.models import (
    Kpi,
    MonitoringPlan,
    PlanChangeRequest,
    PlanMethod,
    PlanReport,
    PlanTemplate,
    PlanVersion,
    ScheduledActivity,
)


@admin.register(MonitoringPlan)
class MonitoringPlanAdmin(ReadOnlyAdmin):
    list_display = ("account", "team", "scheduled_until", "next_due_at")
    list_select_related = ("account", "team")
    search_fields = ("account__name",)


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = ("plan", "number", "status", "agreed_with_name", "agreed_at")
    list_filter = ("status",)
    list_select_related = ("plan__account",)
    search_fields = ("plan__account__name",)


@admin.register(PlanMethod)
class PlanMethodAdmin(ReadOnlyAdmin):
    list_display = ("version", "kind", "title", "recurrence", "owner")
    list_filter = ("kind",)
    list_select_related = ("version__plan__account", "owner")


@admin.register(Kpi)
class KpiAdmin(ReadOnlyAdmin):
    list_display = ("version", "metric", "target", "tolerance", "direction")
    list_select_related = ("version__plan__account",)


@admin.register(PlanReport)
class PlanReportAdmin(ReadOnlyAdmin):
    list_display = ("version", "report_type", "audience", "recurrence")
    list_select_related = ("version__plan__account",)


@admin.register(PlanTemplate)
class PlanTemplateAdmin(ReadOnlyAdmin):
    list_display = ("tier", "name", "updated_at")


@admin.register(PlanChangeRequest)
class PlanChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ("plan", "requested_on", "requested_by_name", "status")
    list_filter = ("status",)
    list_select_related = ("plan__account",)


@admin.register(ScheduledActivity)
class ScheduledActivityAdmin(ReadOnlyAdmin):
    list_display = ("account", "kind", "due_at", "owner", "status", "done_on_time")
    list_filter = ("status", "kind")
    list_select_related = ("account", "owner")
    date_hierarchy = "due_at"
