"""The rule form: scope, severity and the parameters of the rule's kind (chosen before the form
is shown, so each parameter is a field of its own with its bounds)."""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.actions.models import Severity
from rapport.alerts.kinds import KIND_PARAMS, Param
from rapport.alerts.models import Rule, RuleScope
from rapport.core.access import Actor, Capability, scope_of
from rapport.core.models import Team
from rapport.monitoring.models import PlanStatus, PlanVersion

PARAM_PREFIX = "param_"


def _field(spec: Param) -> forms.Field:
    if spec.choices:
        return forms.ChoiceField(label=spec.label, choices=spec.choices, help_text=spec.help)
    if spec.type is int:
        return forms.IntegerField(
            label=spec.label,
            min_value=None if spec.low is None else int(spec.low),
            max_value=None if spec.high is None else int(spec.high),
            help_text=spec.help,
        )
    return forms.FloatField(
        label=spec.label, min_value=spec.low, max_value=spec.high, help_text=spec.help
    )


def manageable_teams(user: Actor) -> list[tuple[int, str]]:
    actor_scope = scope_of(user)
    teams = Team.objects.order_by("name")
    if not actor_scope.all_teams:
        teams = teams.filter(pk__in=actor_scope.team_ids)
    return [(t.pk, t.name) for t in teams if actor_scope.can(Capability.MANAGE_RULES, t.pk)]


def agreed_plans(team_ids: list[int]) -> list[tuple[int, str]]:
    rows = (
        PlanVersion.objects.filter(status=PlanStatus.AGREED, plan__team_id__in=team_ids)
        .select_related("plan__account")
        .order_by("plan__account__name")
    )
    return [(v.pk, f"{v.plan.account.name}: agreed plan v{v.number}") for v in rows]


class RuleForm(forms.Form):
    name = forms.CharField(max_length=200)
    scope = forms.ChoiceField(choices=RuleScope.choices)
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    plan_version = forms.TypedChoiceField(
        label="Plan", coerce=int, required=False, empty_value=None,
        help_text="The rule applies while this version is the account's agreed plan.",
    )  # fmt: skip
    severity = forms.ChoiceField(
        choices=Severity.choices,
        help_text="Sets when the alert's action is due: critical 1 day, high 3, medium 7, low 14.",
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, user: Actor, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        teams = manageable_teams(user)
        self.fields["team"].choices = [("", "—"), *teams]  # type: ignore[attr-defined]
        self.fields["plan_version"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *agreed_plans([t for t, _ in teams]),
        ]
        if not scope_of(user).all_teams:
            self.fields["scope"].choices = [  # type: ignore[attr-defined]
                c for c in RuleScope.choices if c[0] != RuleScope.GLOBAL
            ]
        for spec in KIND_PARAMS[kind]:
            field = _field(spec)
            field.initial = spec.default
            self.fields[PARAM_PREFIX + spec.name] = field

    @classmethod
    def for_rule(cls, rule: Rule, *, user: Actor, data: Any = None) -> RuleForm:
        initial = {
            "name": rule.name,
            "scope": rule.scope,
            "team": rule.team_id,
            "plan_version": rule.plan_version_id,
            "severity": rule.severity,
            "active": rule.active,
            **{PARAM_PREFIX + k: v for k, v in rule.params.items()},
        }
        return cls(data, user=user, kind=rule.kind, initial=initial)

    def param_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(PARAM_PREFIX)]

    def values(self) -> dict[str, Any]:
        """The service's fields from the cleaned data."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "scope": data["scope"],
            "team": data.get("team"),
            "plan_version": data.get("plan_version"),
            "kind": self.kind,
            "severity": data["severity"],
            "active": data.get("active", False),
            "params": {
                name[len(PARAM_PREFIX) :]: value
                for name, value in data.items()
                if name.startswith(PARAM_PREFIX)
            },
        }

    def add_service_error(self, field: str, message: str) -> None:
        """Put a service's error on the field the form shows for it."""
        if field == "params":
            name = PARAM_PREFIX + message.split(" ", 1)[0]
            self.add_error(name if name in self.fields else None, message)
        elif field in self.fields:
            self.add_error(field, message)
        else:
            self.add_error(None, message)


class CloseForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why it needs no more attention: what was done, or why it was a false alarm.",
    )
