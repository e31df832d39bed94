"""Targets per metric: an agreed KPI target where a provider has one, else the organisation's.

Apps above analytics (monitoring: the KPI targets of an account's agreed plan) register a
provider with `register_provider` from their `AppConfig.ready()`; `target_for` asks the
providers in order and falls back to the organisation-wide defaults below, which a
`RAPPORT_TARGETS` setting (e.g. {"csat": 85.0}) overrides (decision 51 for the registry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from rapport.core.registries import Registry
from rapport.customers.models import Account

# On the display scale: CSAT top-2 box in %, NPS from -100 to 100.
DEFAULT_TARGETS: dict[str, float] = {"csat": 80.0, "nps": 30.0}


@dataclass(frozen=True, slots=True)
class Target:
    value: float
    source: str  # shown next to the figure, so nobody takes a default for an agreed KPI
    # An agreed target may carry a band still accepted around it and the better direction.
    tolerance: float | None = None
    direction: str = "higher"  # "higher" | "lower"


# A provider answers for an account and metric, or None to let the next one (or the default)
# answer. Registering a name again replaces it.
TargetProvider = Callable[[Account, str], Target | None]
TARGET_PROVIDERS: Registry[TargetProvider] = Registry()


def register_provider(name: str, provider: TargetProvider, *, order: int = 50) -> None:
    TARGET_PROVIDERS.register(name, provider, order=order)


def organisation_target(metric: str) -> Target | None:
    overrides: dict[str, float] = getattr(settings, "RAPPORT_TARGETS", {}) or {}
    if metric in overrides:
        return Target(float(overrides[metric]), "organisation setting (RAPPORT_TARGETS)")
    if metric in DEFAULT_TARGETS:
        return Target(DEFAULT_TARGETS[metric], "organisation default (no agreed KPI)")
    return None


def target_for(account: Account, metric: str) -> Target | None:
    for provider in TARGET_PROVIDERS.in_order():
        target = provider(account, metric)
        if target is not None:
            return target
    return organisation_target(metric)
