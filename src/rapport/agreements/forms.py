"""Forms of agreements; every choice is limited to the account's or team's own records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.agreements.models import (
    AgreementChange,
    Alternative,
    ExpectationReview,
    Incident,
    NotificationTemplate,
    Outcome,
    TemplateKind,
)
from rapport.agreements.templating import PLACEHOLDERS
from rapport.core.models import Team, User
from rapport.customers.forms import DATE, DATETIME
from rapport.customers.models import Account, Contact
from rapport.monitoring.models import PlanVersion

TEXT = forms.Textarea(attrs={"rows": 3})


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError on the form: on its field when the form has it, else above
    the form (with the field's name)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        else:
            form.add_error(None, f"{field.replace('_', ' ')}: {' '.join(errors)}")


class ReviewForm(forms.ModelForm):
    class Meta:
        model = ExpectationReview
        fields = ["outcome", "evidence", "reviewed_on", "reasons_given", "agreed_outcome"]
        widgets = {
            "reviewed_on": DATE,
            "evidence": TEXT,
            "reasons_given": TEXT,
            "agreed_outcome": TEXT,
            "outcome": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = Outcome.choices  # type: ignore[attr-defined]
        if not self.instance.pk:
            self.fields["reviewed_on"].initial = timezone.localdate()


class AlternativeForm(forms.ModelForm):
    class Meta:
        model = Alternative
        fields = [
            "description",
            "provider",
            "provider_name",
            "currency",
            "cost_to_us",
            "cost_to_us_note",
            "benefit_to_us",
            "benefit_to_us_note",
            "cost_to_customer",
            "cost_to_customer_note",
            "benefit_to_customer",
            "benefit_to_customer_note",
        ]
        widgets = {"description": TEXT}
        labels = {
            "cost_to_us_note": "Cost to us, in words",
            "benefit_to_us_note": "Benefit to us, in words",
            "cost_to_customer_note": "Cost to the customer, in words",
            "benefit_to_customer_note": "Benefit to the customer, in words",
        }


class ActionForm(forms.Form):
    """Open an improvement action for an unmet expectation."""

    owner = forms.ModelChoiceField(queryset=User.objects.none())
    due_on = forms.DateField(widget=DATE)
    severity = forms.ChoiceField(
        choices=[("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")],
        initial="medium",
    )

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__team_id=account.team_id, is_active=True
        ).order_by("first_name", "last_name", "username")
        self.fields["owner"].initial = account.owner_id


class ChooseForm(forms.Form):
    agreed_outcome = forms.CharField(
        required=False, widget=TEXT, label="What was agreed", max_length=2000
    )


class AgreementChangeForm(forms.ModelForm):
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each is told through their preferred channel: e-mail is sent at once, any "
        "other channel becomes a task for the account owner.",
    )
    template = forms.ModelChoiceField(
        queryset=NotificationTemplate.objects.none(),
        required=False,
        help_text="Leave empty for the standard wording.",
    )

    class Meta:
        model = AgreementChange
        fields = [
            "subject",
            "expectation",
            "commitment",
            "plan_version",
            "what_changed",
            "before",
            "after",
            "effective_on",
        ]
        widgets = {"effective_on": DATE, "before": TEXT, "after": TEXT}

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expectation"].queryset = account.expectations.all()  # type: ignore[attr-defined]
        self.fields["commitment"].queryset = account.commitments.all()  # type: ignore[attr-defined]
        self.fields["plan_version"].queryset = PlanVersion.objects.filter(  # type: ignore[attr-defined]
            plan__account=account
        ).order_by("-number")
        self.fields["contacts"].queryset = account.contacts.order_by("name")  # type: ignore[attr-defined]
        self.fields["contacts"].label_from_instance = _contact_label  # type: ignore[attr-defined]
        self.fields["template"].queryset = NotificationTemplate.objects.filter(  # type: ignore[attr-defined]
            team_id=account.team_id, kind=TemplateKind.AGREEMENT_CHANGE
        )


def _contact_label(contact: Contact) -> str:
    consent = "" if contact.consent_contact else " — no consent, will not be contacted"
    role = contact.get_decision_role_display()
    return f"{contact.name} ({role}, by {contact.get_preferred_channel_display()}){consent}"


class IncidentForm(forms.ModelForm):
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    accounts = forms.ModelMultipleChoiceField(
        queryset=Account.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Accounts of the incident's team (hold Ctrl or ⌘ to pick several).",
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "kind",
            "severity",
            "description",
            "started_at",
            "expected_end_at",
            "ended_at",
            "what_we_offer",
        ]
        widgets = {
            "started_at": DATETIME,
            "expected_end_at": DATETIME,
            "ended_at": DATETIME,
            "description": TEXT,
            "what_we_offer": TEXT,
        }

    def __init__(
        self, *args: Any, teams: Any, accounts: Any, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["accounts"].queryset = accounts  # type: ignore[attr-defined]
        if editing:
            del self.fields["team"]
        elif teams.count() == 1:
            self.fields["team"].initial = teams.first()


class TemplateForm(forms.ModelForm):
    team = forms.ModelChoiceField(queryset=Team.objects.none())

    class Meta:
        model = NotificationTemplate
        fields = ["name", "kind", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {
            "body": "Placeholders: " + ", ".join(f"{{{k}}} ({v})" for k, v in PLACEHOLDERS.items())
        }

    def __init__(self, *args: Any, teams: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        if editing:
            del self.fields["team"]
        elif teams.count() == 1:
            self.fields["team"].initial = teams.first()


class NoticeDoneForm(forms.Form):
    summary = forms.CharField(
        required=False, max_length=2000, widget=TEXT, label="What was said (optional)"
    )
