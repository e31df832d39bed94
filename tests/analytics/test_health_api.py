"""Health, risks, cost entries and loyalty proposals over /api/v1/: access, errors, pages."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.analytics.health.services import refresh_health
from rapport.api.services import issue_token
from rapport.core.models import Role
from rapport.customers.models import CostEntry
from tests.analytics.health_builders import known_account
from tests.factories import AccountFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


def _client_for(user) -> Client:
    _, raw = issue_token(actor=user, user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_anonymous_is_401(world):
    assert Client().get(f"/api/v1/accounts/{world.account.pk}/health").status_code == 401
    assert Client().get("/api/v1/risks").status_code == 401


def test_account_health_with_components(api_client, world):
    known_account(world.account)
    body = api_client.get(f"/api/v1/accounts/{world.account.pk}/health").json()
    assert body["score"] == pytest.approx(68.2, abs=0.05)
    assert body["band"] == "amber"
    coverage = next(c for c in body["components"] if c["key"] == "coverage")
    assert coverage["score"] == 50.0
    assert coverage["share"] == 0.2
    assert [r["code"] for r in body["risks"]] == ["broken_commitments"]
    assert body["profitability"]["margin"] == 90000.0


def test_other_team_is_404(world):
    client = _client_for(world.other_user)
    assert client.get(f"/api/v1/accounts/{world.account.pk}/health").status_code == 404


def test_portfolio_and_risks_scoped_and_paginated(api_client, world):
    known_account(world.account)
    known_account(world.other_account)
    refresh_health()
    cells = api_client.get("/api/v1/portfolio/health").json()["cells"]
    assert [(c["team_name"], c["tier"], c["n"]) for c in cells] == [("North", "key", 1)]
    risks = api_client.get("/api/v1/risks?page_size=10").json()
    assert risks["count"] == 1
    assert risks["items"][0]["account_name"] == "Acme Foods"
    bad = api_client.get("/api/v1/risks?band=blue")
    assert bad.status_code == 422
    assert "band must be one of" in bad.json()["detail"]


def test_cost_entries_crud_and_errors(api_client, world):
    url = f"/api/v1/accounts/{world.account.pk}/cost-entries"
    created = api_client.post(
        url, {"date": "2026-01-05", "kind": "credit", "amount": "250.00"}, "application/json"
    )
    assert created.status_code == 201
    assert created.json()["currency"] == "GBP"
    pk = created.json()["id"]
    missing_hours = api_client.post(
        url, {"date": "2026-01-05", "kind": "service_hours", "amount": "10"}, "application/json"
    )
    assert missing_hours.status_code == 422
    assert "Give the hours" in missing_hours.json()["detail"]
    negative = api_client.post(
        url, {"date": "2026-01-05", "kind": "credit", "amount": "-1"}, "application/json"
    )
    assert negative.status_code == 422
    patched = api_client.patch(f"/api/v1/cost-entries/{pk}", {"note": "ok"}, "application/json")
    assert patched.json()["note"] == "ok"
    listed = api_client.get(f"/api/v1/cost-entries?account={world.account.pk}").json()
    assert listed["count"] == 1
    other = _client_for(world.other_user)
    assert other.get(f"/api/v1/cost-entries/{pk}").status_code == 404
    assert (
        other.post(
            url, {"date": "2026-01-05", "kind": "credit", "amount": "1"}, "application/json"
        ).status_code
        == 404
    )
    assert api_client.delete(f"/api/v1/cost-entries/{pk}").status_code == 204
    assert not CostEntry.objects.exists()


def test_cost_entry_role_without_capability_is_403(world):
    analyst = UserFactory(username="ana")
    MembershipFactory(user=analyst, team=world.team, role=Role.ANALYST)
    response = _client_for(analyst).post(
        f"/api/v1/accounts/{world.account.pk}/cost-entries",
        {"date": "2026-01-05", "kind": "credit", "amount": "1"},
        "application/json",
    )
    assert response.status_code == 403


def test_loyalty_proposals(api_client, world):
    created = api_client.post(
        "/api/v1/loyalty-proposals",
        {"team": world.team.pk, "title": "Partners", "segment": {"types": ["partner"]}},
        "application/json",
    )
    assert created.status_code == 201
    assert created.json()["segment"]["types"] == ["partner"]
    bad = api_client.post(
        "/api/v1/loyalty-proposals",
        {"team": world.team.pk, "title": "X", "segment": {"loyalty": ["fans"]}},
        "application/json",
    )
    assert bad.status_code == 422
    assert "loyalty: fans" in bad.json()["detail"]
    foreign = api_client.post(
        "/api/v1/loyalty-proposals", {"team": world.other_team.pk, "title": "X"}, "application/json"
    )
    assert foreign.status_code == 422
    assert api_client.get("/api/v1/loyalty-proposals").json()["count"] == 1
    assert _client_for(world.other_user).get("/api/v1/loyalty-proposals").json()["count"] == 0


def test_risks_query_count_flat(api_client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    known_account(world.account)
    refresh_health()
    with CaptureQueriesContext(connection) as few:
        api_client.get("/api/v1/risks")
    for _ in range(8):
        known_account(AccountFactory(team=world.team))
    refresh_health()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api_client.get("/api/v1/risks").json()["count"] == 9
