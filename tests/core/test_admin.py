"""Every model has an admin page that opens; admin changes are audited; derived data is
read-only there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from rapport.core.models import AuditEvent
from rapport.customers.models import Account
from tests.factories import CommunicationFactory, ContactFactory, ResponseFactory


@pytest.fixture
def admin_client_(world) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


def test_every_rapport_model_is_registered():
    from django.apps import apps

    missing = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("rapport.") and model not in admin.site._registry
    ]
    assert missing == []


def test_every_changelist_and_change_page_opens(world, admin_client_):
    ContactFactory(account=world.account)
    CommunicationFactory(account=world.account)
    ResponseFactory(account=world.account)
    for model in admin.site._registry:
        if not model.__module__.startswith("rapport."):
            continue
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert admin_client_.get(url).status_code == 200, url
        first = model.objects.first()
        if first is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            assert admin_client_.get(change).status_code == 200, change


def test_admin_edit_is_audited_with_field_names_only(world, admin_client_):
    account = world.account
    url = reverse("admin:customers_account_change", args=[account.pk])
    form = admin_client_.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update({"name": "Acme Foods Ltd", "team": account.team_id})
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.name == "Acme Foods Ltd"
    event = AuditEvent.objects.get(object_type="customers.account", object_id=str(account.pk))
    assert (event.action, event.via, event.actor) == ("update", "admin", world.admin)
    assert event.changed_fields == ["name"]
    assert "Acme" not in event.detail


def test_responses_cannot_be_changed_in_the_admin(world, admin_client_):
    response = ResponseFactory(account=world.account)
    url = reverse("admin:feedback_response_change", args=[response.pk])
    assert admin_client_.post(url, {"nps": 0}).status_code == 403
    assert Account.objects.count() == 2


def test_non_staff_cannot_open_the_admin(world, user_client):
    response = user_client.get(reverse("admin:customers_account_changelist"))
    assert response.status_code == 302
