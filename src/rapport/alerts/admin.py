"""Rules, alerts and evaluations are written by alerts.services (access, parameters checked per
kind, audit, actions opened): read-only here."""

from __future__ import annotations

from django.contrib import admin

from rapport.alerts.models import Alert, AlertEvent, DailyEvaluation, Evaluation, Rule
from rapport.core.admin import ReadOnlyAdmin


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "scope", "team", "severity", "active")
    list_filter = ("kind", "scope", "severity", "active")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("title", "account", "severity", "status", "opened_at", "closed_at")
    list_filter = ("status", "severity", "kind")
    search_fields = ("title", "account__name")
    list_select_related = ("account",)


@admin.register(AlertEvent)
class AlertEventAdmin(ReadOnlyAdmin):
    list_display = ("alert", "kind", "at", "by")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "trigger", "team", "accounts", "rules", "opened", "closed")
    list_filter = ("trigger",)


@admin.register(DailyEvaluation)
class DailyEvaluationAdmin(ReadOnlyAdmin):
    list_display = ("team", "next_due_at", "last_run_at")
