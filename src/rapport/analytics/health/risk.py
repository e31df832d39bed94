"""Why an account is at risk: each reason named, worded for a manager, with its data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from rapport.analytics.health.scoring import Batch, HealthResult, Weighting
from rapport.customers.models import Account, DecisionRole, Stance

DM_SILENCE_DAYS = 90
# A component counts as falling when it lost this many points since the stored baseline.
FALL_POINTS = 15.0
DETRACTOR_MAX = 6

REASONS = {
    "falling_component": "Falling health component",
    "critical_decision_maker": "Decision maker is a critic or detractor",
    "broken_commitments": "Broken commitments",
    "renewal_soon": "Renewal soon",
    "decision_maker_silent": "No decision-maker contact",
}


@dataclass(frozen=True, slots=True)
class RiskReason:
    code: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return REASONS[self.code]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "text": self.text, "data": dict(self.data)}


def _day(value: date) -> str:
    return f"{value:%-d %b %Y}"


def _falling(
    health: HealthResult, baseline: Mapping[str, float], baseline_as_of: date | None
) -> list[RiskReason]:
    reasons = []
    for component in health.components:
        if component.key == "feedback_trend":
            for item in component.data.get("down", []):
                label = item["metric"].upper()
                reasons.append(
                    RiskReason(
                        "falling_component",
                        f"{label} significantly down over 90 days: {item['before']:.0f} → "
                        f"{item['now']:.0f}",
                        {"component": component.key, **item},
                    )
                )
            continue
        before = baseline.get(component.key)
        if component.score is None or before is None or baseline_as_of is None:
            continue
        if before - component.score >= FALL_POINTS:
            reasons.append(
                RiskReason(
                    "falling_component",
                    f"{component.label} fell from {before:.0f} to {component.score:.0f} "
                    f"since {_day(baseline_as_of)}",
                    {
                        "component": component.key,
                        "before": round(before, 1),
                        "now": round(component.score, 1),
                        "since": baseline_as_of.isoformat(),
                    },
                )
            )
    return reasons


def _critical_decision_makers(account: Account, batch: Batch) -> list[RiskReason]:
    reasons = []
    for contact in batch.contacts.get(account.pk, []):
        if contact.decision_role != DecisionRole.DECISION_MAKER:
            continue
        latest = getattr(contact, "latest_nps", None)
        data = {"contact_id": contact.pk, "name": contact.name, "stance": contact.stance}
        why = []
        if contact.stance == Stance.CRITIC:
            why.append("is recorded as a critic")
        if latest is not None and latest <= DETRACTOR_MAX:
            at = getattr(contact, "latest_nps_at", None)
            data |= {"latest_nps": latest, "latest_nps_at": at.isoformat() if at else None}
            when = f" on {_day(timezone.localdate(at))}" if at else ""
            why.append(f"answered {latest} to the recommend question{when} (a detractor)")
        if why:
            text = f"{contact.name}, decision maker, {' and '.join(why)}"
            reasons.append(RiskReason("critical_decision_maker", text, data))
    return reasons


def _broken(account: Account, batch: Batch) -> list[RiskReason]:
    broken = batch.broken_commitments.get(account.pk, [])
    if not broken:
        return []
    shown = "; ".join(f"“{b['description'][:60]}” (due {_day(b['due_date'])})" for b in broken[:3])
    more = f" and {len(broken) - 3} more" if len(broken) > 3 else ""
    count = len(broken)
    return [
        RiskReason(
            "broken_commitments",
            f"{count} commitment{'s' if count != 1 else ''} broken in the last 12 months: "
            f"{shown}{more}",
            {"count": count, "commitment_ids": [b["pk"] for b in broken]},
        )
    ]


def _renewal(account: Account, batch: Batch, weighting: Weighting) -> list[RiskReason]:
    renewal = account.renewal_date
    if renewal is None:
        return []
    days = (renewal - batch.today).days
    if not 0 <= days <= weighting.renewal_days:
        return []
    return [
        RiskReason(
            "renewal_soon",
            f"Renewal in {days} day{'s' if days != 1 else ''} ({_day(renewal)}), "
            f"within the {weighting.renewal_days} days watched",
            {"renewal_date": renewal.isoformat(), "days": days},
        )
    ]


def _silent(account: Account, batch: Batch) -> list[RiskReason]:
    last = account.last_decision_maker_contact_at
    if last is not None and last >= batch.now - timedelta(days=DM_SILENCE_DAYS):
        return []
    if last is None:
        text = "No contact with a decision maker recorded"
    else:
        days = (batch.today - timezone.localdate(last)).days
        text = (
            f"No decision-maker contact for {days} days (last on {_day(timezone.localdate(last))})"
        )
    return [
        RiskReason(
            "decision_maker_silent",
            text,
            {"last_decision_maker_contact_at": last.isoformat() if last else None},
        )
    ]


def risk_reasons(
    account: Account,
    batch: Batch,
    health: HealthResult,
    weighting: Weighting,
    *,
    baseline: Mapping[str, float] | None = None,
    baseline_as_of: date | None = None,
) -> list[RiskReason]:
    """Every reason that applies, in the order a manager would act on them."""
    return [
        *_critical_decision_makers(account, batch),
        *_broken(account, batch),
        *_falling(health, baseline or {}, baseline_as_of),
        *_silent(account, batch),
        *_renewal(account, batch, weighting),
    ]
