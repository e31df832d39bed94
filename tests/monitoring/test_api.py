"""The monitoring API: the same services as the pages, 422 naming the field, 404 for other
teams' ids, and a customer view without internal fields."""

from __future__ import annotations

import base64

import pytest
from django.utils import timezone
from freezegun import freeze_time

from rapport.monitoring.models import PlanStatus, PlanVersion, ScheduledActivity
from tests.factories import ContactFactory

JSON = "application/json"


def _post(client, url, body):
    return client.post(f"/api/v1{url}", body, content_type=JSON)


@pytest.fixture
def drafted(world, api_client):
    answer = _post(api_client, f"/accounts/{world.account.pk}/plan", {"use_template": False})
    assert answer.status_code == 201, answer.content
    version = answer.json()
    api_client.patch(
        f"/api/v1/plan-versions/{version['id']}",
        {"objectives": "Hold the renewal", "internal_notes": "SECRET-NOTE thin margin",
         "target_margin_percent": "11.5"},
        content_type=JSON,
    )  # fmt: skip
    method = _post(
        api_client,
        f"/plan-versions/{version['id']}/methods",
        {"kind": "account_call", "recurrence": "FREQ=MONTHLY;BYMONTHDAY=1", "cost": "987654.00",
         "owner": world.user.pk, "technology": "Teams"},
    )  # fmt: skip
    assert method.status_code == 201, method.content
    assert method.json()["recurrence_text"] == "every month on the 1st"
    kpi = _post(
        api_client, f"/plan-versions/{version['id']}/kpis", {"metric": "csat", "target": 86}
    )
    assert kpi.status_code == 201, kpi.content
    return version


@freeze_time("2026-12-28 12:00:00")
def test_a_plan_is_drafted_proposed_and_agreed_through_the_api(world, api_client, drafted):
    vid = drafted["id"]
    assert _post(api_client, f"/plan-versions/{vid}/propose", {}).status_code == 200
    contact = ContactFactory(account=world.account)
    missing = _post(api_client, f"/plan-versions/{vid}/agree", {"agreed_with": contact.pk})
    assert missing.status_code == 422
    assert missing.json()["detail"].startswith("evidence")
    answer = _post(
        api_client,
        f"/plan-versions/{vid}/agree",
        {"agreed_with": contact.pk, "evidence_name": "minutes.txt",
         "evidence_base64": base64.b64encode(b"signed").decode()},
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["status"], body["agreed_with"]) == ("agreed", contact.pk)
    assert body["evidence_file"].endswith(".txt")
    assert PlanVersion.objects.get(pk=vid).status == PlanStatus.AGREED
    activities = api_client.get(f"/api/v1/activities?account={world.account.pk}").json()
    assert activities["count"] == ScheduledActivity.objects.count() > 0
    first = activities["items"][0]
    done = _post(api_client, f"/activities/{first['id']}/complete", {"note": "held"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    adherence = api_client.get(f"/api/v1/monitoring/adherence?account={world.account.pk}")
    assert adherence.status_code == 200
    assert set(adherence.json()) >= {"due", "done_on_time", "share", "low", "high", "text"}


def test_a_bad_rule_is_a_422_naming_the_field(api_client, drafted):
    answer = _post(
        api_client,
        f"/plan-versions/{drafted['id']}/methods",
        {"kind": "account_call", "recurrence": "FREQ=SECONDLY"},
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("recurrence:")


def test_the_customer_view_leaves_out_internal_fields(api_client, drafted):
    full = api_client.get(f"/api/v1/plan-versions/{drafted['id']}").content.decode()
    assert "SECRET-NOTE" in full
    assert "987654" in full
    customer = api_client.get(f"/api/v1/plan-versions/{drafted['id']}/customer")
    assert customer.status_code == 200
    text = customer.content.decode()
    assert "Hold the renewal" in text
    for internal in ("SECRET-NOTE", "987654", "11.5", "internal_notes", "cost", "margin"):
        assert internal not in text, internal


def test_the_diff_between_two_versions(world, api_client, drafted):
    vid = drafted["id"]
    _post(api_client, f"/plan-versions/{vid}/propose", {})
    contact = ContactFactory(account=world.account)
    _post(api_client, f"/plan-versions/{vid}/agree",
          {"agreed_with": contact.pk, "evidence_reference": "QBR minutes"})  # fmt: skip
    plan_id = drafted["plan"]
    draft = _post(api_client, f"/plans/{plan_id}/versions", {}).json()
    kpi_id = draft["kpis"][0]["id"]
    api_client.patch(f"/api/v1/plan-kpis/{kpi_id}", {"target": 90}, content_type=JSON)
    diff = api_client.get(f"/api/v1/plan-versions/{draft['id']}/diff?against={vid}").json()
    kpis = next(d for d in diff["lists"] if d["name"] == "kpis")
    assert kpis["changed"][0]["changes"][0] == {
        "name": "target", "label": "Target", "old": "86", "new": "90",
    }  # fmt: skip


def test_other_teams_ids_are_404(world, api_client):
    other = api_client.post(
        f"/api/v1/accounts/{world.other_account.pk}/plan", {}, content_type=JSON
    )
    assert other.status_code == 404


def test_templates_are_for_managers(api_client):
    answer = _post(api_client, "/plan-templates", {"tier": "key", "name": "Key"})
    assert answer.status_code == 403


def test_method_evaluation(world, api_client, drafted):
    answer = api_client.get("/api/v1/monitoring/methods?days=90")
    assert answer.status_code == 200
    assert answer.json()["days"] == 90
    assert api_client.get("/api/v1/monitoring/methods?days=2").status_code == 422
    assert timezone.now()
