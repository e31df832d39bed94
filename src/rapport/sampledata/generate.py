"""Plan the whole demo dataset from a seed and a day, without touching the database."""

from __future__ import annotations

import random
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from rapport.sampledata import costs, people, relationship
from rapport.sampledata.plan import DemoPlan, Incident, planned_response_count
from rapport.sampledata.responses import plan_responses

DEFAULT_ZONE = "Europe/London"


def incidents_for(today: date) -> list[Incident]:
    """Two incidents, in weeks counted back from `today` (start inclusive, end exclusive)."""

    def weeks_back(start: int, end: int) -> tuple[date, date]:
        return today - timedelta(weeks=start), today - timedelta(weeks=end)

    delivery_start, delivery_end = weeks_back(36, 30)
    billing_start, billing_end = weeks_back(15, 9)
    return [
        Incident(
            segment="Logistics",
            theme="delivery",
            label="Logistics delivery failures",
            start=delivery_start,
            end=delivery_end,
            depth=0.16,
        ),
        Incident(
            segment="Healthcare",
            theme="billing",
            label="Healthcare billing incident",
            start=billing_start,
            end=billing_end,
            depth=0.14,
        ),
    ]


def generate(
    *, seed: int = 7, scale: float = 1.0, today: date, zone: str = DEFAULT_ZONE
) -> DemoPlan:
    """The full plan. Same seed, scale and day → identical plan.

    `scale` multiplies the number of responses only (52,000 at 1.0); the register of teams,
    people and accounts is always full size, so smaller plans keep every kind of record.
    """
    tz = ZoneInfo(zone)
    count = planned_response_count(scale)

    def rng(part: str) -> random.Random:
        # A separate stream per part, so changing one part leaves the others as they were.
        return random.Random(f"rapport-demo-{seed}-{part}")

    plan = DemoPlan(seed=seed, scale=scale, today=today)
    plan.teams = list(people.TEAMS)
    plan.users = people.plan_users(rng("users"))
    plan.accounts = people.plan_accounts(rng("accounts"), plan.users, today)
    plan.contacts = people.plan_contacts(rng("contacts"), plan.accounts, today)
    plan.stakeholders = people.plan_stakeholders(
        rng("stakeholders"), plan.accounts, plan.users, today
    )
    plan.parties = people.plan_parties(rng("parties"), plan.accounts)
    plan.incidents = incidents_for(today)
    plan.expectations = relationship.plan_expectations(
        rng("expectations"), plan.accounts, plan.contacts, today
    )
    plan.commitments = relationship.plan_commitments(
        rng("commitments"), plan.accounts, plan.incidents, today
    )
    plan.communications = relationship.plan_communications(
        rng("communications"),
        plan.accounts,
        plan.contacts,
        plan.stakeholders,
        plan.users,
        plan.incidents,
        today,
        tz,
    )
    relationship.apply_recency(plan.accounts, plan.contacts, plan.communications)
    plan.cost_entries = costs.plan_cost_entries(rng("costs"), plan.accounts, plan.incidents, today)
    plan.proposals = costs.plan_proposals(plan.accounts)
    plan.responses = plan_responses(
        seed=seed,
        count=count,
        accounts=plan.accounts,
        contacts=plan.contacts,
        stakeholders=plan.stakeholders,
        incidents=plan.incidents,
        today=today,
        zone=tz,
    )
    return plan
