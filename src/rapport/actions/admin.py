"""Actions and what follows them in the admin, read-only: every write goes through the
services, so escalation state, history, notifications and the relationship log stay right.
Personal plans are left out: they are confidential to the person, their manager and admins."""

from django.contrib import admin

from rapport.actions.models import (
    Action,
    ActionEvent,
    Escalation,
    Idea,
    LoopClosure,
    PersonalGoal,
    PersonalPlan,
    PlanReview,
    TeamActionPlan,
)
from rapport.core.admin import ReadOnlyAdmin


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("title", "team", "account", "owner", "due_on", "status", "severity")
    list_filter = ("status", "severity", "source_kind", "team")
    search_fields = ("title",)


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("action", "level", "to_user", "at")


@admin.register(LoopClosure)
class LoopClosureAdmin(ReadOnlyAdmin):
    list_display = ("action", "account", "told_at", "channel", "told_by")


@admin.register(Idea)
class IdeaAdmin(ReadOnlyAdmin):
    list_display = ("text", "team", "author", "status", "created_at")
    list_filter = ("status", "team")


@admin.register(TeamActionPlan)
class TeamActionPlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "team", "period_start", "period_end")


# History and personal plans: for administrators to look up (personal plans are confidential to
# the person, their manager and administrators, decision 106).
for model in (ActionEvent, PersonalPlan, PersonalGoal, PlanReview):
    admin.site.register(model, ReadOnlyAdmin)
