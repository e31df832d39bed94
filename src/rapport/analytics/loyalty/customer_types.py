"""Customer types: segments of accounts by tier, value, health and loyalty.

Repeat renewals are not stored, so loyalty is read from the account's 90-day NPS (shown
only at or above the minimum n): loyal at 30 or more, passive from 0 to 29, detractor-led
below 0, unknown when there are too few responses. The type of an account combines them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Q, QuerySet, Value, When

from rapport.customers.models import Tier

VALUE_BANDS = {
    "high": ("£250k or more", Decimal(250_000), None),
    "medium": ("£100k–£250k", Decimal(100_000), Decimal(250_000)),
    "low": ("under £100k", None, Decimal(100_000)),
}
HEALTH_BANDS = {"green": "Green", "amber": "Amber", "red": "Red", "none": "Not scored"}
LOYAL_FROM, PASSIVE_FROM = 30.0, 0.0  # NPS on the −100…100 scale of AccountSnapshot.value
LOYALTY = {
    "loyal": "Loyal (NPS ≥ 30)",
    "passive": "Passive (NPS 0–29)",
    "detractor": "Detractor-led (NPS < 0)",
    "unknown": "Unknown (too few responses)",
}


def value_band(value: Decimal) -> str:
    for key, (_, low, high) in VALUE_BANDS.items():
        if (low is None or value >= low) and (high is None or value < high):
            return key
    return "low"


def loyalty_of(nps: float | None) -> str:
    if nps is None:
        return "unknown"
    return "loyal" if nps >= LOYAL_FROM else "passive" if nps >= PASSIVE_FROM else "detractor"


TYPES = {
    "partner": (
        "Partner",
        "healthy, loyal and worth at least £100k: candidates for a long-term relationship",
    ),
    "develop": ("Develop", "healthy or amber but not yet loyal: build the relationship"),
    "recover": ("Recover", "red, or detractor-led, and worth at least £100k: win them back"),
    "maintain": ("Maintain", "everyone else: keep the service steady"),
}


def customer_type(*, band: str, loyalty: str, value: str) -> str:
    valuable = value in ("high", "medium")
    if band == "green" and loyalty == "loyal" and valuable:
        return "partner"
    if valuable and (band == "red" or loyalty == "detractor"):
        return "recover"
    if band in ("green", "amber") and loyalty in ("passive", "unknown", "loyal"):
        return "develop"
    return "maintain"


def type_annotation() -> Case:
    """customer_type() as SQL, for accounts annotated with `nps_value`; When runs in order."""
    valuable = Q(annual_value__gte=VALUE_BANDS["medium"][1])
    green, amber, red = (Q(health__band=b) for b in ("green", "amber", "red"))
    not_detractor = Q(nps_value__gte=PASSIVE_FROM) | Q(nps_value__isnull=True)
    return Case(
        When(green & Q(nps_value__gte=LOYAL_FROM) & valuable, then=Value("partner")),
        When(valuable & (red | Q(nps_value__lt=PASSIVE_FROM)), then=Value("recover")),
        When((green | amber) & not_detractor, then=Value("develop")),
        default=Value("maintain"),
        output_field=CharField(),
    )


def _clean(values: Any, allowed: Mapping[str, Any], what: str) -> tuple[str, ...]:
    if values in (None, ""):
        return ()
    if isinstance(values, str):
        values = [values]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"{what}: {', '.join(map(str, unknown))} not one of {', '.join(allowed)}")
    return tuple(sorted(set(values), key=list(allowed).index))


@dataclass(frozen=True, slots=True)
class SegmentDefinition:
    """Which accounts a segment holds; an empty tuple means any value of that dimension."""

    tiers: tuple[str, ...] = ()
    value_bands: tuple[str, ...] = ()
    health_bands: tuple[str, ...] = ()
    loyalty: tuple[str, ...] = ()
    types: tuple[str, ...] = field(default=())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SegmentDefinition:
        unknown = set(data) - {"tiers", "value_bands", "health_bands", "loyalty", "types"}
        if unknown:
            raise ValueError(f"segment: unknown keys {', '.join(sorted(unknown))}")
        return cls(
            tiers=_clean(data.get("tiers"), dict(Tier.choices), "tiers"),
            value_bands=_clean(data.get("value_bands"), VALUE_BANDS, "value_bands"),
            health_bands=_clean(data.get("health_bands"), HEALTH_BANDS, "health_bands"),
            loyalty=_clean(data.get("loyalty"), LOYALTY, "loyalty"),
            types=_clean(data.get("types"), TYPES, "types"),
        )

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "tiers": list(self.tiers),
            "value_bands": list(self.value_bands),
            "health_bands": list(self.health_bands),
            "loyalty": list(self.loyalty),
            "types": list(self.types),
        }

    def describe(self) -> str:
        parts = []
        if self.types:
            parts.append("type " + " or ".join(TYPES[t][0] for t in self.types))
        if self.tiers:
            parts.append("tier " + " or ".join(dict(Tier.choices)[t] for t in self.tiers))
        if self.value_bands:
            parts.append("value " + " or ".join(VALUE_BANDS[v][0] for v in self.value_bands))
        if self.health_bands:
            parts.append("health " + " or ".join(HEALTH_BANDS[h] for h in self.health_bands))
        if self.loyalty:
            parts.append("loyalty " + " or ".join(LOYALTY[x] for x in self.loyalty))
        return "; ".join(parts) or "all accounts"

    def filter(self, accounts: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow accounts annotated with `nps_value` (snapshot) and `customer_type`."""
        if self.types:
            accounts = accounts.filter(customer_type__in=self.types)
        if self.tiers:
            accounts = accounts.filter(tier__in=self.tiers)
        if self.value_bands:
            q = Q()
            for key in self.value_bands:
                _, low, high = VALUE_BANDS[key]
                part = Q()
                if low is not None:
                    part &= Q(annual_value__gte=low)
                if high is not None:
                    part &= Q(annual_value__lt=high)
                q |= part
            accounts = accounts.filter(q)
        if self.health_bands:
            q = Q(health__band__in=[b for b in self.health_bands if b != "none"])
            if "none" in self.health_bands:
                q |= Q(health__isnull=True) | Q(health__band="")
            accounts = accounts.filter(q)
        if self.loyalty:
            q = Q()
            for key in self.loyalty:
                q |= {
                    "loyal": Q(nps_value__gte=LOYAL_FROM),
                    "passive": Q(nps_value__gte=PASSIVE_FROM, nps_value__lt=LOYAL_FROM),
                    "detractor": Q(nps_value__lt=PASSIVE_FROM),
                    "unknown": Q(nps_value__isnull=True),
                }[key]
            accounts = accounts.filter(q)
        return accounts
