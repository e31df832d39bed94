"""Admin for key accounts and the records around them (audited like the app's own forms)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rapport.core.admin import AuditedAdmin
from rapport.customers.models import (
    Account,
    AccountStakeholder,
    Commitment,
    Communication,
    Contact,
    CostEntry,
    Expectation,
    ExternalParty,
)
from rapport.customers.services import account_moved


@admin.register(Account)
class AccountAdmin(AuditedAdmin):
    list_display = ("name", "external_id", "tier", "segment", "team", "owner", "status")
    list_filter = ("tier", "status", "team", "segment")
    search_fields = ["name", "external_id"]
    list_select_related = ["team", "owner"]
    autocomplete_fields = ["team", "owner"]
    readonly_fields = ("last_contact_at", "last_decision_maker_contact_at")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "team" in form.changed_data:
            account_moved(obj)


class AccountRecordAdmin(AuditedAdmin):
    """Records that belong to one account."""

    list_select_related = ["account"]
    autocomplete_fields = ["account"]
    search_fields = ["account__name"]


@admin.register(Contact)
class ContactAdmin(AccountRecordAdmin):
    list_display = ("name", "account", "job_title", "decision_role", "stance")
    list_filter = ("decision_role", "stance", "consent_survey")
    search_fields = ["name", "email", "account__name"]
    readonly_fields = ("last_contacted_at", "consent_updated_at")


@admin.register(AccountStakeholder)
class AccountStakeholderAdmin(AccountRecordAdmin):
    list_display = ("user", "account", "role", "since")
    list_filter = ("role",)
    list_select_related = ["account", "user"]
    autocomplete_fields = ["account", "user"]


@admin.register(ExternalParty)
class ExternalPartyAdmin(AccountRecordAdmin):
    list_display = ("name", "kind", "account")
    list_filter = ("kind",)


@admin.register(Expectation)
class ExpectationAdmin(AccountRecordAdmin):
    list_display = ("description", "account", "source", "agreed")
    list_filter = ("source", "agreed")


@admin.register(Commitment)
class CommitmentAdmin(AccountRecordAdmin):
    list_display = ("description", "account", "owner", "due_date", "status")
    list_filter = ("status",)
    list_select_related = ["account", "owner"]
    autocomplete_fields = ["account", "owner"]


@admin.register(Communication)
class CommunicationAdmin(AccountRecordAdmin):
    list_display = ("occurred_at", "account", "channel", "direction", "logged_by")
    list_filter = ("channel", "direction")
    list_select_related = ["account", "logged_by"]
    autocomplete_fields = ["account", "contacts", "logged_by"]
    date_hierarchy = "occurred_at"


@admin.register(CostEntry)
class CostEntryAdmin(AccountRecordAdmin):
    list_display = ("date", "account", "kind", "amount", "currency", "hours", "created_by")
    list_filter = ("kind",)
    list_select_related = ["account", "created_by"]
    autocomplete_fields = ["account", "created_by"]
    date_hierarchy = "date"
