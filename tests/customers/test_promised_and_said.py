"""Commitments: when each was kept, the expectation it answers, "overdue" in words; a promise
due in the past is not saved as open. Communications: all reachable by paging with a count,
overdue follow-ups flagged in words, a follow-up never due before its communication (issue 11).
The checks live in the services, so the web form and the API obey them alike."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from rapport.core.models import AuditEvent
from rapport.customers import services
from rapport.customers.models import (
    Commitment,
    CommitmentStatus,
    Communication,
    Expectation,
)
from tests.factories import CommitmentFactory, CommunicationFactory

TODAY = timezone.localdate()


def _expectation(account, text="Weekly service report") -> Expectation:
    return Expectation.objects.create(account=account, description=text, source="contract")


def test_a_commitment_kept_records_the_day_and_the_expectation_it_answers(world):
    expectation = _expectation(world.account)
    commitment = services.create_related(
        actor=world.user,
        model=Commitment,
        account=world.account,
        fields={
            "description": "Send the report every Monday",
            "due_date": TODAY + dt.timedelta(days=7),
            "expectation": expectation,
        },
    )
    services.update_related(
        actor=world.user, instance=commitment, changes={"status": CommitmentStatus.KEPT}
    )
    stored = Commitment.objects.get(pk=commitment.pk)
    assert (stored.status, stored.closed_on, stored.expectation_id) == (
        "kept",
        TODAY,
        expectation.pk,
    )


def test_a_commitment_created_as_kept_records_the_day(world):
    commitment = services.create_related(
        actor=world.user,
        model=Commitment,
        account=world.account,
        fields={"description": "Done at once", "due_date": TODAY, "status": "kept"},
    )
    assert Commitment.objects.get(pk=commitment.pk).closed_on == TODAY


def test_another_accounts_expectation_is_refused_on_its_field(world):
    foreign = _expectation(world.other_account)
    with pytest.raises(ValidationError) as caught:
        services.create_related(
            actor=world.user,
            model=Commitment,
            account=world.account,
            fields={"description": "X", "due_date": TODAY, "expectation": foreign},
        )
    assert list(caught.value.message_dict) == ["expectation"]
    assert not Commitment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_api_links_an_expectation_of_the_same_account_only(world, api_token):
    client = Client(headers={"Authorization": f"Bearer {api_token}"})
    url = f"/api/v1/accounts/{world.account.pk}/commitments"
    body = {"description": "Report", "due_date": str(TODAY + dt.timedelta(days=3))}
    foreign = _expectation(world.other_account)
    refused = client.post(
        url, json.dumps({**body, "expectation": foreign.pk}), content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("expectation:")
    own = _expectation(world.account)
    created = client.post(
        url, json.dumps({**body, "expectation": own.pk}), content_type="application/json"
    )
    assert created.status_code == 201
    assert Commitment.objects.get().expectation_id == own.pk


def test_a_commitment_due_in_the_past_is_not_saved_as_open(world):
    with pytest.raises(ValidationError) as caught:
        services.create_related(
            actor=world.user,
            model=Commitment,
            account=world.account,
            fields={"description": "Late", "due_date": TODAY - dt.timedelta(days=1)},
        )
    assert list(caught.value.message_dict) == ["due_date"]
    assert "has passed" in caught.value.message_dict["due_date"][0]
    assert not Commitment.objects.exists()


def test_an_overdue_open_commitment_may_be_reworded_or_closed_but_not_reopened(world):
    commitment = CommitmentFactory(account=world.account, due_date=TODAY - dt.timedelta(days=3))
    services.update_related(actor=world.user, instance=commitment, changes={"description": "New"})
    with pytest.raises(ValidationError):
        services.update_related(
            actor=world.user,
            instance=commitment,
            changes={"due_date": TODAY - dt.timedelta(days=2)},
        )
    services.update_related(actor=world.user, instance=commitment, changes={"status": "broken"})
    with pytest.raises(ValidationError):
        services.update_related(actor=world.user, instance=commitment, changes={"status": "open"})
    stored = Commitment.objects.get(pk=commitment.pk)
    assert (stored.description, stored.status, stored.closed_on) == ("New", "broken", TODAY)


def test_the_web_form_shows_the_past_due_date_error_on_its_field(world, user_client):
    response = user_client.post(
        f"/accounts/{world.account.pk}/commitments/new/",
        {"description": "Late", "due_date": str(TODAY - dt.timedelta(days=1)), "status": "open"},
    )
    assert response.status_code == 200
    assert "has passed" in " ".join(response.context["form"].errors["due_date"])
    assert not Commitment.objects.exists()


def test_a_follow_up_before_its_communication_is_refused_on_its_field(world, api_token):
    occurred = timezone.now()
    fields = {
        "channel": "call",
        "occurred_at": occurred,
        "summary": "Review",
        "follow_up": "Send minutes",
        "follow_up_due": timezone.localdate(occurred) - dt.timedelta(days=1),
    }
    with pytest.raises(ValidationError) as caught:
        services.log_communication(
            actor=world.user, account=world.account, fields=fields, contacts=[]
        )
    assert list(caught.value.message_dict) == ["follow_up_due"]
    communication = CommunicationFactory(account=world.account, occurred_at=occurred)
    client = Client(headers={"Authorization": f"Bearer {api_token}"})
    response = client.patch(
        f"/api/v1/communications/{communication.pk}",
        json.dumps({"follow_up_due": str(fields["follow_up_due"])}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("follow_up_due:")
    assert Communication.objects.get().follow_up_due is None
    assert not AuditEvent.objects.filter(object_type="customers.communication").exists()


def test_the_account_page_says_overdue_kept_and_follow_up_overdue_in_words(world, user_client):
    CommitmentFactory(account=world.account, due_date=TODAY - dt.timedelta(days=2))
    CommitmentFactory(
        account=world.account,
        description="Kept one",
        status="kept",
        closed_on=dt.date(2026, 3, 4),
        expectation=_expectation(world.account, "Monthly review meeting"),
    )
    CommunicationFactory(
        account=world.account,
        occurred_at=timezone.now() - dt.timedelta(days=10),
        follow_up="Send the minutes",
        follow_up_due=TODAY - dt.timedelta(days=3),
    )
    CommunicationFactory(
        account=world.account,
        occurred_at=timezone.now() - dt.timedelta(days=20),
        follow_up="Call back",
        follow_up_due=TODAY - dt.timedelta(days=15),
        follow_up_done_on=TODAY - dt.timedelta(days=15),
    )
    body = user_client.get(f"/accounts/{world.account.pk}/").content.decode()
    assert "Open · overdue" in body
    assert "Kept on 4 Mar 2026" in body
    assert "Monthly review meeting" in body
    assert body.count("Follow-up overdue") == 1


def test_every_communication_is_reachable_by_paging_with_a_count(world, user_client):
    start = timezone.now() - dt.timedelta(days=100)
    for day in range(20):
        CommunicationFactory(
            account=world.account,
            occurred_at=start + dt.timedelta(days=day),
            summary=f"Conversation number {day:02d}",
        )
    url = f"/accounts/{world.account.pk}/"
    first = user_client.get(url).content.decode()
    second = user_client.get(url, {"communications_page": 2}).content.decode()
    assert "20 in all" in first
    shown = {n for n in range(20) if f"Conversation number {n:02d}" in first + second}
    assert shown == set(range(20))
    assert "Conversation number 19" in first
    assert "Conversation number 00" in second


def test_the_api_marks_a_follow_up_done_and_it_is_no_longer_overdue(world, api_token):
    communication = CommunicationFactory(
        account=world.account,
        occurred_at=timezone.now() - dt.timedelta(days=10),
        follow_up="Send the minutes",
        follow_up_due=TODAY - dt.timedelta(days=3),
    )
    assert communication.follow_up_overdue(TODAY)
    client = Client(headers={"Authorization": f"Bearer {api_token}"})
    response = client.patch(
        f"/api/v1/communications/{communication.pk}",
        json.dumps({"follow_up_done_on": str(TODAY)}),
        content_type="application/json",
    )
    assert response.status_code == 200
    stored = Communication.objects.get(pk=communication.pk)
    assert stored.follow_up_done_on == TODAY
    assert not stored.follow_up_overdue(TODAY)
