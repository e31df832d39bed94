"""The sample data as plain records, planned in memory before anything touches the database.

Records refer to each other by stable keys (usernames, account and contact external ids), so
the same seed and day give the same plan, and the loader can map keys to primary keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-rapport-2026"  # noqa: S105 - published demo credentials
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-rapport-2026"  # noqa: S105 - published demo credentials
SOURCE_SYSTEM = "demo"
FULL_RESPONSES = 52_000
HISTORY_DAYS = 731  # 24 months and a day, so the last 24 months are always covered
CUSTOM_ANSWER = "ease_of_ordering"


@dataclass(frozen=True, slots=True)
class TeamPlan:
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class UserPlan:
    username: str
    first_name: str
    last_name: str
    email: str
    is_superuser: bool = False
    memberships: tuple[tuple[str, str], ...] = ()  # (team slug, role)


@dataclass(frozen=True, slots=True)
class Incident:
    """A stretch of weeks in which one segment's service failed and its scores dipped."""

    segment: str
    theme: str  # comments theme: "delivery" or "billing"
    label: str
    start: date  # first day (inclusive)
    end: date  # last day (exclusive)
    depth: float  # drop of the latent satisfaction (0..1 scale) at full severity

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


@dataclass(slots=True)
class AccountPlan:
    external_id: str
    name: str
    tier: str
    segment: str
    team: str  # slug
    owner: str  # username
    annual_value: Decimal
    cost_to_serve: Decimal
    renewal_date: date
    status: str
    domain: str
    # Parameters of the response model.
    baseline: float
    trend: float  # change of the latent satisfaction over the 24 months
    volume: float  # relative number of responses
    neglect_dm: bool  # decision makers not contacted for 90+ days
    last_contact_at: datetime | None = None
    last_decision_maker_contact_at: datetime | None = None


@dataclass(slots=True)
class ContactPlan:
    account: str
    external_id: str
    name: str
    email: str
    phone: str
    job_title: str
    decision_role: str
    stance: str
    consent_contact: bool
    consent_survey: bool
    consent_updated_at: datetime
    last_contacted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StakeholderPlan:
    account: str
    username: str
    role: str
    since: date
    notes: str = ""


@dataclass(frozen=True, slots=True)
class PartyPlan:
    account: str
    name: str
    kind: str
    contact_name: str
    email: str
    scope: str


@dataclass(frozen=True, slots=True)
class ExpectationPlan:
    account: str
    description: str
    source: str
    raised_by: str | None  # contact external id
    agreed: bool
    agreed_on: date | None


@dataclass(frozen=True, slots=True)
class CommitmentPlan:
    account: str
    description: str
    owner: str
    due_date: date
    status: str
    closed_on: date | None


@dataclass(frozen=True, slots=True)
class CommunicationPlan:
    account: str
    channel: str
    direction: str
    occurred_at: datetime
    contacts: tuple[str, ...]  # contact external ids
    logged_by: str
    summary: str
    follow_up: str = ""
    follow_up_due: date | None = None
    follow_up_done_on: date | None = None


@dataclass(frozen=True, slots=True)
class ResponsePlan:
    account: str
    external_id: str
    channel: str
    submitted_at: datetime
    contact: str | None
    user: str | None
    nps: int | None
    csat: int | None
    ces: int | None
    answers: dict[str, int]
    comment: str


@dataclass(slots=True)
class DemoPlan:
    seed: int
    scale: float
    today: date
    teams: list[TeamPlan] = field(default_factory=list)
    users: list[UserPlan] = field(default_factory=list)
    accounts: list[AccountPlan] = field(default_factory=list)
    contacts: list[ContactPlan] = field(default_factory=list)
    stakeholders: list[StakeholderPlan] = field(default_factory=list)
    parties: list[PartyPlan] = field(default_factory=list)
    expectations: list[ExpectationPlan] = field(default_factory=list)
    commitments: list[CommitmentPlan] = field(default_factory=list)
    communications: list[CommunicationPlan] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    responses: list[ResponsePlan] = field(default_factory=list)
    cost_entries: list[Any] = field(default_factory=list)  # sampledata.costs.CostEntryPlan
    proposals: list[Any] = field(default_factory=list)  # sampledata.costs.ProposalPlan

    def counts(self) -> dict[str, int]:
        return {
            "teams": len(self.teams),
            "users": len(self.users),
            "accounts": len(self.accounts),
            "contacts": len(self.contacts),
            "stakeholders": len(self.stakeholders),
            "external_parties": len(self.parties),
            "expectations": len(self.expectations),
            "commitments": len(self.commitments),
            "communications": len(self.communications),
            "responses": len(self.responses),
            "cost_entries": len(self.cost_entries),
            "loyalty_proposals": len(self.proposals),
        }


def planned_response_count(scale: float) -> int:
    """How many responses a plan at this scale holds (cheap: nothing is generated)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    return max(1, round(FULL_RESPONSES * scale))
