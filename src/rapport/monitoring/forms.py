"""Forms of the plan editor, sign-off, change requests and activities; choices limited to the
plan's account and team."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from rapport.core.models import User
from rapport.customers.models import Account, Tier
from rapport.monitoring import recurrence
from rapport.monitoring.models import Kpi, PlanMethod, PlanReport, PlanTemplate, PlanVersion

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
TEXT = forms.Textarea(attrs={"rows": 3})


def _team_users(team_id: int) -> Any:
    return User.objects.filter(memberships__team_id=team_id, is_active=True).order_by(
        "first_name", "last_name"
    )


class VersionForm(forms.ModelForm):
    class Meta:
        model = PlanVersion
        fields = [
            "objectives",
            "information_needs",
            "quantitative_needs",
            "communication_plan",
            "trigger_criteria",
            "internal_notes",
            "target_margin_percent",
        ]
        widgets = dict.fromkeys(fields[:-1], TEXT)
        help_texts = {
            "internal_notes": "Internal only: never shown to the customer.",
            "target_margin_percent": "Internal only.",
        }


class _AccountItemForm(forms.ModelForm):
    """Links limited to the plan's account (contacts, external parties) and team (users)."""

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            model = getattr(queryset, "model", None)
            if model is User:
                field.queryset = _team_users(account.team_id)  # type: ignore[attr-defined]
            elif model is not None and name in (
                "customer_contacts",
                "recipient_contacts",
            ):
                field.queryset = account.contacts.all()  # type: ignore[attr-defined]
            elif name == "external_parties":
                field.queryset = account.external_parties.all()  # type: ignore[attr-defined]

    def clean_recurrence(self) -> str:
        rule = self.cleaned_data.get("recurrence", "")
        try:
            return recurrence.normalise(rule)
        except ValidationError as error:
            raise ValidationError(error.message_dict["recurrence"]) from None


class MethodForm(_AccountItemForm):
    class Meta:
        model = PlanMethod
        fields = [
            "kind",
            "title",
            "formal",
            "recurrence",
            "starts_on",
            "due_time",
            "on_time_days",
            "owner",
            "our_stakeholders",
            "customer_contacts",
            "external_parties",
            "technology",
            "cost",
            "currency",
        ]
        widgets = {
            "starts_on": DATE,
            "due_time": TIME,
            "our_stakeholders": forms.CheckboxSelectMultiple,
            "customer_contacts": forms.CheckboxSelectMultiple,
            "external_parties": forms.CheckboxSelectMultiple,
        }
        labels = {"cost": "Cost per occurrence (internal only)"}
        help_texts = {
            "recurrence": "An RRULE: FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1 is every 3 months "
            "on the 1st; FREQ=WEEKLY;BYDAY=MO every Monday.",
        }


class KpiForm(_AccountItemForm):
    class Meta:
        model = Kpi
        fields = ["metric", "target", "tolerance", "direction", "baseline_start", "baseline_end"]
        widgets = {"baseline_start": DATE, "baseline_end": DATE}
        help_texts = {
            "metric": "nps, csat, ces or a custom answer's key.",
            "baseline_start": "With the end: the window the control-chart limits are set from "
            "when the plan is agreed (csat and nps).",
        }


class ReportForm(_AccountItemForm):
    class Meta:
        model = PlanReport
        fields = [
            "report_type",
            "audience",
            "recurrence",
            "recipient_users",
            "recipient_contacts",
            "extra_recipients",
        ]
        widgets = {
            "recipient_users": forms.CheckboxSelectMultiple,
            "recipient_contacts": forms.CheckboxSelectMultiple,
            "extra_recipients": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"report_type": "e.g. account_review_pack, variance_report."}


ITEM_FORMS: dict[str, type[_AccountItemForm]] = {
    "methods": MethodForm,
    "kpis": KpiForm,
    "reports": ReportForm,
}


class AgreeForm(forms.Form):
    agreed_with: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label="Agreed with (customer contact)", empty_label=None
    )
    agreed_at = forms.DateTimeField(
        widget=DATETIME, required=False, help_text="Leave empty for now."
    )
    evidence = forms.FileField(required=False, help_text="e.g. the signed minutes (≤ 10 MB).")
    evidence_reference = forms.CharField(
        max_length=300, required=False, help_text="Or a reference to where the evidence is kept."
    )

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreed_with"].queryset = account.contacts.all()  # type: ignore[attr-defined]

    def clean_evidence(self) -> Any:
        evidence = self.cleaned_data.get("evidence")
        if evidence is not None and evidence.size > 10 * 1024 * 1024:
            raise ValidationError("The file is larger than 10 MB.")
        return evidence


class ChangeRequestForm(forms.Form):
    requested_by: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label="Asked by (customer contact)"
    )
    requested_on = forms.DateField(widget=DATE, label="Asked on")
    description = forms.CharField(widget=TEXT, label="What they asked to change")

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requested_by"].queryset = account.contacts.all()  # type: ignore[attr-defined]


class DeclineForm(forms.Form):
    response = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What we told them")


class CompleteForm(forms.Form):
    done_at = forms.DateTimeField(widget=DATETIME, required=False, label="Done at (empty: now)")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    invited = forms.IntegerField(min_value=0, required=False, label="Invited (survey waves)")
    responses = forms.IntegerField(min_value=0, required=False, label="Responses")


JSON_TEXT = forms.Textarea(attrs={"rows": 8, "class": "code", "spellcheck": "false"})


class TemplateForm(forms.ModelForm):
    """A tier's plan template: its text, and its methods, KPIs and reports as JSON lists of
    objects (lossless: a template item carries every field of the plan item except people,
    decision 148). Each item is checked as the plan item it becomes, naming its position."""

    ITEMS = {
        "methods": (PlanMethod, ("version", "owner")),
        "kpis": (Kpi, ("version",)),
        "reports": (PlanReport, ("version",)),
    }

    class Meta:
        model = PlanTemplate
        fields = [
            "tier",
            "name",
            "objectives",
            "information_needs",
            "quantitative_needs",
            "communication_plan",
            "trigger_criteria",
            "methods",
            "kpis",
            "reports",
        ]
        widgets = {
            **dict.fromkeys(fields[2:7], TEXT),
            **dict.fromkeys(fields[7:], JSON_TEXT),
        }
        help_texts = {
            "methods": 'A JSON list, e.g. [{"kind": "account_call", "title": "Monthly call", '
            '"recurrence": "FREQ=MONTHLY;BYMONTHDAY=1", "due_time": "09:00"}].',
            "kpis": 'A JSON list, e.g. [{"metric": "csat", "target": 85, "tolerance": 3}].',
            "reports": 'A JSON list, e.g. [{"report_type": "account_review_pack", '
            '"audience": "customer", "recurrence": "FREQ=MONTHLY;INTERVAL=3"}].',
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a template stays its tier's; a new one takes a tier without one
            del self.fields["tier"]
        else:
            taken = set(PlanTemplate.objects.values_list("tier", flat=True))
            self.fields["tier"].choices = [  # type: ignore[attr-defined]
                (value, label) for value, label in Tier.choices if value not in taken
            ]

    def _items(self, name: str) -> list[dict[str, Any]]:
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValidationError("Give a JSON list of objects, one per item.")
        model, exclude = self.ITEMS[name]
        known = {f.name for f in model._meta.concrete_fields} - {"id", "lineage", *exclude}
        for position, item in enumerate(value, start=1):
            unknown = sorted(set(item) - known)
            if unknown:
                raise ValidationError(f"Item {position}: unknown field {', '.join(unknown)}.")
            fields = dict(item)
            if name == "methods":
                try:
                    fields["recurrence"] = recurrence.normalise(str(item.get("recurrence", "")))
                except ValidationError as error:
                    raise ValidationError(f"Item {position}: {' '.join(error.messages)}") from None
            try:
                model(**fields).full_clean(exclude=[*exclude, "lineage"])
            except (ValidationError, TypeError, ValueError) as error:
                words = " ".join(getattr(error, "messages", [str(error)]))
                raise ValidationError(f"Item {position}: {words}") from None
        return value

    def clean_methods(self) -> list[dict[str, Any]]:
        return self._items("methods")

    def clean_kpis(self) -> list[dict[str, Any]]:
        return self._items("kpis")

    def clean_reports(self) -> list[dict[str, Any]]:
        return self._items("reports")
