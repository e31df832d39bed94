"""API tokens: only the prefix is kept in clear, so the admin can recognise and revoke."""

from __future__ import annotations

from django.contrib import admin

from rapport.api.models import ApiToken
from rapport.core.admin import ReadOnlyAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    exclude = ("digest",)
