"""Running the rules: which rules reach which accounts, and what an evaluation does with what
the checks find (open, refresh or close alerts), recorded as an `Evaluation`.

Cost: per batch of accounts, one query for the rules, one for the batch's open alerts, and the
checks' facts (alerts.checks), so an evaluation costs the same number of queries whatever the
number of stored responses; only alerts opened or closed add writes (decision 122).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from rapport.actions.models import Severity, SourceKind
from rapport.actions.services import open_action
from rapport.alerts.checks import CHECKS, Facts, Finding
from rapport.alerts.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertStatus,
    Evaluation,
    Rule,
    RuleKind,
    RuleScope,
)
from rapport.core.models import AuditAction, Membership, Role, Team, User
from rapport.core.services import record_audit
from rapport.customers.models import Account
from rapport.monitoring.selectors import responsible_owner
from rapport.notifications.services import notify

log = logging.getLogger(__name__)

BATCH = 500  # accounts whose facts are loaded together
# An alert's action is due this many days after it opens.
DUE_DAYS: dict[str, int] = {
    Severity.CRITICAL: 1,
    Severity.HIGH: 3,
    Severity.MEDIUM: 7,
    Severity.LOW: 14,
}
SCOPE_RANK: dict[str, int] = {RuleScope.GLOBAL: 0, RuleScope.TEAM: 1, RuleScope.PLAN: 2}


# The reason of an alert an evaluation closed because its finding was gone (not because its rule
# stopped applying): for a control-rule alert, its episode is over (actions' SOURCE_STATES).
CONDITION_GONE = "The condition no longer holds."


def dedupe_key(rule_id: int, account_id: int, subject: str) -> str:
    return f"r{rule_id}:a{account_id}:{subject}"[:200]


@dataclass(slots=True)
class Result:
    opened: list[Alert] = field(default_factory=list)
    closed: int = 0
    refreshed: int = 0
    rules: set[int] = field(default_factory=set)
    would_open: list[tuple[Rule, Finding]] = field(default_factory=list)  # dry runs


def applicable_rules(
    rules: Sequence[Rule], accounts: Iterable[Account], plan_versions: Mapping[int, int]
) -> dict[int, list[Rule]]:
    """Per account, the rules that apply to it: for each kind, the rules of the most specific
    scope that reaches the account (its plan's, else its team's, else the global ones), so a
    team can replace a global rule of a kind with its own (decision 121)."""
    result: dict[int, list[Rule]] = {}
    for account in accounts:
        reaching: dict[str, list[Rule]] = defaultdict(list)
        for rule in rules:
            if (
                rule.scope == RuleScope.GLOBAL
                or (rule.scope == RuleScope.TEAM and rule.team_id == account.team_id)
                or (
                    rule.scope == RuleScope.PLAN
                    and rule.plan_version_id == plan_versions.get(account.pk)
                )
            ):
                reaching[rule.kind].append(rule)
        chosen = []
        for kind_rules in reaching.values():
            top = max(SCOPE_RANK[r.scope] for r in kind_rules)
            chosen += [r for r in kind_rules if SCOPE_RANK[r.scope] == top]
        result[account.pk] = chosen
    return result


def _evaluate_batch(
    account_ids: Sequence[int],
    rules: Sequence[Rule],
    *,
    now: datetime,
    today: date,
    result: Result,
    dry_run: bool,
) -> None:
    facts = Facts(account_ids, now=now, today=today)
    facts.chart_metrics = {
        r.params.get("metric", "") for r in rules if r.kind == RuleKind.CONTROL_RULE_BROKEN
    }
    accounts = facts.accounts
    plans = facts.agreed_versions if any(r.scope == RuleScope.PLAN for r in rules) else {}
    applied = applicable_rules(rules, accounts.values(), plans)
    by_rule: dict[int, list[int]] = defaultdict(list)
    rules_by_id = {r.pk: r for r in rules}
    for account_id, chosen in applied.items():
        for rule in chosen:
            by_rule[rule.pk].append(account_id)
    findings: dict[str, tuple[Rule, Finding]] = {}
    undecided: set[str] = set()
    for rule_id, ids in by_rule.items():
        rule = rules_by_id[rule_id]
        result.rules.add(rule_id)
        outcome = CHECKS[rule.kind](rule, facts, ids)
        for finding in outcome.findings:
            findings[dedupe_key(rule_id, finding.account_id, finding.subject)] = (rule, finding)
        undecided |= {dedupe_key(rule_id, a, s) for a, s in outcome.undecided}
    open_alerts: dict[str, Alert] = {}
    held_off: dict[str, list[int]] = defaultdict(list)  # closed by a person, condition held
    for alert in Alert.objects.filter(account_id__in=list(accounts)).filter(
        Q(status=AlertStatus.OPEN) | Q(holds_off=True)
    ):
        if alert.status == AlertStatus.OPEN:
            open_alerts[alert.dedupe_key] = alert
        else:
            held_off[alert.dedupe_key].append(alert.pk)
    if dry_run:
        result.would_open += [
            found
            for key, found in findings.items()
            if key not in open_alerts and key not in held_off
        ]
        return
    # A finding gone (and judged) releases the hold of alerts a person closed.
    released = [
        pk
        for key, pks in held_off.items()
        if key not in findings and key not in undecided
        for pk in pks
    ]
    if released:
        Alert.objects.filter(pk__in=released).update(holds_off=False)
    seen = [a.pk for key, a in open_alerts.items() if key in findings]
    if seen:
        result.refreshed += Alert.objects.filter(pk__in=seen).update(last_seen_at=now)
    for key, (rule, finding) in findings.items():
        if key not in open_alerts and key not in held_off:
            opened = open_alert(rule=rule, finding=finding, account=accounts[finding.account_id],
                                key=key, now=now, today=today)  # fmt: skip
            if opened is not None:
                result.opened.append(opened)
    applied_ids = {(a, r.pk) for a, chosen in applied.items() for r in chosen}
    for key, alert in open_alerts.items():
        if key in findings or key in undecided:
            continue
        if (alert.account_id, alert.rule_id) in applied_ids:
            reason = CONDITION_GONE
        else:
            reason = "The rule no longer applies to this account (switched off or replaced)."
        result.closed += close_cleared(alert=alert, reason=reason, now=now)


def open_alert(
    *, rule: Rule, finding: Finding, account: Account, key: str, now: datetime, today: date
) -> Alert | None:
    """Open one alert with its action and notification; None when an alert for the same
    finding is already open (another worker opened it first: the unique constraint decides)."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=rule, account=account, team_id=account.team_id, kind=rule.kind,
                severity=rule.severity, subject=finding.subject, title=finding.title[:300],
                observed=finding.observed, expected=finding.expected, link=finding.link[:500],
                link_text=finding.link_text[:200], data=dict(finding.data), dedupe_key=key,
                opened_at=now, last_seen_at=now,
            )  # fmt: skip
    except IntegrityError:
        return None
    with transaction.atomic():
        AlertEvent.objects.create(
            alert=alert, kind=AlertEventKind.OPENED, at=now, text=f"Rule “{rule.name}” found it."
        )
        record_audit(
            actor=None, action=AuditAction.CREATE, instance=alert, team_id=account.team_id,
            changed_fields=["rule", "account", "observed", "expected"], via="rules",
            detail=f"opened by rule {rule.pk}",
        )  # fmt: skip
        url = reverse("alerts:detail", args=[alert.pk])
        owner = responsible_owner(account=account)
        action = None
        if owner is not None:
            try:
                with transaction.atomic():
                    action = open_action(
                        actor=None, team=account.team, account=account,
                        title=finding.title[:200],
                        description=f"Observed: {finding.observed}\nExpected: {finding.expected}",
                        owner=owner, due_on=today + timedelta(days=DUE_DAYS[rule.severity]),
                        severity=rule.severity, source_kind=SourceKind.ALERT,
                        source_ref=str(alert.pk), source_url=url, metric=finding.metric,
                        via="rules",
                    )  # fmt: skip
            except ValidationError as error:
                # The plan or the account names someone who has left the team.
                text = "; ".join(error.messages)
                AlertEvent.objects.create(
                    alert=alert, kind=AlertEventKind.ACTION, at=now,
                    text=f"No action opened: {text}",
                )  # fmt: skip
        if action is not None:
            Alert.objects.filter(pk=alert.pk).update(action=action)
            alert.action = action
            who = action.owner.get_full_name() or action.owner.get_username()
            AlertEvent.objects.create(
                alert=alert, kind=AlertEventKind.ACTION, at=now,
                text=f"Action assigned to {who}, due {action.due_on:%-d %b %Y}.",
            )  # fmt: skip
        elif owner is None:
            AlertEvent.objects.create(
                alert=alert, kind=AlertEventKind.ACTION, at=now,
                text="No action opened: neither the plan nor the account names an owner.",
            )  # fmt: skip
        notify(
            recipients=_managers(account.team_id),
            kind="alert",
            subject=f"Alert: {alert.title}",
            body=f"Observed: {alert.observed}\nExpected: {alert.expected}",
            link=url,
            team=account.team,
            email=rule.severity in (Severity.HIGH, Severity.CRITICAL),
            event="alert.opened",
            payload=alert_payload(alert),
            dedupe_key=f"alert.opened:{alert.pk}",
        )
    return alert


def _managers(team_id: int) -> list[User]:
    memberships = Membership.objects.filter(
        team_id=team_id, role=Role.MANAGER, user__is_active=True
    ).select_related("user")
    return [m.user for m in memberships]


def alert_payload(alert: Alert) -> dict[str, object]:
    return {
        "id": alert.pk,
        "rule": alert.rule_id,
        "kind": alert.kind,
        "severity": alert.severity,
        "account": alert.account_id,
        "team": alert.team_id,
        "title": alert.title,
        "observed": alert.observed,
        "expected": alert.expected,
        "link": alert.link,
        "status": alert.status,
        "opened_at": alert.opened_at.isoformat(),
        "action": alert.action_id,
    }


def close_cleared(*, alert: Alert, reason: str, now: datetime) -> int:
    """Close an alert whose condition an evaluation no longer finds (0 if already closed)."""
    with transaction.atomic():
        closed = Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
            status=AlertStatus.CLOSED, closed_at=now, cleared=True, close_reason=reason
        )
        if closed:
            AlertEvent.objects.create(alert=alert, kind=AlertEventKind.CLEARED, at=now, text=reason)
            record_audit(
                actor=None, action=AuditAction.UPDATE, instance=alert, team_id=alert.team_id,
                changed_fields=["status", "closed_at", "cleared", "close_reason"], via="rules",
                detail="condition cleared",
            )  # fmt: skip
    return closed


def active_rules(rule_ids: Iterable[int] | None = None) -> list[Rule]:
    rules = Rule.objects.filter(active=True)
    if rule_ids is not None:
        rules = rules.filter(pk__in=list(rule_ids))
    return list(rules.order_by("pk"))


def run(
    account_ids: Iterable[int],
    *,
    trigger: str,
    rules: Sequence[Rule] | None = None,
    team: Team | None = None,
    import_job_id: int | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> Result:
    """Evaluate the rules (all active ones unless given) over the accounts, in batches, and
    record the evaluation (not for a dry run, which writes nothing)."""
    started = time.perf_counter()
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    ids = sorted(set(account_ids))
    rules = list(rules) if rules is not None else active_rules()
    result = Result()
    for start in range(0, len(ids), BATCH):
        if rules:
            _evaluate_batch(ids[start : start + BATCH], rules, now=now, today=today,
                            result=result, dry_run=dry_run)  # fmt: skip
    if not dry_run:
        Evaluation.objects.create(
            trigger=trigger, team=team, import_job_id=import_job_id, started_at=now,
            duration_ms=(time.perf_counter() - started) * 1000, accounts=len(ids),
            account_ids=ids[:50], rules=len(result.rules), opened=len(result.opened),
            closed=result.closed, refreshed=result.refreshed,
        )  # fmt: skip
    return result


def accounts_of(*, team: Team | None = None) -> list[int]:
    rows = Account.objects.all() if team is None else Account.objects.filter(team=team)
    return list(rows.order_by("pk").values_list("pk", flat=True))
