"""API: themes, a response's analysis and labels (themes and sentiment), trends, the sentiment
model; scoping and capabilities."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.api.services import issue_token
from rapport.core.models import Role
from rapport.enrichment.models import EnrichmentJob, JobKind, TrainedModel
from rapport.enrichment.training import run_training_job
from tests.enrichment.helpers import enrich, respond, themes_of
from tests.enrichment.sentiment_data import DOMAIN
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


def test_sentiment_label_model_and_queue(
    world, taxonomy, api_client, django_capture_on_commit_callbacks
):
    response = respond(world.account, "The invoice is wrong.")
    enrich()
    url = f"/api/v1/responses/{response.pk}/labels"
    body = api_client.post(url, {"sentiment": "neutral"}, content_type="application/json").json()
    assert (body["label"], body["model_label"], body["sentiment_labelled"]) == (
        "neutral", "negative", True
    )  # fmt: skip
    assert body["sentiment_labelled_at"] is not None
    assert [t["slug"] for t in body["themes"]] == ["billing"]  # themes absent: left as they were
    assert body["labelled"] is False
    bad = api_client.post(url, {"sentiment": "glad"}, content_type="application/json")
    assert bad.status_code == 422
    assert api_client.post(url, {}, content_type="application/json").status_code == 422
    agent = token_client(world, Role.AGENT)
    denied = agent.post(url, {"sentiment": "negative"}, content_type="application/json")
    assert denied.status_code == 403

    queue = api_client.get("/api/v1/sentiment/labelling-queue?limit=5").json()
    assert response.pk not in [a["response_id"] for a in queue]

    status = api_client.get("/api/v1/sentiment/model").json()
    assert status["in_force"] == "vader"
    assert status["readiness"]["counts"] == {"negative": 0, "neutral": 1, "positive": 0}
    assert status["readiness"]["ready"] is False
    analyst = token_client(world, Role.ANALYST)
    not_ready = analyst.post("/api/v1/sentiment/model/train")
    assert not_ready.status_code == 422
    assert "more negative" in not_ready.json()["detail"]

    made = [respond(world.account, text) for text, _ in DOMAIN]
    enrich()
    queue = api_client.get("/api/v1/sentiment/labelling-queue?limit=21").json()
    assert [a["picked_at_random"] for a in queue].count(True) == 7  # every third
    for i, (r, (_, label)) in enumerate(zip(made, DOMAIN, strict=True)):
        body = {"sentiment": label, "picked_at_random": i % 2 == 0}
        api_client.post(f"/api/v1/responses/{r.pk}/labels", body, content_type="application/json")
    status = api_client.get("/api/v1/sentiment/model").json()["readiness"]
    assert (status["sampled"], status["ready"]) == (len(DOMAIN) // 2, True)
    assert api_client.post("/api/v1/sentiment/model/train").status_code == 403  # account manager
    with django_capture_on_commit_callbacks(execute=False):
        started = analyst.post("/api/v1/sentiment/model/train")
    assert started.status_code == 202
    job = EnrichmentJob.objects.get(pk=started.json()["id"])
    assert job.kind == JobKind.TRAIN_SENTIMENT
    with django_capture_on_commit_callbacks(execute=False):
        run_training_job(job_id=job.pk)
    status = api_client.get("/api/v1/sentiment/model").json()
    assert status["in_force"] == "model"
    assert status["model"]["macro_f1"] > status["model"]["vader"]["macro_f1"]
    assert status["history"][0]["in_force"] is True
    assert analyst.post("/api/v1/sentiment/model/vader").status_code == 403
    manager = token_client(world, Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=False):
        back = manager.post("/api/v1/sentiment/model/vader")
    assert back.status_code == 200
    assert back.json()["in_force"] == "vader"
    assert "Switched back to VADER" in back.json()["history"][0]["decision"]
    assert not TrainedModel.objects.filter(active=True).exists()
