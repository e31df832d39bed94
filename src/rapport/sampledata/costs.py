"""Cost entries for every account over 24 months, and a few loyalty proposals.

Service hours every month (more for higher tiers), a discount at most accounts' renewal,
and credits where an incident hit the account's segment, so margins and the margin chart
show why some accounts earn less than their planned value.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from rapport.sampledata.plan import AccountPlan, Incident

HOURLY_RATE = Decimal(85)
TIER_HOURS = {"strategic": (18, 40), "key": (8, 22), "growth": (4, 12), "maintain": (1, 6)}
MONTHS = 24


@dataclass(slots=True)
class CostEntryPlan:
    account: str  # external id
    date: date
    kind: str
    amount: Decimal
    hours: Decimal | None
    note: str
    created_by: str  # username


@dataclass(slots=True)
class ProposalPlan:
    team: str  # slug
    title: str
    description: str
    segment: dict[str, list[str]] = field(default_factory=dict)
    status: str = "draft"
    owner: str = ""


def _month_days(today: date) -> list[date]:
    first = today.replace(day=1)
    days = []
    for _ in range(MONTHS):
        days.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return days[::-1]


def plan_cost_entries(
    rng: random.Random, accounts: list[AccountPlan], incidents: list[Incident], today: date
) -> list[CostEntryPlan]:
    entries = []
    for account in accounts:
        low, high = TIER_HOURS[account.tier]
        for month in _month_days(today):
            day = month + timedelta(days=rng.randint(0, 27))
            if day > today:
                continue
            hours = Decimal(rng.randint(low, high))
            entries.append(
                CostEntryPlan(
                    account.external_id,
                    day,
                    "service_hours",
                    hours * HOURLY_RATE,
                    hours,
                    "Service desk and account management hours",
                    account.owner,
                )
            )
        last_renewal = account.renewal_date - timedelta(days=365)
        if last_renewal <= today and rng.random() < 0.6:
            share = Decimal(rng.choice((2, 3, 5))) / 100
            entries.append(
                CostEntryPlan(
                    account.external_id,
                    last_renewal,
                    "discount",
                    (account.annual_value * share).quantize(Decimal("0.01")),
                    None,
                    f"Renewal discount of {share * 100:.0f} %",
                    account.owner,
                )
            )
        for incident in incidents:
            if incident.segment == account.segment and rng.random() < 0.8:
                day = incident.start + timedelta(days=rng.randint(7, 35))
                amount = (account.annual_value * Decimal(rng.randint(2, 6)) / 100).quantize(
                    Decimal("0.01")
                )
                entries.append(
                    CostEntryPlan(
                        account.external_id,
                        min(day, today),
                        "credit",
                        amount,
                        None,
                        f"Service credit after the {incident.label.lower()}",
                        account.owner,
                    )
                )
        if rng.random() < 0.15:
            entries.append(
                CostEntryPlan(
                    account.external_id,
                    today - timedelta(days=rng.randint(10, 300)),
                    "other",
                    Decimal(rng.randint(5, 40) * 100),
                    None,
                    rng.choice(
                        ("Extra site visit travel", "Custom report build", "Onsite training")
                    ),
                    account.owner,
                )
            )
    return entries


def plan_proposals(accounts: list[AccountPlan]) -> list[ProposalPlan]:
    teams = sorted({a.team for a in accounts})
    owners = {a.team: a.owner for a in accounts}
    ideas = [
        ProposalPlan(
            teams[0],
            "Strategic partner programme",
            "Joint roadmap sessions twice a year, an executive sponsor on both sides and a "
            "shared success plan for the partners among our strategic and key accounts.",
            {"types": ["partner"], "tiers": ["strategic", "key"]},
            "proposed",
        ),
        ProposalPlan(
            teams[-1],
            "Win-back reviews for valuable red accounts",
            "A recovery review within 30 days with the decision makers, a named owner for "
            "every broken commitment and a monthly check on progress.",
            {"types": ["recover"]},
            "approved",
        ),
        ProposalPlan(
            teams[len(teams) // 2],
            "Loyal growth accounts: early renewal offer",
            "Offer multi-year renewal with a service review to growth accounts that are "
            "healthy and loyal.",
            {"tiers": ["growth"], "health_bands": ["green"], "loyalty": ["loyal"]},
            "draft",
        ),
    ]
    for idea in ideas:
        idea.owner = owners[idea.team]
    return ideas
