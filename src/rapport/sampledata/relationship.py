"""What customers expect, what we promised, and 24 months of conversations."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapport.sampledata.people import staff_of
from rapport.sampledata.plan import (
    HISTORY_DAYS,
    AccountPlan,
    CommitmentPlan,
    CommunicationPlan,
    ContactPlan,
    ExpectationPlan,
    Incident,
    StakeholderPlan,
    UserPlan,
)

EXPECTATIONS = (
    ("Deliveries within the agreed two-hour slot", "contract"),
    ("Invoices match the purchase order, with our PO reference on every line", "contract"),
    ("Priority-1 incidents answered within one hour, around the clock", "contract"),
    ("A named account manager for at least twelve months", "tender"),
    ("Monthly KPI report by the fifth working day", "business_review"),
    ("Quarterly business review with our operations director", "business_review"),
    ("Ninety days' notice of any price change", "tender"),
    ("Root-cause report within ten days of any major incident", "contract"),
    ("Proactive notice of delays before the customer has to ask", "conversation"),
    ("Site staff trained on our safety induction", "contract"),
    ("A single point of contact for escalations", "conversation"),
    ("Annual benchmarking of service levels against the market", "business_review"),
    ("Credit notes issued within five working days of an agreed error", "conversation"),
    ("Survey results shared and discussed every quarter", "survey"),
    ("Roadmap briefing twice a year", "survey"),
    ("Data kept in UK data centres", "tender"),
)

COMMITMENTS = (
    "Send the revised service improvement plan",
    "Fix the purchase-order reference on invoices",
    "Provide a named escalation contact for out-of-hours incidents",
    "Run refresher training for the service desk",
    "Share the root-cause analysis of last month's incident",
    "Propose a new delivery schedule for the northern sites",
    "Agree the KPI definitions for the new contract year",
    "Arrange a site visit with our operations director",
    "Issue the outstanding credit notes",
    "Set up the monthly reporting dashboard",
    "Review pricing ahead of the renewal",
    "Send the onboarding plan for the second phase",
    "Share the results of the annual survey",
    "Confirm the business continuity arrangements",
)

TOPICS = (
    "service levels for the quarter", "the renewal timetable", "open support tickets",
    "the delivery schedule", "invoice queries", "the product roadmap", "survey results",
    "the onboarding of new sites", "pricing for next year", "the monthly KPI report",
    "staffing on site", "a complaint about response times", "expansion to new regions",
)  # fmt: skip
SUMMARY_FORMS = {
    "meeting": "Met {who} to discuss {topic}.",
    "call": "Call with {who} about {topic}.",
    "email": "E-mail exchange with {who} on {topic}.",
    "video": "Video call with {who} covering {topic}.",
    "visit": "Site visit; walked through {topic} with {who}.",
    "event": "Spoke with {who} at the customer event about {topic}.",
    "business_review": "Quarterly business review with {who}: {topic} and next quarter's plan.",
}
INCIDENT_SUMMARIES = {
    "delivery": "Escalation from {who} about late deliveries; agreed a recovery plan.",
    "billing": "{who} raised the invoice errors; promised corrected invoices and credit notes.",
}
FOLLOW_UPS = (
    "Send minutes and actions", "Confirm revised dates in writing", "Share the updated report",
    "Book the next review", "Send the pricing proposal", "Introduce the technical lead",
)  # fmt: skip
FOLLOW_UPS_LEFT_OPEN = timedelta(days=14)
CHANNELS = ("meeting", "call", "email", "video", "visit", "event")
CHANNEL_WEIGHTS = (12, 30, 30, 18, 6, 4)
TIER_COMMUNICATIONS = {"strategic": 70, "key": 45, "growth": 28, "maintain": 16}


def plan_expectations(
    rng: random.Random, accounts: list[AccountPlan], contacts: list[ContactPlan], today: date
) -> list[ExpectationPlan]:
    by_account = _contacts_by_account(contacts)
    result = []
    for account in accounts:
        for description, source in rng.sample(EXPECTATIONS, rng.randint(2, 5)):
            agreed = rng.random() < 0.6
            raiser = rng.choice(by_account[account.external_id])
            result.append(
                ExpectationPlan(
                    account.external_id,
                    description,
                    source,
                    raiser.external_id if rng.random() < 0.8 else None,
                    agreed,
                    today - timedelta(days=rng.randint(10, 600)) if agreed else None,
                )
            )
    return result


def plan_commitments(
    rng: random.Random, accounts: list[AccountPlan], incidents: list[Incident], today: date
) -> list[CommitmentPlan]:
    result = []
    for account in accounts:
        items = [
            (d, today + timedelta(days=rng.randint(-400, 60))) for d in _sample_commitments(rng)
        ]
        for incident in incidents:
            if incident.segment == account.segment:
                what = "late deliveries" if incident.theme == "delivery" else "invoice errors"
                items.append(
                    (f"Root-cause review of the {what} and a written recovery plan",
                     incident.end - timedelta(days=7))
                )  # fmt: skip
        for description, due in items:
            if due >= today:
                status, closed = (
                    ("kept", today - timedelta(days=rng.randint(0, 5)))
                    if (rng.random() < 0.1)
                    else ("open", None)
                )
            else:
                status = rng.choices(("kept", "broken", "open"), (62, 16, 22))[0]
                closed = None
                if status == "kept":
                    closed = due - timedelta(days=rng.randint(0, 10))
                elif status == "broken":
                    closed = min(today, due + timedelta(days=rng.randint(5, 30)))
            result.append(
                CommitmentPlan(account.external_id, description, account.owner, due, status, closed)
            )
    return result


def _sample_commitments(rng: random.Random) -> list[str]:
    return rng.sample(COMMITMENTS, rng.randint(2, 5))


def _contacts_by_account(contacts: list[ContactPlan]) -> dict[str, list[ContactPlan]]:
    result: dict[str, list[ContactPlan]] = defaultdict(list)
    for contact in contacts:
        result[contact.account].append(contact)
    return result


def _moment(day: date, rng: random.Random, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))), zone)
    return local.astimezone(UTC)


def _business_day(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def plan_communications(
    rng: random.Random,
    accounts: list[AccountPlan],
    contacts: list[ContactPlan],
    stakeholders: list[StakeholderPlan],
    users: list[UserPlan],
    incidents: list[Incident],
    today: date,
    zone: ZoneInfo,
) -> list[CommunicationPlan]:
    """Conversations over the whole history; neglected accounts' decision makers go quiet."""
    by_account = _contacts_by_account(contacts)
    our_people: dict[str, list[str]] = defaultdict(list)
    for stake in stakeholders:
        our_people[stake.account].append(stake.username)
    result = []
    for account in accounts:
        people = by_account[account.external_id]
        dms = [c for c in people if c.decision_role == "decision_maker"]
        others = [c for c in people if c.decision_role != "decision_maker"] or dms
        quiet_from = today - timedelta(days=rng.randint(95, 200)) if account.neglect_dm else None
        staff = our_people[account.external_id] or staff_of(users, account.team, "manager")
        days: list[tuple[date, str]] = []
        count = round(TIER_COMMUNICATIONS[account.tier] * rng.uniform(0.8, 1.2))
        for _ in range(count):
            day = _business_day(today - timedelta(days=rng.randint(1, HISTORY_DAYS)))
            days.append((day, rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]))
        if account.tier in ("strategic", "key"):  # quarterly business reviews
            days += [(_business_day(today - timedelta(days=20 + 91 * q)), "business_review")
                     for q in range(8)]  # fmt: skip
        if not account.neglect_dm:  # a recent conversation with a decision maker
            days.append((_business_day(today - timedelta(days=rng.randint(3, 60))), "call"))
        for hit in incidents:
            if hit.segment == account.segment:
                days.append((_business_day(hit.start + timedelta(days=10)), "call"))
        for day, channel in sorted(days):
            with_dm = channel == "business_review" or rng.random() < 0.3
            if (day, channel) == max(days) and not account.neglect_dm:
                with_dm = True
            if quiet_from is not None and day >= quiet_from:
                with_dm = False
            chosen = rng.sample(others, min(len(others), rng.randint(1, 2)))
            if with_dm:
                chosen = [rng.choice(dms), *chosen[:1]]
            who = " and ".join(c.name for c in chosen)
            incident = next(
                (i for i in incidents if i.segment == account.segment and i.contains(day)), None
            )
            if incident is not None and channel == "call":
                summary = INCIDENT_SUMMARIES[incident.theme].format(who=who)
            else:
                summary = SUMMARY_FORMS[channel].format(who=who, topic=rng.choice(TOPICS))
            follow = rng.random() < 0.4
            planned = CommunicationPlan(
                account=account.external_id,
                channel=channel,
                direction="inbound" if rng.random() < 0.3 else "outbound",
                occurred_at=_moment(day, rng, zone),
                contacts=tuple(c.external_id for c in chosen),
                logged_by=rng.choice(staff),
                summary=summary[0].upper() + summary[1:],
                follow_up=rng.choice(FOLLOW_UPS) if follow else "",
                follow_up_due=day + timedelta(days=rng.randint(5, 21)) if follow else None,
            )
            result.append(_follow_up_done(planned, today))
    return result


def _follow_up_done(planned: CommunicationPlan, today: date) -> CommunicationPlan:
    """Follow-ups are done on the day they fall due, except those due in the last fortnight,
    left open so that some are overdue (no random draw: the rest of the plan stays as it was)."""
    due = planned.follow_up_due
    if due is None or due >= today - FOLLOW_UPS_LEFT_OPEN:
        return planned
    return replace(planned, follow_up_done_on=due)


def apply_recency(
    accounts: list[AccountPlan], contacts: list[ContactPlan], comms: list[CommunicationPlan]
) -> None:
    """Set the denormalised last-contact fields exactly as customers.services would."""
    roles = {c.external_id: c.decision_role for c in contacts}
    last: dict[str, datetime] = {}
    last_dm: dict[str, datetime] = {}
    last_contact: dict[str, datetime] = {}
    for comm in comms:
        if comm.occurred_at > last.get(comm.account, _EPOCH):
            last[comm.account] = comm.occurred_at
        if any(roles[c] == "decision_maker" for c in comm.contacts) and comm.occurred_at > (
            last_dm.get(comm.account, _EPOCH)
        ):
            last_dm[comm.account] = comm.occurred_at
        for c in comm.contacts:
            if comm.occurred_at > last_contact.get(c, _EPOCH):
                last_contact[c] = comm.occurred_at
    for account in accounts:
        account.last_contact_at = last.get(account.external_id)
        account.last_decision_maker_contact_at = last_dm.get(account.external_id)
    for contact in contacts:
        contact.last_contacted_at = last_contact.get(contact.external_id)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
