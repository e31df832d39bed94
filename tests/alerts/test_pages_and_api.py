"""The inbox, an alert, the rules pages and the account's tab; the same through /api/v1/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from rapport.alerts.models import Alert, AlertStatus, Rule, RuleKind
from rapport.core.models import AuditEvent, Role
from tests.alerts.builders import evaluate, promote, rule
from tests.factories import AccountFactory, CommitmentFactory, MembershipFactory, UserFactory

JSON = "application/json"


@pytest.fixture
def alerts(world):
    """Five overdue commitments in North (alice owns the accounts), one in South."""
    rule(RuleKind.COMMITMENT_OVERDUE)
    late = timezone.localdate() - dt.timedelta(days=4)
    accounts = [world.account] + [
        AccountFactory(team=world.team, owner=world.user, name=f"North {i}") for i in range(4)
    ]
    for account in accounts:
        account.owner = world.user
        account.save()
        CommitmentFactory(account=account, owner=world.user, due_date=late)
    CommitmentFactory(account=world.other_account, due_date=late)
    evaluate(*accounts, world.other_account)
    return Alert.objects.filter(team=world.team).order_by("pk")


def test_the_inbox_lists_my_teams_alerts_in_bounded_queries(
    user_client, world, alerts, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        page = user_client.get("/alerts/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('href="/alerts/') >= 5
    assert world.other_account.name not in text
    assert "5 open alerts" in text
    filtered = user_client.get(f"/alerts/?account={world.account.pk}&status=open&severity=high")
    assert filtered.content.decode().count("Commitment overdue at") == 1
    assert user_client.get("/alerts/?severity=urgent").status_code == 400


def test_the_nav_shows_the_open_alerts_of_my_teams(user_client, alerts):
    text = user_client.get("/").content.decode()
    assert 'href="/alerts/"' in text
    assert '<span class="nav-count">5' in text


def test_an_alert_page_shows_observed_expected_rule_action_and_history(user_client, alerts):
    alert = alerts.first()
    text = user_client.get(f"/alerts/{alert.pk}/").content.decode()
    for expected in (alert.observed, alert.expected, alert.rule.name, "History", "Close alert",
                     "/commitments/"):  # fmt: skip
        assert expected in text


def test_closing_an_alert_from_its_page(user_client, alerts):
    alert = alerts.first()
    empty = user_client.post(f"/alerts/{alert.pk}/close/", {"reason": ""})
    assert empty.status_code == 200
    assert "This field is required" in empty.content.decode()
    done = user_client.post(f"/alerts/{alert.pk}/close/", {"reason": "Kept on the phone."})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert alert.close_reason == "Kept on the phone."


def test_another_teams_alert_is_missing(world, alerts):
    bob = Client()
    bob.force_login(world.other_user)
    alert = alerts.first()
    assert bob.get(f"/alerts/{alert.pk}/").status_code == 404
    assert bob.post(f"/alerts/{alert.pk}/close/", {"reason": "x"}).status_code == 404
    assert bob.get(f"/accounts/{world.account.pk}/alerts/").status_code == 404


def test_an_agent_sees_alerts_but_no_close_control(world, alerts):
    agent = UserFactory(username="agent")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    alert = alerts.first()
    text = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert alert.title in text
    assert "Close alert" not in text
    assert client.post(f"/alerts/{alert.pk}/close/", {"reason": "x"}).status_code == 403
    rules_page = client.get("/alerts/rules/").content.decode()
    assert "New rule" not in rules_page
    assert ">Edit<" not in rules_page


def test_the_account_tab_lists_its_open_alerts(user_client, world, alerts):
    text = user_client.get(f"/accounts/{world.account.pk}/alerts/").content.decode()
    assert "Commitment overdue at Acme Foods" in text
    assert "North 0" not in text


def test_a_manager_creates_tests_and_edits_a_rule(world, alerts):
    promote(world.user, world.team)
    client = Client()
    client.force_login(world.user)
    form = client.get("/alerts/rules/new/?kind=complaints")
    assert form.status_code == 200
    assert "param_threshold" in form.content.decode()
    bad = client.post(
        "/alerts/rules/new/?kind=complaints",
        {"name": "Complaints", "scope": "team", "team": world.team.pk, "severity": "high",
         "active": "on", "param_threshold": "-3", "param_days": "30"},
    )  # fmt: skip
    assert bad.status_code == 200
    assert "greater than or equal to 0" in bad.content.decode()
    made = client.post(
        "/alerts/rules/new/?kind=complaints",
        {"name": "Any complaint", "scope": "team", "team": world.team.pk, "severity": "high",
         "active": "on", "param_threshold": "0", "param_days": "14"},
    )  # fmt: skip
    assert made.status_code == 302
    new = Rule.objects.get(name="Any complaint")
    assert (new.team, new.params) == (world.team, {"threshold": 0, "days": 14})
    dry = client.get(f"/alerts/rules/{new.pk}/test/")
    assert dry.status_code == 200
    assert "It would open 0 alerts" in dry.content.decode()
    # The draft's Test button: the overdue rule's kind, as a draft, finds nothing new either.
    draft = client.get(
        f"/alerts/rules/test/?kind=commitment_overdue&scope=team&team={world.team.pk}"
        "&param_grace_days=0&name=Draft"
    )
    assert "It would open 5 alerts" in draft.content.decode()
    edit = client.post(
        f"/alerts/rules/{new.pk}/edit/",
        {"name": "Any complaint", "scope": "team", "team": world.team.pk, "severity": "low",
         "param_threshold": "1", "param_days": "14"},
    )  # fmt: skip
    assert edit.status_code == 302
    new.refresh_from_db()
    assert (new.severity, new.active, new.params["threshold"]) == ("low", False, 1)


def test_a_manager_runs_the_rules_now(world):
    promote(world.user, world.team)
    rule(RuleKind.COMMITMENT_OVERDUE)
    CommitmentFactory(account=world.account, due_date=timezone.localdate() - dt.timedelta(days=2))
    client = Client()
    client.force_login(world.user)
    answer = client.post("/alerts/rules/evaluate/", {"team": world.team.pk}, follow=True)
    assert "1 alert opened" in answer.content.decode()


# --- API ------------------------------------------------------------------------------------


def test_api_lists_filters_and_closes_alerts(api_client, world, alerts):
    listed = api_client.get("/api/v1/alerts?status=open").json()
    assert listed["count"] == 5
    assert {item["team"] for item in listed["items"]} == {world.team.pk}
    one = alerts.first()
    assert api_client.get(f"/api/v1/alerts/{one.pk}").json()["observed"] == one.observed
    refused = api_client.post(f"/api/v1/alerts/{one.pk}/close", {"reason": ""}, content_type=JSON)
    assert refused.status_code == 422
    assert "reason" in refused.json()["detail"]
    closed = api_client.post(
        f"/api/v1/alerts/{one.pk}/close", {"reason": "Done."}, content_type=JSON
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert api_client.get("/api/v1/alerts?severity=urgent").status_code == 422
    south = Alert.objects.get(team=world.other_team)
    assert api_client.get(f"/api/v1/alerts/{south.pk}").status_code == 404


def test_api_rules_with_errors_naming_the_parameter(api_client, world):
    promote(world.user, world.team)
    body = {"name": "Complaints", "team": world.team.pk, "kind": "complaints",
            "params": {"days": 0}, "severity": "high"}  # fmt: skip
    bad = api_client.post("/api/v1/alert-rules", body, content_type=JSON)
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("params: days must be")
    made = api_client.post(
        "/api/v1/alert-rules", {**body, "params": {"days": 7}}, content_type=JSON
    )
    assert made.status_code == 201, made.content
    rule_id = made.json()["id"]
    assert made.json()["params"] == {"threshold": 2, "days": 7}
    other_team = api_client.post(
        "/api/v1/alert-rules", {**body, "team": world.other_team.pk}, content_type=JSON
    )
    assert other_team.status_code == 404
    patched = api_client.patch(
        f"/api/v1/alert-rules/{rule_id}", {"active": False}, content_type=JSON
    )
    assert patched.json()["active"] is False
    dry = api_client.get(f"/api/v1/alert-rules/{rule_id}/dry-run").json()
    assert dry["would_open"] == []
    assert api_client.delete(f"/api/v1/alert-rules/{rule_id}").status_code == 204
    assert AuditEvent.objects.filter(object_type="alerts.rule", via="api").count() == 3
