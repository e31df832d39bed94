"""What an evaluation does with its findings: opens an alert once, with its action and its
notification; refreshes it while the condition lasts; closes it when the condition clears or
a person closes it; opens a new one when the condition comes back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.actions.models import Action, Severity
from rapport.alerts import selectors, services
from rapport.alerts.models import (
    Alert,
    AlertEvent,
    AlertStatus,
    Evaluation,
    Rule,
    RuleKind,
    RuleScope,
)
from rapport.core.models import AuditEvent, Role
from rapport.customers.models import CommitmentStatus
from rapport.notifications.models import Notification
from tests.alerts.builders import evaluate, promote, rule
from tests.factories import CommitmentFactory, MembershipFactory, UserFactory


@pytest.fixture
def overdue(world):
    """Alice owns the account; a commitment is five days late."""
    world.account.owner = world.user
    world.account.save()
    return CommitmentFactory(
        account=world.account, owner=world.user,
        due_date=timezone.localdate() - dt.timedelta(days=5),
    )  # fmt: skip


def test_an_alert_opens_once_with_its_action_and_is_refreshed_while_open(world, overdue):
    manager = UserFactory(username="mona", email="mona@example.com")
    MembershipFactory(user=manager, team=world.team, role=Role.MANAGER)
    the_rule = rule(RuleKind.COMMITMENT_OVERDUE, severity=Severity.HIGH)
    [alert] = evaluate(world.account).opened
    alert.refresh_from_db()
    assert (alert.rule, alert.account, alert.team, alert.severity) == (
        the_rule,
        world.account,
        world.team,
        Severity.HIGH,
    )
    action = Action.objects.get(pk=alert.action_id)
    assert action.owner == world.user
    assert action.due_on == timezone.localdate() + dt.timedelta(days=3)  # high: 3 days
    assert (action.source_kind, action.source_ref) == ("alert", str(alert.pk))
    assert action.severity == Severity.HIGH
    assert Notification.objects.filter(recipient=manager, kind="alert").count() == 1
    assert (
        AuditEvent.objects.filter(object_type="alerts.alert", object_id=str(alert.pk)).count() == 1
    )
    assert [e.kind for e in AlertEvent.objects.filter(alert=alert)] == ["opened", "action"]

    later = timezone.now() + dt.timedelta(hours=1)
    again = evaluate(world.account, now=later)
    assert again.opened == []
    assert again.refreshed == 1
    assert Alert.objects.filter(account=world.account).count() == 1
    assert Action.objects.filter(source_kind="alert").count() == 1
    alert.refresh_from_db()
    assert alert.last_seen_at == later


def test_the_database_refuses_a_second_open_alert_for_the_same_finding(world, overdue):
    rule(RuleKind.COMMITMENT_OVERDUE)
    [alert] = evaluate(world.account).opened
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            rule=alert.rule, account=alert.account, team=alert.team, kind=alert.kind,
            severity=alert.severity, title="again", observed="", expected="",
            dedupe_key=alert.dedupe_key, opened_at=alert.opened_at, last_seen_at=alert.opened_at,
        )  # fmt: skip


def test_the_alert_closes_itself_when_the_condition_clears_and_reopens_as_a_new_one(world, overdue):
    rule(RuleKind.COMMITMENT_OVERDUE)
    [first] = evaluate(world.account).opened
    overdue.status = CommitmentStatus.KEPT
    overdue.save()
    result = evaluate(world.account)
    assert result.closed == 1
    first.refresh_from_db()
    assert first.status == AlertStatus.CLOSED
    assert first.cleared
    assert first.close_reason == "The condition no longer holds."
    assert AlertEvent.objects.filter(alert=first, kind="cleared").count() == 1

    overdue.status = CommitmentStatus.OPEN
    overdue.save()
    [second] = evaluate(world.account).opened
    assert second.pk != first.pk
    assert second.dedupe_key == first.dedupe_key


def test_a_person_closes_an_alert_with_a_reason(world, overdue):
    rule(RuleKind.COMMITMENT_OVERDUE)
    [alert] = evaluate(world.account).opened
    with pytest.raises(ValidationError) as error:
        services.close_alert(actor=world.user, alert=alert, reason="  ")
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.close_alert(actor=world.other_user, alert=alert, reason="not mine")
    services.close_alert(actor=world.user, alert=alert, reason="Renegotiated with the buyer.")
    alert.refresh_from_db()
    assert (alert.status, alert.cleared, alert.closed_by) == (AlertStatus.CLOSED, False, world.user)
    assert (
        AuditEvent.objects.filter(
            object_type="alerts.alert", object_id=str(alert.pk), actor=world.user
        ).count()
        == 1
    )
    assert alert.holds_off


def test_a_closed_finding_is_not_raised_again_until_its_condition_has_cleared(world, overdue):
    rule(RuleKind.COMMITMENT_OVERDUE)
    [alert] = evaluate(world.account).opened
    services.close_alert(actor=world.user, alert=alert, reason="Agreed a new date by phone.")
    # Still overdue: the person's decision stands, no new alert.
    assert evaluate(world.account).opened == []
    assert evaluate(world.account, now=timezone.now() + dt.timedelta(days=1)).opened == []
    # Kept: the hold is released; broken again later: a new alert.
    overdue.status = CommitmentStatus.KEPT
    overdue.save()
    evaluate(world.account)
    alert.refresh_from_db()
    assert not alert.holds_off
    overdue.status = CommitmentStatus.OPEN
    overdue.save()
    [again] = evaluate(world.account).opened
    assert again.pk != alert.pk


def test_a_team_rule_replaces_the_global_rule_of_its_kind_for_the_team(world, overdue):
    global_rule = rule(RuleKind.COMMITMENT_OVERDUE, grace_days=0)
    team_rule = rule(RuleKind.COMMITMENT_OVERDUE, scope=RuleScope.TEAM, team=world.team,
                     grace_days=10)  # fmt: skip
    CommitmentFactory(account=world.other_account,
                      due_date=timezone.localdate() - dt.timedelta(days=5))  # fmt: skip
    opened = evaluate(world.account, world.other_account).opened
    # North's team rule allows ten days: only South's commitment, under the global rule.
    assert [(a.account_id, a.rule_id) for a in opened] == [(world.other_account.pk, global_rule.pk)]
    assert team_rule.pk not in {a.rule_id for a in opened}


def test_switching_a_rule_off_closes_its_open_alerts(world, overdue):
    admin = world.admin
    the_rule = rule(RuleKind.COMMITMENT_OVERDUE)
    [alert] = evaluate(world.account).opened
    services.update_rule(actor=admin, rule=the_rule, changes={"active": False})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert "switched off" in alert.close_reason
    assert evaluate(world.account).opened == []


def test_an_evaluation_is_recorded(world, overdue):
    rule(RuleKind.COMMITMENT_OVERDUE)
    evaluate(world.account, world.other_account)
    record = Evaluation.objects.get()
    assert (record.trigger, record.accounts, record.rules, record.opened, record.closed) == (
        "change",
        2,
        1,
        1,
        0,
    )
    assert sorted(record.account_ids) == sorted([world.account.pk, world.other_account.pk])
    assert record.duration_ms > 0


def test_rule_parameters_are_checked_per_kind(world):
    promote(world.user, world.team)
    with pytest.raises(ValidationError) as error:
        services.create_rule(
            actor=world.user,
            fields={"name": "x", "scope": "team", "team": world.team, "kind": "complaints",
                    "params": {"threshold": -1}, "severity": "high"},
        )  # fmt: skip
    assert error.value.message_dict == {"params": ["threshold must be from 0 to 1000"]}
    with pytest.raises(ValidationError) as error:
        services.create_rule(
            actor=world.user,
            fields={"name": "x", "scope": "team", "team": world.team, "kind": "complaints",
                    "params": {"limit": 3}, "severity": "high"},
        )  # fmt: skip
    assert "limit is not a parameter" in error.value.message_dict["params"][0]
    made = services.create_rule(
        actor=world.user,
        fields={"name": "Complaints", "scope": "team", "team": world.team, "kind": "complaints",
                "params": {"threshold": "4"}, "severity": "high"},
    )  # fmt: skip
    made.refresh_from_db()
    assert made.params == {"threshold": 4, "days": 30}
    assert AuditEvent.objects.filter(object_type="alerts.rule", object_id=str(made.pk)).count() == 1


def test_only_administrators_manage_global_rules_and_account_managers_none(world):
    fields = {"name": "x", "scope": "global", "kind": "commitment_overdue", "severity": "low"}
    promote(world.user, world.team)
    with pytest.raises(PermissionDenied):
        services.create_rule(actor=world.user, fields=fields)
    assert services.create_rule(actor=world.admin, fields=fields).team is None
    with pytest.raises(PermissionDenied):  # bob is an account manager of South
        services.create_rule(
            actor=world.other_user, fields={**fields, "scope": "team", "team": world.other_team}
        )


def test_a_plan_rule_applies_while_its_version_is_the_agreed_one(world, overdue):
    from rapport.monitoring.models import MonitoringPlan, PlanStatus, PlanVersion

    plan = MonitoringPlan.objects.create(account=world.account, team=world.team)
    version = PlanVersion.objects.create(plan=plan, number=1, status=PlanStatus.AGREED,
                                         agreed_at=timezone.now())  # fmt: skip
    global_rule = rule(RuleKind.COMMITMENT_OVERDUE, grace_days=0)
    rule(RuleKind.COMMITMENT_OVERDUE, scope=RuleScope.TEAM, team=world.team, grace_days=1)
    plan_rule = Rule.objects.create(
        name="Acme: a week's grace", scope=RuleScope.PLAN, team=world.team,
        plan_version=version, kind=RuleKind.COMMITMENT_OVERDUE, params={"grace_days": 7},
        severity=Severity.LOW,
    )  # fmt: skip
    CommitmentFactory(account=world.other_account,
                      due_date=timezone.localdate() - dt.timedelta(days=5))  # fmt: skip
    opened = evaluate(world.account, world.other_account).opened
    # Acme's plan allows seven days (five late: nothing); South has only the global rule.
    assert [(a.account_id, a.rule_id) for a in opened] == [(world.other_account.pk, global_rule.pk)]
    dry = selectors.dry_run(world.user, plan_rule)  # the plan's account only
    assert (dry.accounts, dry.would_open) == (1, [])
    # A new version agreed: the old version's rule no longer applies, the team's rule does.
    PlanVersion.objects.filter(pk=version.pk).update(status=PlanStatus.SUPERSEDED)
    PlanVersion.objects.create(plan=plan, number=2, status=PlanStatus.AGREED,
                               agreed_at=timezone.now())  # fmt: skip
    [alert] = evaluate(world.account).opened
    assert alert.rule_id != plan_rule.pk
    assert alert.rule.scope == RuleScope.TEAM


def test_an_opened_alert_is_sent_to_the_teams_webhooks(world, overdue):
    from rapport.notifications.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        team=world.team, url="https://93.184.215.14/hook", secret="whsec_x",
        events=["alert.opened"],
    )  # fmt: skip
    WebhookEndpoint.objects.create(
        team=world.team, url="https://93.184.215.14/other", secret="whsec_y",
        events=["action.opened"],
    )  # fmt: skip
    rule(RuleKind.COMMITMENT_OVERDUE)
    [alert] = evaluate(world.account).opened
    [delivery] = WebhookDelivery.objects.filter(event="alert.opened")
    assert delivery.endpoint == endpoint
    assert delivery.payload["id"] == alert.pk
    assert delivery.payload["observed"] == alert.observed
    assert delivery.payload["action"] == alert.action_id
