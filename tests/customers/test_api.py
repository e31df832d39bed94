from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AccountFactory, ContactFactory


def test_requires_token(client, db):
    assert client.get("/api/v1/accounts").status_code == 401
    bad = client.get("/api/v1/accounts", headers={"Authorization": "Bearer rpt_nope"})
    assert bad.status_code == 401


def test_list_is_scoped_paginated_and_filtered(api_client, world):
    for i in range(7):
        AccountFactory(team=world.team, tier="growth", name=f"Growth {i}")
    body = api_client.get("/api/v1/accounts", {"page_size": 5}).json()
    assert body["count"] == 8
    assert len(body["items"]) == 5
    body = api_client.get("/api/v1/accounts", {"tier": "growth", "page": 2, "page_size": 5}).json()
    assert [a["name"] for a in body["items"]] == ["Growth 5", "Growth 6"]


def test_list_query_count_is_constant(api_client, world):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            api_client.get("/api/v1/contacts")
        return len(ctx.captured_queries)

    ContactFactory(account=world.account)
    queries()  # the first call also records the token's last use
    few = queries()
    for _ in range(10):
        ContactFactory(account=world.account)
    assert queries() == few


def test_crud_account(api_client, world):
    created = api_client.post(
        "/api/v1/accounts",
        {"name": "Delta Logistics", "team": world.team.pk, "annual_value": "250000"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    account_id = created.json()["id"]
    patched = api_client.patch(
        f"/api/v1/accounts/{account_id}", {"tier": "strategic"}, content_type="application/json"
    )
    assert patched.json()["tier"] == "strategic"
    assert api_client.delete(f"/api/v1/accounts/{account_id}").status_code == 204
    assert api_client.get(f"/api/v1/accounts/{account_id}").status_code == 404


def test_other_team_is_404_and_cannot_be_targeted(api_client, world):
    assert api_client.get(f"/api/v1/accounts/{world.other_account.pk}").status_code == 404
    response = api_client.post(
        "/api/v1/accounts",
        {"name": "Sneaky", "team": world.other_team.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = api_client.post(
        f"/api/v1/accounts/{world.other_account.pk}/contacts",
        {"name": "X"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_bad_input_names_the_field(api_client, world):
    response = api_client.post(
        "/api/v1/accounts",
        {"name": "Bad", "team": world.team.pk, "tier": "platinum"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "tier" in response.json()["detail"]


def test_communication_with_contacts(api_client, world):
    contact = ContactFactory(account=world.account)
    response = api_client.post(
        f"/api/v1/accounts/{world.account.pk}/communications",
        {
            "channel": "call",
            "occurred_at": "2026-11-01T10:00:00Z",
            "summary": "Escalation call",
            "contacts": [contact.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    stranger = ContactFactory(account=world.other_account)
    response = api_client.post(
        f"/api/v1/accounts/{world.account.pk}/communications",
        {
            "channel": "call",
            "occurred_at": "2026-11-01T10:00:00Z",
            "summary": "x",
            "contacts": [stranger.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 422
