"""Every database constraint reaches people as a human message on its field, never as
`Constraint "…" is violated.` (issue 11): in the web forms and through the services (the API)."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import BaseConstraint
from django.test import Client

from rapport.core.constraints import ConstrainedModel, message_field
from rapport.customers import services
from rapport.customers.models import Account, Contact
from tests.factories import ContactFactory

RAPPORT_MODELS = [m for m in apps.get_models() if m.__module__.startswith("rapport.")]


def test_every_constraint_of_every_model_has_a_human_message_on_a_field():
    constraints = [(model, c) for model in RAPPORT_MODELS for c in model._meta.constraints]
    assert len(constraints) >= 19  # the walk finds them (a wrong filter would find none)
    for model, constraint in constraints:
        label = f"{model._meta.label}.{constraint.name}"
        assert issubclass(model, ConstrainedModel), label  # else Django keys it to the form
        message = constraint.violation_error_message
        assert message != BaseConstraint.default_violation_error_message, label
        assert constraint.name not in message, label
        field = message_field(model, constraint)
        assert field is not None, label
        assert model._meta.get_field(field).concrete, label


def test_a_duplicate_external_id_is_an_error_on_its_field_in_the_account_form(world, user_client):
    Account.objects.filter(pk=world.account.pk).update(external_id="ACME-1")
    response = user_client.post(
        "/accounts/new/",
        {
            "name": "Acme Again",
            "external_id": "ACME-1",
            "team": world.team.pk,
            "tier": "key",
            "status": "active",
            "annual_value": "0",
            "cost_to_serve": "0",
            "currency": "GBP",
        },
    )
    form = response.context["form"]
    assert form.errors == {"external_id": ["Another account already has this external id."]}
    assert "is violated" not in response.content.decode()
    assert Account.objects.filter(external_id="ACME-1").count() == 1


def test_a_duplicate_contact_id_is_an_error_on_its_field_in_the_record_form(world, user_client):
    ContactFactory(account=world.account, external_id="C-1")
    response = user_client.post(
        f"/accounts/{world.account.pk}/contacts/new/",
        {"name": "Twin", "external_id": "C-1", "decision_role": "user", "stance": "neutral"},
    )
    assert response.context["form"].errors == {
        "external_id": ["Another contact of this account already has this external id."]
    }
    assert Contact.objects.filter(external_id="C-1").count() == 1


def test_the_services_key_a_check_constraint_by_its_field(world):
    before = Account.objects.get(pk=world.account.pk).annual_value
    with pytest.raises(ValidationError) as caught:
        services.update_account(
            actor=world.user, account=world.account, changes={"annual_value": -5}
        )
    assert caught.value.message_dict == {"annual_value": ["The annual value cannot be negative."]}
    assert Account.objects.get(pk=world.account.pk).annual_value == before


def test_the_api_names_the_field_and_says_why(world, api_token):
    Account.objects.filter(pk=world.account.pk).update(external_id="ACME-1")
    client = Client(headers={"Authorization": f"Bearer {api_token}"})
    response = client.post(
        "/api/v1/accounts",
        json.dumps({"name": "Acme Again", "team": world.team.pk, "external_id": "ACME-1"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "external_id: Another account already has this external id."
    }
    assert Account.objects.filter(external_id="ACME-1").count() == 1
