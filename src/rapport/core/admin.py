"""Admin for people, teams and the audit trail; the base classes every app's admin uses.

Changes made in the admin are audited like any other (via "admin"). Records whose writes
must go through a service to keep derived data right (responses and their rollups, imports,
the audit trail itself) are shown read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from rapport.core.models import AuditAction, AuditEvent, Membership, Team, User, WorkerBeat
from rapport.core.services import record_audit


def _team_id(obj: Model) -> int | None:
    """The team an audited object belongs to: its own, or its account's."""
    team_id = getattr(obj, "team_id", None)
    if team_id is None:
        team_id = getattr(getattr(obj, "account", None), "team_id", None)
    return team_id


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit event (field names only) for every add, change and delete."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_audit(
            actor=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            instance=obj,
            changed_fields=form.changed_data,
            team_id=_team_id(obj),
            via="admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_audit(
            actor=request.user,
            action=AuditAction.DELETE,
            instance=obj,
            team_id=_team_id(obj),
            via="admin",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for looking things up; changed only through the product's services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"  # the other link to a user is the membership's manager
    extra = 0
    autocomplete_fields = ["team", "manager"]


@admin.register(User)
class RapportUserAdmin(AuditedAdmin, UserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "first_name", "last_name", "email", "is_staff", "is_active")


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "team", "role", "manager")
    list_filter = ("role", "team")
    search_fields = ("user__username", "team__name")
    autocomplete_fields = ["user", "team", "manager"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "team", "via")
    list_filter = ("action", "via", "object_type")
    search_fields = ("object_type", "object_id", "actor_name")
    date_hierarchy = "at"
    list_select_related = ("team",)


@admin.register(WorkerBeat)
class WorkerBeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "started_at", "beat_at")
