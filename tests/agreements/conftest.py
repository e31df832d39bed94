"""Shared objects of the agreements tests: North's account with its key people."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from rapport.agreements import services
from rapport.customers.models import Account, DecisionRole, Expectation
from tests.factories import ContactFactory

INCIDENT_BODY = (
    "Dear {contact_name},\n\n{incident_title} affects {account_name} since {start}; "
    "we expect it to end {expected_end}. What we offer: {what_we_offer}."
)


@pytest.fixture
def north(world) -> SimpleNamespace:
    account = Account.objects.get(pk=world.account.pk)
    Account.objects.filter(pk=account.pk).update(owner=world.user)
    account.refresh_from_db()
    dm = ContactFactory(
        account=account, name="Dana Maker", decision_role=DecisionRole.DECISION_MAKER
    )
    influencer = ContactFactory(
        account=account,
        name="Ian Fluence",
        decision_role=DecisionRole.INFLUENCER,
        preferred_channel="phone",
        phone="+44 20 7946 0000",
    )
    silent = ContactFactory(
        account=account,
        name="Nora Consent",
        decision_role=DecisionRole.DECISION_MAKER,
        consent_contact=False,
    )
    user_contact = ContactFactory(account=account, name="Uma User", decision_role="user")
    expectation = Expectation.objects.create(
        account=account, description="Orders delivered within 24 hours", source="contract"
    )
    return SimpleNamespace(
        account=account,
        dm=dm,
        influencer=influencer,
        silent=silent,
        user_contact=user_contact,
        expectation=expectation,
    )


@pytest.fixture
def incident_template(world):
    return services.create_template(
        actor=world.user,
        team=world.team,
        fields={
            "name": "Outage notice",
            "kind": "incident",
            "subject": "{incident_title}: what it means for {account_name}",
            "body": INCIDENT_BODY,
        },
    )


@pytest.fixture
def incident(world, north):
    return services.create_incident(
        actor=world.user,
        team=world.team,
        fields={
            "title": "Warehouse outage",
            "kind": "outage",
            "severity": "high",
            "description": "The Leeds warehouse is closed after a flood.",
            "started_at": timezone.now() - dt.timedelta(hours=3),
            "expected_end_at": timezone.now() + dt.timedelta(days=2),
            "what_we_offer": "delivery from Bristol at no extra cost",
        },
        account_ids=[north.account.pk],
    )
