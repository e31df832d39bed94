"""A plan's rules follow the plan from version to version (decision 142): agreeing a new
version moves the rules of the version it supersedes to it, through monitoring's
VERSION_AGREED_HOOKS, unless the new version has its own rule of that kind."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rapport.alerts.kinds import clean_params
from rapport.alerts.models import Alert, AlertStatus, Rule, RuleKind, RuleScope
from rapport.alerts.services import carry_plan_rules
from rapport.core.models import AuditEvent
from rapport.monitoring import services as monitoring
from rapport.monitoring.services import VERSION_AGREED_HOOKS
from tests.alerts.builders import evaluate
from tests.factories import CommitmentFactory
from tests.monitoring.builders import agree, draft_plan


def plan_rule(world, version, kind: str, **params) -> Rule:
    return Rule.objects.create(
        name=f"{kind} of v{version.number}", scope=RuleScope.PLAN, team=world.team,
        plan_version=version, kind=kind, params=clean_params(kind, params),
    )  # fmt: skip


def test_the_hook_is_registered():
    assert carry_plan_rules in VERSION_AGREED_HOOKS


def test_agreeing_a_new_version_carries_the_plan_rules_and_their_open_alerts(world):
    world.account.owner = world.user
    world.account.save()
    first = agree(world, draft_plan(world))
    overdue = plan_rule(world, first, RuleKind.COMMITMENT_OVERDUE, grace_days=0)
    replaced = plan_rule(world, first, RuleKind.COMPLAINTS, threshold=5, days=30)
    CommitmentFactory(account=world.account, owner=world.user,
                      due_date=timezone.localdate() - dt.timedelta(days=3))  # fmt: skip
    [alert] = evaluate(world.account).opened
    assert alert.rule_id == overdue.pk

    second = monitoring.new_version(actor=world.user, plan=first.plan)
    own = plan_rule(world, second, RuleKind.COMPLAINTS, threshold=1, days=14)
    audits = AuditEvent.objects.filter(object_type__endswith="rule", object_id=str(overdue.pk))
    audits_before = audits.count()
    second = agree(world, second)

    overdue.refresh_from_db()
    replaced.refresh_from_db()
    own.refresh_from_db()
    assert overdue.plan_version_id == second.pk  # carried, the same rule
    assert replaced.plan_version_id == first.pk  # v2 has its own complaints rule
    assert own.plan_version_id == second.pk
    assert audits.count() == audits_before + 1
    # The carried rule still applies: its alert stays open, refreshed, not closed and reopened.
    result = evaluate(world.account)
    assert result.opened == []
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert Alert.objects.filter(account=world.account).count() == 1


def test_a_first_agreement_carries_nothing(world):
    version = draft_plan(world)
    rule = plan_rule(world, version, RuleKind.COMMITMENT_OVERDUE, grace_days=0)
    agree(world, version)
    rule.refresh_from_db()
    assert rule.plan_version_id == version.pk
