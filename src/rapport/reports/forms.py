"""The report definition form: choices limited to the teams, accounts, people and contacts the
actor may see; the services check the cross-field rules and name the field."""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.core.access import Actor, Capability, scope_of
from rapport.core.models import Team, User
from rapport.customers.models import Contact
from rapport.customers.selectors import accounts_for
from rapport.reports.models import Format, ReportDefinition
from rapport.reports.registry import type_choices

FIELDS = (
    "name",
    "team",
    "report_type",
    "audience",
    "accounts",
    "tier",
    "period_months",
    "frequency_source",
    "recurrence",
    "formats",
    "recipients",
    "contact_recipients",
    "owner",
    "active",
)


class DefinitionForm(forms.ModelForm):
    report_type = forms.ChoiceField(label="Type")
    formats = forms.MultipleChoiceField(
        choices=Format.choices, widget=forms.CheckboxSelectMultiple, initial=["web", "pdf"]
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none())

    class Meta:
        model = ReportDefinition
        fields = list(FIELDS)
        widgets = {
            "accounts": forms.SelectMultiple(attrs={"size": 8}),
            "recipients": forms.SelectMultiple(attrs={"size": 6}),
            "contact_recipients": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "recurrence": "An RRULE in the organisation's time zone, e.g. "
            "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7 (the 1st of each month at 07:00).",
            "accounts": "None: every account of the team (with the tier below, if any). A review "
            "pack and every customer-facing report cover exactly one.",
            "contact_recipients": "For a customer-facing report: the customer's people who receive "
            "it once its account owner approves it.",
        }

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor_scope = scope_of(actor)
        allowed = [t for t in actor_scope.roles if actor_scope.can(Capability.MANAGE_REPORTS, t)]
        teams = Team.objects.all() if actor_scope.all_teams else Team.objects.filter(pk__in=allowed)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["report_type"].choices = type_choices()  # type: ignore[attr-defined]
        visible = accounts_for(actor).select_related("team").order_by("name")
        self.fields["accounts"].queryset = visible  # type: ignore[attr-defined]
        people = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        if not actor_scope.all_teams:
            people = people.filter(memberships__team_id__in=actor_scope.team_ids).distinct()
        self.fields["recipients"].queryset = people  # type: ignore[attr-defined]
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]
        self.fields["contact_recipients"].queryset = (  # type: ignore[attr-defined]
            Contact.objects.filter(account__in=visible)
            .exclude(email="")
            .select_related("account")
            .order_by("account__name", "name")
        )
        self.fields["contact_recipients"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{c.name} ({c.account.name})"
        )
        if self.instance.pk:
            self.fields["team"].disabled = True
            self.fields["formats"].initial = self.instance.formats
        else:
            self.fields["owner"].initial = actor.pk
            if teams.count() == 1:
                self.fields["team"].initial = teams.first()

    def split(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(fields, related) for the services."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "name",
                "report_type",
                "audience",
                "frequency_source",
                "recurrence",
                "period_months",
                "tier",
                "owner",
                "active",
            )
        }
        fields["formats"] = list(data["formats"])
        related = {
            name: list(data[name]) for name in ("accounts", "recipients", "contact_recipients")
        }
        return fields, related


class RecommendationForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    included = forms.BooleanField(required=False, initial=True)
