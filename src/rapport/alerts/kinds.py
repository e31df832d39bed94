"""What each kind of rule takes as parameters: names, types, bounds, defaults, help text.

`clean_params` is the one validator (services, forms and the API go through it): unknown names
and values out of bounds are a ValidationError on `params` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from rapport.alerts.models import RuleKind

METRIC_CHOICES = (("nps", "NPS"), ("csat", "CSAT"), ("ces", "CES"))
CHART_CHOICES = (("csat", "CSAT"), ("nps", "NPS detractors"))
CONTROL_PRESETS = (
    ("default", "Nelson 1, 2, 3 and 5"),
    ("western-electric", "Western Electric"),
    ("nelson", "All Nelson rules 1–8"),
)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    label: str
    type: type  # int, float or str (a choice)
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    phrase: str = "{}"  # how the rules list words the value: "more than {} complaints"

    def clean(self, value: Any) -> Any:
        if self.choices:
            allowed = [key for key, _ in self.choices]
            if value not in allowed:
                raise ValueError(f"{self.name} must be one of {', '.join(allowed)}")
            return value
        try:
            if isinstance(value, bool):
                raise TypeError
            number = self.type(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.name} must be a number") from None
        if self.type is int and float(value) != number:
            raise ValueError(f"{self.name} must be a whole number")
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            raise ValueError(f"{self.name} must be from {self.low:g} to {self.high:g}")
        return number


_METRIC = Param("metric", "Metric", str, "csat", choices=METRIC_CHOICES)

KIND_PARAMS: dict[str, tuple[Param, ...]] = {
    RuleKind.TARGET_BREACHED: (
        _METRIC,
        Param(
            "default_tolerance", "Tolerance without a plan", float, 5.0, 0, 100,
            help="Points either side of the organisation's default target, used only for "
            "accounts without an agreed KPI (a plan's KPI brings its own tolerance).",
            phrase="± {} points around the default target where no plan is agreed",
        ),
    ),
    RuleKind.CONTROL_RULE_BROKEN: (
        # The charts the Analytics tab draws (its link shows the episode).
        Param("metric", "Chart", str, "csat", choices=CHART_CHOICES),
        Param("rules", "Control rules", str, "default", choices=CONTROL_PRESETS,
              phrase="rules: {}"),
    ),
    RuleKind.SIGNIFICANT_TREND: (
        _METRIC,
        Param(
            "periods", "Months", int, 6, 4, 12,
            help="The last K months with enough responses; the slope's 95 % interval must lie "
            "below zero.",
            phrase="over {} months",
        ),
    ),
    RuleKind.COMPLAINTS: (
        Param("threshold", "More than N complaints", int, 2, 0, 1000,
              phrase="more than {} complaints"),
        Param("days", "In the last D days", int, 30, 1, 365, phrase="in {} days"),
    ),
    RuleKind.DECISION_MAKER_DETRACTOR: (
        Param(
            "days", "Answers of the last D days", int, 90, 1, 365,
            help="A decision maker's latest NPS answer in this window is 0 to 6.",
            phrase="answers of the last {} days",
        ),
    ),
    RuleKind.DECISION_MAKER_SILENT: (
        Param("days", "No contact for N days", int, 60, 1, 730,
              phrase="no contact for {} days"),
    ),
    RuleKind.COMMITMENT_OVERDUE: (
        Param("grace_days", "Days past due", int, 0, 0, 365,
              phrase="{} days past due"),
    ),
    RuleKind.EXPECTATION_NOT_MET: (),
    RuleKind.RENEWAL_HEALTH_FALLING: (
        Param("days", "Renewal within N days", int, 90, 1, 730,
              phrase="renewal within {} days"),
    ),
}  # fmt: skip

# What each kind looks at, for the rules page.
KIND_HELP: dict[str, str] = {
    RuleKind.TARGET_BREACHED: "The 90-day figure lies outside the agreed KPI's tolerance band "
    "(the organisation's default target where no plan is agreed).",
    RuleKind.CONTROL_RULE_BROKEN: "The control chart has an open episode of signals for the "
    "worse (it includes the latest judged period).",
    RuleKind.SIGNIFICANT_TREND: "The monthly figure falls over the last K months: the "
    "least-squares slope's 95 % interval lies below zero.",
    RuleKind.COMPLAINTS: "More than N responses of the complaint channel in the last D days.",
    RuleKind.DECISION_MAKER_DETRACTOR: "A contact whose role is decision maker last answered "
    "NPS 0 to 6.",
    RuleKind.DECISION_MAKER_SILENT: "The account has decision makers and none was in a logged "
    "communication for N days.",
    RuleKind.COMMITMENT_OVERDUE: "An open commitment is past its due date.",
    RuleKind.EXPECTATION_NOT_MET: "An expectation's latest review found it not met or partly met.",
    RuleKind.RENEWAL_HEALTH_FALLING: "The renewal falls within N days and a health component "
    "is falling.",
}


def clean_params(kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The kind's parameters with defaults filled in; a ValidationError on `params` naming the
    first parameter that is unknown or out of bounds."""
    if kind not in KIND_PARAMS:
        raise ValidationError({"kind": f"Unknown kind “{kind}”."})
    given = dict(params or {})
    specs = {p.name: p for p in KIND_PARAMS[kind]}
    unknown = sorted(set(given) - set(specs))
    if unknown:
        raise ValidationError(
            {"params": f"{unknown[0]} is not a parameter of this kind; it takes "
             f"{', '.join(specs) or 'none'}."}
        )  # fmt: skip
    cleaned = {}
    for name, spec in specs.items():
        value = given.get(name, spec.default)
        if value in ("", None):
            value = spec.default
        try:
            cleaned[name] = spec.clean(value)
        except ValueError as error:
            raise ValidationError({"params": str(error)}) from None
    return cleaned


def describe_params(kind: str, params: Mapping[str, Any]) -> str:
    """ "CSAT, ± 5 points around the default target where no plan is agreed" for the lists."""
    parts = []
    for spec in KIND_PARAMS.get(kind, ()):
        value = params.get(spec.name, spec.default)
        shown = dict(spec.choices).get(value, value) if spec.choices else f"{value:g}"
        parts.append(spec.phrase.format(shown))
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] if text else "No parameters"
