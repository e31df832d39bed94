"""Forms for accounts and their relationship records; choices limited to the actor's scope."""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.core.access import Actor, Capability, scope_of
from rapport.core.models import Team, User
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

# Date inputs take ISO dates only; the locale's format (03/02/2026) would leave them empty.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _team_users(team_id: int) -> Any:
    return User.objects.filter(memberships__team_id=team_id, is_active=True).order_by(
        "first_name", "last_name"
    )


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = [
            "name",
            "external_id",
            "team",
            "owner",
            "tier",
            "segment",
            "status",
            "annual_value",
            "cost_to_serve",
            "currency",
            "renewal_date",
        ]
        widgets = {"renewal_date": DATE}

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor_scope = scope_of(actor)
        editable = [t for t in actor_scope.roles if actor_scope.can(Capability.EDIT_ACCOUNTS, t)]
        teams = (
            Team.objects.all() if actor_scope.all_teams else Team.objects.filter(pk__in=editable)
        )
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        owners = User.objects.filter(is_active=True)
        if not actor_scope.all_teams:
            owners = owners.filter(memberships__team__in=teams).distinct()
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class RelatedForm(forms.ModelForm):
    """Base for records that belong to an account: links are limited to that account."""

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        for name, field in self.fields.items():
            model = getattr(getattr(field, "queryset", None), "model", None)
            if model is Contact:
                field.queryset = account.contacts.all()  # type: ignore[attr-defined]
            elif model is Expectation:
                field.queryset = account.expectations.all()  # type: ignore[attr-defined]
            elif model is User:
                field.queryset = _team_users(account.team_id)  # type: ignore[attr-defined]
            if name == "account":
                raise ValueError("account is set by the view, not the form")

    def _post_clean(self) -> None:
        self.instance.account = self.account
        super()._post_clean()  # type: ignore[misc]


class ContactForm(RelatedForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "job_title",
            "email",
            "phone",
            "decision_role",
            "stance",
            "consent_contact",
            "consent_survey",
            "preferred_channel",
            "external_id",
        ]


class StakeholderForm(RelatedForm):
    class Meta:
        model = AccountStakeholder
        fields = ["user", "role", "since", "notes"]
        widgets = {"since": DATE}


class ExternalPartyForm(RelatedForm):
    class Meta:
        model = ExternalParty
        fields = ["name", "kind", "contact_name", "email", "scope"]


class ExpectationForm(RelatedForm):
    class Meta:
        model = Expectation
        fields = ["description", "source", "raised_by", "agreed", "agreed_on"]
        widgets = {"agreed_on": DATE}


class CommitmentForm(RelatedForm):
    class Meta:
        model = Commitment
        fields = ["description", "expectation", "owner", "due_date", "status"]
        widgets = {"due_date": DATE}


class CommunicationForm(RelatedForm):
    class Meta:
        model = Communication
        fields = [
            "channel",
            "direction",
            "occurred_at",
            "contacts",
            "summary",
            "follow_up",
            "follow_up_due",
            "follow_up_done_on",
        ]
        widgets = {
            "occurred_at": DATETIME,
            "follow_up_due": DATE,
            "follow_up_done_on": DATE,
            "contacts": forms.CheckboxSelectMultiple,
        }


RELATED_FORMS: dict[str, type[RelatedForm]] = {
    "contacts": ContactForm,
    "stakeholders": StakeholderForm,
    "external-parties": ExternalPartyForm,
    "expectations": ExpectationForm,
    "commitments": CommitmentForm,
    "communications": CommunicationForm,
}


class CostEntryForm(forms.ModelForm):
    """A dated cost on the account's Health & profit tab; currency is the account's."""

    class Meta:
        model = CostEntry
        fields = ["date", "kind", "amount", "hours", "note"]
        widgets = {"date": DATE}
        help_texts = {"hours": "Needed for service hours.", "amount": "A cost, 0 or more."}

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["amount"].label = f"Amount ({account.currency})"

    def _post_clean(self) -> None:
        self.instance.account = self.account
        self.instance.currency = self.account.currency
        super()._post_clean()  # type: ignore[misc]
