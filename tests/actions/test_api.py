"""The actions API: same services as the pages; filters in the query; 404 for other teams."""

from __future__ import annotations

import pytest

from rapport.actions.models import Action
from rapport.core.models import AuditEvent

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_open_list_read_and_close_through_the_api(crew, api_client):
    payload = {
        "team": crew.team.pk,
        "account": crew.account.pk,
        "title": "Fix the invoices",
        "owner": crew.owner.pk,
        "severity": "critical",
        "metric": "nps",
        "source_kind": "swot",
        "source_ref": "theme:billing",
    }
    answer = api_client.post("/api/v1/actions", payload, content_type=JSON)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    action = Action.objects.get(pk=body["id"])
    assert (action.severity, action.source_kind, action.metric) == ("critical", "swot", "nps")
    assert AuditEvent.objects.filter(object_type="actions.action", via="api").count() == 1
    listed = api_client.get("/api/v1/actions?severity=critical&source=swot").json()
    assert [row["id"] for row in listed["items"]] == [action.pk]
    assert api_client.get("/api/v1/actions?severity=urgent").status_code == 400
    detail = api_client.get(f"/api/v1/actions/{action.pk}").json()
    assert [e["kind"] for e in detail["events"]] == ["opened"]
    assert detail["loop_closure"] is None
    assert detail["escalations"] == []
    answer = api_client.post(
        f"/api/v1/actions/{action.pk}/status", {"status": "done"}, content_type=JSON
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("outcome:")
    answer = api_client.post(
        f"/api/v1/actions/{action.pk}/status",
        {"status": "done", "outcome": "Invoices reissued"},
        content_type=JSON,
    )
    assert answer.json()["status"] == "done"
    assert api_client.get("/api/v1/actions").json()["count"] == 0  # open ones by default
    assert api_client.get("/api/v1/actions?status=all").json()["count"] == 1


def test_another_teams_action_is_a_404(crew, open_one, api_client):
    from rapport.actions import services

    theirs = services.open_action(
        actor=crew.other,
        team=crew.other_team,
        account=crew.other_account,
        title="South's",
        description="",
        owner=crew.other,
        due_on=crew.other_account.created_at.date(),
        severity="low",
        source_kind="manual",
    )
    assert api_client.get(f"/api/v1/actions/{theirs.pk}").status_code == 404
    assert api_client.get(f"/api/v1/actions/{theirs.pk}/effect").status_code == 404
    assert api_client.get("/api/v1/actions?status=all").json()["count"] == 0
