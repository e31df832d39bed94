"""Admin views of feedback: read-only, since a response written here would bypass the
rollups; responses change through the import, the API or the app."""

from __future__ import annotations

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin
from rapport.feedback.models import ImportJob, ImportRowError, Response


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ("submitted_at", "account", "channel", "nps", "csat", "ces", "source_system")
    list_filter = ("channel", "source_system")
    search_fields = ("external_id", "account__name")
    list_select_related = ("account",)
    date_hierarchy = "submitted_at"
    show_full_result_count = False  # a COUNT over millions of rows on every page is slow


class ImportRowErrorInline(admin.TabularInline):
    model = ImportRowError
    extra = 0
    can_delete = False
    max_num = 0
    fields = ("row_number", "column", "value", "reason")
    readonly_fields = fields


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "file_name",
        "created_by",
        "status",
        "rows_read",
        "rows_inserted",
        "rows_rejected",
    )
    list_filter = ("status", "file_format", "via")
    search_fields = ("file_name",)
    list_select_related = ("created_by",)


@admin.register(ImportRowError)
class ImportRowErrorAdmin(ReadOnlyAdmin):
    list_display = ("job", "row_number", "column", "reason")
    search_fields = ("reason", "column")
    list_select_related = ("job",)
