"""Admin views of comment analysis: read-only. Themes are edited on the Themes page, which
audits the change and re-analyses comments; analyses, labels and rollups are derived."""

from __future__ import annotations

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin
from rapport.enrichment.models import (
    CommentAnalysis,
    EnrichmentJob,
    ResponseTheme,
    Theme,
    ThemeRollup,
    TrainedModel,
)


@admin.register(Theme)
class ThemeAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "active", "position", "updated_at")


@admin.register(CommentAnalysis)
class CommentAnalysisAdmin(ReadOnlyAdmin):
    # label is the person's when they set one, model_label always the model's
    list_display = (
        "response",
        "account",
        "submitted_at",
        "label",
        "model_label",
        "compound",
        "language",
    )
    list_filter = ("label", "model_label", "sentiment_sampled", "language")
    list_select_related = ("account",)
    exclude = ("response",)  # the original comment stays on the response's own page
    show_full_result_count = False


@admin.register(ResponseTheme)
class ResponseThemeAdmin(ReadOnlyAdmin):
    list_display = ("analysis", "theme", "confidence", "source", "corrected_by")
    list_filter = ("source", "theme")
    show_full_result_count = False


@admin.register(TrainedModel)
class TrainedModelAdmin(ReadOnlyAdmin):
    list_display = ("kind", "trained_at", "labels_used", "active")
    exclude = ("artefact",)


@admin.register(EnrichmentJob)
class EnrichmentJobAdmin(ReadOnlyAdmin):
    list_display = ("kind", "reason", "status", "created_at", "done", "total", "analysed")


@admin.register(ThemeRollup)
class ThemeRollupAdmin(ReadOnlyAdmin):
    list_display = ("account", "key", "period", "period_start", "n", "total")
    show_full_result_count = False
