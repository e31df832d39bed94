"""API: themes, a response's analysis and labels, trends; scoping and capabilities."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.api.services import issue_token
from rapport.core.models import Role
from tests.enrichment.helpers import enrich, respond, themes_of
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def token_client(world, role: str) -> Client:
    user = UserFactory()
    MembershipFactory(user=user, team=world.team, role=role)
    _, raw = issue_token(actor=user, user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_anonymous_gets_401(world, taxonomy):
    assert Client().get("/api/v1/themes").status_code == 401


def test_list_create_and_update_themes(world, taxonomy, api_client):
    themes = api_client.get("/api/v1/themes").json()
    assert "delivery" in [t["slug"] for t in themes]
    assert (
        api_client.post(
            "/api/v1/themes",
            {"name": "Carbon", "phrases": ["carbon"]},
            content_type="application/json",
        ).status_code
        == 403
    )  # account managers do not edit the taxonomy
    analyst = token_client(world, Role.ANALYST)
    created = analyst.post(
        "/api/v1/themes", {"name": "Carbon", "phrases": ["carbon"]}, content_type="application/json"
    )
    assert created.status_code == 201
    theme_id = created.json()["id"]
    bad = analyst.put(
        f"/api/v1/themes/{theme_id}", {"phrases": ["ca*rbon"]}, content_type="application/json"
    )
    assert bad.status_code == 422
    renamed = analyst.put(
        f"/api/v1/themes/{theme_id}",
        {"name": "Emissions", "active": False},
        content_type="application/json",
    )
    assert renamed.json()["name"] == "Emissions"
    assert renamed.json()["active"] is False


def test_analysis_and_label(world, taxonomy, api_client):
    response = respond(world.account, "Email me at ops@example.com: the invoice is wrong.")
    theirs = respond(world.other_account, "The invoice is wrong.")
    enrich()
    got = api_client.get(f"/api/v1/responses/{response.pk}/analysis")
    assert got.status_code == 200
    body = got.json()
    assert body["redacted_text"].startswith("Email me at [EMAIL]")
    assert "ops@example.com" not in got.content.decode()
    assert body["label"] == "negative"
    assert [t["slug"] for t in body["themes"]] == ["billing"]
    assert api_client.get(f"/api/v1/responses/{theirs.pk}/analysis").status_code == 404
    url = f"/api/v1/responses/{response.pk}/labels"
    labelled = api_client.post(url, {"themes": ["support"]}, content_type="application/json")
    assert labelled.status_code == 200
    assert labelled.json()["labelled"] is True
    assert themes_of(response) == {"support"}
    other = f"/api/v1/responses/{theirs.pk}/labels"
    assert (
        api_client.post(other, {"themes": []}, content_type="application/json").status_code == 404
    )
    unknown = api_client.post(url, {"themes": ["nope"]}, content_type="application/json")
    assert unknown.status_code == 422
    agent = token_client(world, Role.AGENT)
    assert agent.post(url, {"themes": []}, content_type="application/json").status_code == 403


def test_trend_and_moved(world, taxonomy, api_client):
    respond(world.account, "Late delivery.")
    respond(world.account, "Fine overall.")
    enrich()
    trend = api_client.get(f"/api/v1/accounts/{world.account.pk}/themes/trend?to=2026-06-30")
    assert trend.status_code == 200
    by_key = {t["key"]: t["points"] for t in trend.json()}
    assert by_key["*"][-1]["comments"] == 2
    assert by_key["delivery"][-1]["share"] == 0.5
    moved = api_client.get(f"/api/v1/accounts/{world.account.pk}/themes/moved?to=2026-06-30")
    assert moved.json()["comments"] == 2
    other = f"/api/v1/accounts/{world.other_account.pk}/themes/trend"
    assert api_client.get(other).status_code == 404
