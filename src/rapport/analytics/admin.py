"""Rollups and snapshots are derived data: read-only here, rebuilt by `rebuild_rollups`.
Control limits are agreed on the analytics page (audited), so they are read-only here too."""

from __future__ import annotations

from django.contrib import admin

from rapport.analytics.models import (
    AccountHealth,
    AccountSnapshot,
    ControlLimitSet,
    HealthWeights,
    LoyaltyProposal,
    MetricRollup,
)
from rapport.core.admin import AuditedAdmin, ReadOnlyAdmin


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


# Health scores are derived; weights are set on the weights page, whose service validates
# them and rescores the team's accounts, so both are read-only here.
@admin.register(AccountHealth)
class AccountHealthAdmin(ReadOnlyAdmin):
    list_display = ("account", "as_of", "score", "band", "risk_count")
    list_filter = ("band",)
    search_fields = ("account__name",)
    list_select_related = ("account",)


@admin.register(HealthWeights)
class HealthWeightsAdmin(ReadOnlyAdmin):
    list_display = ("team", "green_from", "amber_from", "renewal_days", "updated_by", "updated_at")
    list_select_related = ("team", "updated_by")


@admin.register(LoyaltyProposal)
class LoyaltyProposalAdmin(AuditedAdmin):
    list_display = ("title", "team", "status", "owner", "created_at")
    list_filter = ("status", "team")
    search_fields = ("title",)
    list_select_related = ("team", "owner")
    autocomplete_fields = ("owner",)
    # The segment is validated by the service; shown, not edited, here.
    readonly_fields = ("segment", "created_by", "created_at")
