"""Demo data of agreements: contacts' preferred channels, notice templates, expectation reviews
(met, partly met, not met with alternatives and choices), a change to an agreement, and the
Healthcare billing incident recorded with its notices, alternatives and choices, so its effect
on the accounts' NPS shows on the incident page.

Deterministic from the seed. Reviews and alternatives are bulk-inserted (hundreds of them);
the incident and the agreement change go through the services, as a person would record them,
and their e-mails are marked sent at the time they went out (history, not mail to send now).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count

from rapport.agreements import services
from rapport.agreements.models import (
    AgreementChange,
    Alternative,
    ExpectationReview,
    Incident,
    Notice,
    NoticeStatus,
)
from rapport.core.models import Team, User
from rapport.customers.models import Account, Communication, Contact, Expectation
from rapport.notifications.models import DeliveryStatus, EmailDelivery
from rapport.sampledata.plan import ADMIN_USERNAME, DEMO_USERNAME, DemoPlan

CHANNEL_MIX = (("email", 70), ("phone", 15), ("meeting", 10), ("letter", 3), ("portal", 2))
OUTCOMES = (("met", 60), ("partly_met", 25), ("not_met", 15))
EVIDENCE = {
    "met": (
        "Every monthly report arrived on time this quarter.",
        "The service review confirmed it; no complaint in the period.",
        "Survey comments and the QBR minutes agree it is delivered.",
    ),
    "partly_met": (
        "Met in two of the three months; March slipped by a week.",
        "Delivered for the main site, not yet for the two regional depots.",
        "On time, but the format still misses the fields their finance team asked for.",
    ),
    "not_met": (
        "Missed in each of the last three months.",
        "Our platform cannot produce this yet; three requests were declined.",
        "Their sponsor raised it again at the review; no improvement since.",
    ),
}
REASONS = (
    "Our carrier withdrew the weekend service in the region.",
    "The reporting platform does not support per-site breakdowns until the next release.",
    "The request needs 24/7 staffing, which the current contract does not fund.",
)
ALTERNATIVES = (
    # description, provider, provider name, cost to us, benefit to us, cost to them, benefit
    (
        "Weekend deliveries through our partner Swift Couriers",
        "outside",
        "Swift Couriers",
        Decimal("1800"),
        Decimal("0"),
        Decimal("450"),
        Decimal("6000"),
    ),
    (
        "A monthly export their analysts can split by site, until the release",
        "inside",
        "",
        Decimal("600"),
        Decimal("0"),
        Decimal("0"),
        Decimal("2500"),
    ),
    (
        "Extended support hours (7–22) instead of 24/7, at no extra charge",
        "inside",
        "",
        Decimal("4200"),
        Decimal("1500"),
        Decimal("0"),
        Decimal("3000"),
    ),
    (
        "Out-of-hours cover by our partner NightDesk, billed at cost",
        "outside",
        "NightDesk Ltd",
        Decimal("0"),
        Decimal("0"),
        Decimal("9000"),
        Decimal("12000"),
    ),
)
INCIDENT_TEMPLATE = (
    "Dear {contact_name},\n\n"
    "We are writing to tell you about an incident affecting {account_name}: {incident_title}, "
    "since {start}. We expect it to be resolved by {expected_end}.\n\n"
    "What we offer: {what_we_offer}\n\n"
    "Your account manager will call you to talk it through. We apologise for the trouble."
)
CHANGE_TEMPLATE = (
    "Dear {contact_name},\n\nAs agreed, from {start} the following changes for {account_name}: "
    "{incident_title}.\n\nFrom now on: {what_we_offer}\n\nKind regards"
)


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def load_agreements(plan: DemoPlan) -> None:
    """Write the agreements demo (the caller holds the transaction; rollups are built)."""
    rng = random.Random(f"rapport-demo-{plan.seed}-agreements")
    admin = User.objects.get(username=ADMIN_USERNAME)
    demo = User.objects.get(username=DEMO_USERNAME)
    _preferred_channels(rng)
    templates = {
        team.pk: (
            services.create_template(
                actor=admin,
                team=team,
                fields={
                    "name": "Incident notice",
                    "kind": "incident",
                    "subject": "{incident_title}: what it means for {account_name}",
                    "body": INCIDENT_TEMPLATE,
                },
            ),
            services.create_template(
                actor=admin,
                team=team,
                fields={
                    "name": "Change to our agreement",
                    "kind": "agreement_change",
                    "subject": "A change to our agreement with {account_name}",
                    "body": CHANGE_TEMPLATE,
                },
            ),
        )
        for team in Team.objects.order_by("pk")
    }
    _reviews(rng, plan.today)
    _agreement_change(demo, templates, plan.today)
    _incident(rng, plan, demo, templates)


def _preferred_channels(rng: random.Random) -> None:
    contacts = list(Contact.objects.order_by("pk").only("pk"))
    for contact in contacts:
        contact.preferred_channel = _weighted(rng, CHANNEL_MIX)
    Contact.objects.bulk_update(contacts, ["preferred_channel"], batch_size=500)


def _reviews(rng: random.Random, today: date) -> None:
    """One to three reviews for three expectations in four; a tenth of the rest were reviewed
    long ago, so the review schedule has work due."""
    owners = dict(Account.objects.values_list("pk", "owner_id"))
    reviews: list[ExpectationReview] = []
    offered: list[tuple[ExpectationReview, list[Alternative], bool]] = []
    for expectation in Expectation.objects.order_by("pk"):
        if rng.random() > 0.75:
            continue
        count = rng.randint(1, 3)
        day = today - timedelta(days=rng.randint(5, 80))
        history = []
        for i in range(count):
            outcome = _weighted(rng, OUTCOMES)
            unmet = outcome != "met"
            review = ExpectationReview(
                expectation=expectation,
                account_id=expectation.account_id,
                outcome=outcome,
                evidence=rng.choice(EVIDENCE[outcome]),
                reviewed_on=day,
                reviewed_by_id=owners[expectation.account_id],
                reasons_given=rng.choice(REASONS) if unmet else "",
                is_latest=i == 0,
            )
            history.append(review)
            if unmet:
                picked = rng.sample(ALTERNATIVES, rng.randint(1, 2))
                chosen = rng.random() < 0.6
                alternatives = [
                    Alternative(
                        description=text,
                        provider=provider,
                        provider_name=name,
                        currency="GBP",
                        cost_to_us=cost_us,
                        benefit_to_us=benefit_us,
                        cost_to_customer=cost_them,
                        benefit_to_customer=benefit_them,
                        benefit_to_customer_note="fewer disruptions for their operations",
                        chosen=chosen and j == 0,
                    )
                    for j, (text, provider, name, cost_us, benefit_us, cost_them, benefit_them)
                    in enumerate(picked)
                ]  # fmt: skip
                if chosen:
                    review.agreed_outcome = f"{picked[0][0]}, reviewed again in 3 months."
                offered.append((review, alternatives, chosen))
            day -= timedelta(days=rng.randint(60, 120))
        reviews.extend(history)
    ExpectationReview.objects.bulk_create(reviews, batch_size=500)
    alternatives = []
    for review, options, _chosen in offered:
        for option in options:
            option.review = review
            alternatives.append(option)
    Alternative.objects.bulk_create(alternatives, batch_size=500)


def _local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _as_sent(notices: list[Notice], when: datetime) -> None:
    """The notices' e-mails went out at `when`; their communications happened then."""
    deliveries = [n.email_delivery_id for n in notices if n.email_delivery_id]
    EmailDelivery.objects.filter(pk__in=deliveries).update(
        status=DeliveryStatus.SENT, sent_at=when, created_at=when, attempts=1, next_due_at=None
    )
    Notice.objects.filter(pk__in=[n.pk for n in notices]).update(created_at=when)
    Notice.objects.filter(pk__in=[n.pk for n in notices], status=NoticeStatus.QUEUED).update(
        done_at=when
    )
    communications = Notice.objects.filter(
        pk__in=[n.pk for n in notices], communication__isnull=False
    ).values("communication_id")
    Communication.objects.filter(pk__in=communications).update(occurred_at=when)


def _agreement_change(demo: User, templates: dict, today: date) -> None:
    account = (
        Account.objects.filter(team__memberships__user=demo).order_by("-annual_value", "pk").first()
    )
    if account is None:
        return
    expectation = account.expectations.order_by("pk").first()
    contacts = list(
        account.contacts.filter(decision_role__in=["decision_maker", "influencer"]).order_by("pk")
    )[:3]
    if not contacts:
        return
    effective = today - timedelta(days=20)
    change = services.record_agreement_change(
        actor=demo,
        account=account,
        fields={
            "subject": "expectation" if expectation else "other",
            "expectation": expectation,
            "what_changed": "Monthly service report: delivery date",
            "before": "by the 3rd working day of the month",
            "after": "by the 5th working day, with the per-site breakdown they asked for",
            "effective_on": effective,
        },
        contacts=contacts,
        template=templates[account.team_id][1],
    )
    when = _local(effective - timedelta(days=7), 10)
    notices = list(change.notices.all())
    _as_sent(notices, when)
    AgreementChange.objects.filter(pk=change.pk).update(created_at=when)
    for notice in notices:
        if notice.status == NoticeStatus.DUE:
            services.complete_notice(
                actor=demo,
                notice=notice,
                summary="Talked the new report date through; agreed.",
                occurred_at=when + timedelta(days=1),
            )


def _incident(rng: random.Random, plan: DemoPlan, demo: User, templates: dict) -> None:
    """The Healthcare billing incident of the plan, recorded by the demo manager's team."""
    billing = next((i for i in plan.incidents if i.segment == "Healthcare"), None)
    if billing is None:
        return
    visible = Account.objects.filter(segment=billing.segment, team__memberships__user=demo)
    busiest = visible.values("team_id").annotate(n=Count("pk")).order_by("-n", "team_id").first()
    if busiest is None:
        return
    team_id = busiest["team_id"]
    team = Team.objects.get(pk=team_id)
    accounts = list(visible.filter(team=team).order_by("-annual_value", "pk")[:6])
    started = _local(billing.start, 8)
    incident = services.create_incident(
        actor=demo,
        team=team,
        fields={
            "title": "Invoicing errors after the billing system migration",
            "kind": "other",
            "severity": "high",
            "description": (
                "After the billing system migration, invoices went out with wrong line items "
                "and duplicated charges. Finance teams at the affected customers had to "
                "reconcile by hand."
            ),
            "started_at": started,
            "expected_end_at": _local(billing.start + timedelta(weeks=3), 17),
            "ended_at": _local(billing.end, 17),
            "what_we_offer": "a corrected invoice within 5 working days and a service credit",
        },
        account_ids=[a.pk for a in accounts],
    )
    notices = services.notify_incident(
        actor=demo, incident=incident, template=templates[team.pk][0]
    )
    sent_at = started + timedelta(hours=6)
    _as_sent(notices, sent_at)
    due = [n for n in notices if n.status == NoticeStatus.DUE]
    for notice in due[:-1]:  # the last is still to do: the page shows a due notice
        services.complete_notice(
            actor=demo,
            notice=notice,
            summary="Explained the invoice errors and the credit; they will check the next run.",
            occurred_at=sent_at + timedelta(days=1),
        )
    for affected in incident.affected.select_related("account").order_by("account__name"):
        credit = services.add_alternative(
            actor=demo,
            affected_account=affected,
            fields={
                "description": "A 10 % service credit on the next two invoices",
                "provider": "inside",
                "cost_to_us": (affected.account.annual_value / 60).quantize(Decimal("1")),
                "cost_to_us_note": "two months' credit",
                "benefit_to_us_note": "keeps the renewal conversation on track",
                "benefit_to_customer": (affected.account.annual_value / 60).quantize(Decimal("1")),
                "benefit_to_customer_note": "money back for the hours spent reconciling",
            },
        )
        audit = services.add_alternative(
            actor=demo,
            affected_account=affected,
            fields={
                "description": "An independent invoice audit by ClearBill for the last quarter",
                "provider": "outside",
                "provider_name": "ClearBill Ltd",
                "cost_to_us": Decimal("3500"),
                "cost_to_us_note": "fixed fee",
                "benefit_to_customer_note": "assurance that every charge is right",
                "cost_to_customer_note": "two days of their finance team's time",
            },
        )
        pick = rng.random()
        if pick < 0.85:
            chosen = credit if pick < 0.55 else audit
            services.choose_alternative(
                actor=demo,
                alternative=chosen,
                agreed_outcome=f"{chosen.description}; confirmed by e-mail.",
            )
        services.update_affected_account(
            actor=demo,
            affected=affected,
            changes={"impact": "Wrong invoices for two billing runs; reconciled by hand."},
        )
    Incident.objects.filter(pk=incident.pk).update(created_at=started + timedelta(hours=2))
