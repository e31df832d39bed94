"""Rollups and snapshots are derived data: read-only here, rebuilt by `rebuild_rollups`.
Control limits are agreed on the analytics page (audited), so they are read-only here too."""

from __future__ import annotations

from django.contrib import admin

from rapport.analytics.models import AccountSnapshot, ControlLimitSet, MetricRollup
from rapport.core.admin import ReadOnlyAdmin


@admin.register(MetricRollup)
class MetricRollupAdmin(ReadOnlyAdmin):
    list_display = ("account", "metric", "period", "period_start", "n")
    list_filter = ("metric", "period")
    search_fields = ("account__name",)
    list_select_related = ("account",)
    show_full_result_count = False


@admin.register(AccountSnapshot)
class AccountSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("account", "metric", "as_of")
    list_filter = ("metric",)
    search_fields = ("account__name",)
    list_select_related = ("account",)


@admin.register(ControlLimitSet)
class ControlLimitSetAdmin(ReadOnlyAdmin):
    list_display = (
        "account",
        "metric",
        "baseline_start",
        "baseline_end",
        "created_by",
        "created_at",
    )
    list_filter = ("metric",)
    search_fields = ("account__name",)
    list_select_related = ("account", "created_by")
