"""Targets per metric until the monitoring plan holds agreed KPI targets per account.

The organisation-wide defaults below can be overridden with a `RAPPORT_TARGETS` setting
(e.g. {"csat": 85.0}); `target_for` is the one place a later `monitoring.Kpi` will plug in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from rapport.customers.models import Account

# On the display scale: CSAT top-2 box in %, NPS from -100 to 100.
DEFAULT_TARGETS: dict[str, float] = {"csat": 80.0, "nps": 30.0}


@dataclass(frozen=True, slots=True)
class Target:
    value: float
    source: str  # shown next to the figure, so nobody takes it for an agreed KPI


def target_for(account: Account, metric: str) -> Target | None:
    overrides: dict[str, float] = getattr(settings, "RAPPORT_TARGETS", {}) or {}
    if metric in overrides:
        return Target(float(overrides[metric]), "organisation setting (RAPPORT_TARGETS)")
    if metric in DEFAULT_TARGETS:
        return Target(DEFAULT_TARGETS[metric], "organisation default until KPI targets exist")
    return None
