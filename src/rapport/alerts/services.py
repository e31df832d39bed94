"""Every write of the alerts app: rules, closing alerts, and evaluations (incremental, daily,
on request). Access is checked here; every write is audited."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.alerts import evaluation
from rapport.alerts.kinds import clean_params
from rapport.alerts.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertStatus,
    DailyEvaluation,
    EvaluationTrigger,
    Rule,
    RuleScope,
)
from rapport.core.access import Actor, Capability, require, scope_of
from rapport.core.claims import claim_due, finish_claim
from rapport.core.dates import organisation_zone
from rapport.core.models import AuditAction, Team, User
from rapport.core.services import create_audited, record_audit, reload_stored, update_audited
from rapport.monitoring.models import PlanVersion

log = logging.getLogger(__name__)

DAILY_AT = time(6, 0)  # local time of the daily evaluation
RULE_FIELDS = ("name", "scope", "team", "plan_version", "kind", "params", "severity", "active")


# --- rules -----------------------------------------------------------------------------------


def _value(fields: Mapping[str, Any], name: str) -> Any:
    if name in fields:
        return fields[name]
    return fields.get(f"{name}_id")


def _pk(value: Any) -> int | None:
    return getattr(value, "pk", value)


def _scoped(actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    """Check the actor may manage rules of the scope named, derive a plan rule's team, and
    validate the kind's parameters (a ValidationError naming the field)."""
    scope = fields.get("scope") or RuleScope.TEAM
    fields["scope"] = scope
    if scope == RuleScope.GLOBAL:
        if not scope_of(actor).all_teams:
            raise PermissionDenied("Only administrators may manage global rules.")
        fields["team"], fields["plan_version"] = None, None
    elif scope == RuleScope.PLAN:
        version_id = _pk(_value(fields, "plan_version"))
        version = (
            PlanVersion.objects.select_related("plan").filter(pk=version_id).first()
            if version_id
            else None
        )
        visible = version is not None and (
            scope_of(actor).all_teams or version.plan.team_id in scope_of(actor).team_ids
        )
        if not visible:
            raise ValidationError({"plan_version": "Choose a plan version of your teams."})
        assert version is not None
        fields["plan_version"], fields["team"] = version, version.plan.team
        require(actor, Capability.MANAGE_RULES, version.plan.team_id)
    elif scope == RuleScope.TEAM:
        team_id = _pk(_value(fields, "team"))
        team = Team.objects.filter(pk=team_id).first() if team_id else None
        if team is None or not (scope_of(actor).all_teams or team.pk in scope_of(actor).team_ids):
            raise ValidationError({"team": "Choose one of your teams."})
        require(actor, Capability.MANAGE_RULES, team.pk)
        fields["team"], fields["plan_version"] = team, None
    else:
        raise ValidationError({"scope": f"Unknown scope “{scope}”."})
    for name in ("team", "plan_version"):
        fields.pop(f"{name}_id", None)
    fields["params"] = clean_params(fields.get("kind", ""), fields.get("params"))
    return fields


@transaction.atomic
def create_rule(*, actor: Actor, fields: Mapping[str, Any], via: str = "web") -> Rule:
    unknown = set(fields) - set(RULE_FIELDS) - {"team_id", "plan_version_id"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Not a field of a rule."})
    values = _scoped(actor, dict(fields))
    team = values.get("team")
    rule = create_audited(
        actor=actor,
        model=Rule,
        fields={**values, "created_by": actor if actor.is_authenticated else None},
        team_id=team.pk if team else None,
        via=via,
    )
    return rule


def _require_manage(actor: Actor, rule: Rule) -> None:
    if rule.scope == RuleScope.GLOBAL:
        if not scope_of(actor).all_teams:
            raise PermissionDenied("Only administrators may manage global rules.")
    else:
        require(actor, Capability.MANAGE_RULES, rule.team_id)


@transaction.atomic
def update_rule(
    *, actor: Actor, rule: Rule, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    """Change a rule. Switching it off, or moving it to another scope or kind, closes its open
    alerts at once (they no longer say what a rule in force found)."""
    reload_stored(rule, RULE_FIELDS)
    _require_manage(actor, rule)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Not a field of a rule."})
    merged = {
        "scope": rule.scope,
        "team": rule.team,
        "plan_version": rule.plan_version,
        "kind": rule.kind,
        "params": rule.params,
        **changes,
    }
    values = _scoped(actor, merged)
    wanted = {name: values[name] for name in ("scope", "team", "plan_version", "kind", "params")}
    wanted |= {name: changes[name] for name in ("name", "severity", "active") if name in changes}
    before = (rule.active, rule.scope, rule.team_id, rule.plan_version_id, rule.kind, rule.params)
    changed = update_audited(
        actor=actor, instance=rule, changes=wanted, team_id=rule.team_id, via=via
    )
    after = (rule.active, rule.scope, rule.team_id, rule.plan_version_id, rule.kind, rule.params)
    if before != after:
        reason = (
            "The rule was switched off."
            if not rule.active
            else "The rule was changed; its findings are evaluated afresh."
        )
        now = timezone.now()
        for alert in Alert.objects.filter(rule=rule, status=AlertStatus.OPEN):
            evaluation.close_cleared(alert=alert, reason=reason, now=now)
    return changed


@transaction.atomic
def delete_rule(*, actor: Actor, rule: Rule, via: str = "web") -> None:
    _require_manage(actor, rule)
    if Alert.objects.filter(rule=rule).exists():
        raise ValidationError(
            {"active": "This rule has opened alerts, which keep it in their history: switch it "
             "off instead."}
        )  # fmt: skip
    record_audit(
        actor=actor, action=AuditAction.DELETE, instance=rule, team_id=rule.team_id, via=via
    )
    rule.delete()


def carry_plan_rules(
    actor: Actor, version: PlanVersion, previous: PlanVersion | None, via: str = "web"
) -> int:
    """monitoring's VERSION_AGREED_HOOKS: the rules of the version just superseded move to the
    version agreed (decision 142), so a plan's rules keep applying across versions. They are
    re-pointed, not copied: the rule keeps its id, so its open alerts (keyed by rule), their
    hold-offs and their actions carry on instead of closing and opening again. A kind the new
    version already has its own rule for stays with the old version (the new one replaced it;
    its alerts close at the next evaluation as no longer applying). Part of agreeing, so it
    needs no rule capability; each move is audited. Returns the rules moved."""
    if previous is None:
        return 0
    own_kinds = set(Rule.objects.filter(plan_version=version).values_list("kind", flat=True))
    moved = 0
    for rule in Rule.objects.filter(plan_version=previous, scope=RuleScope.PLAN).order_by("pk"):
        if rule.kind in own_kinds:
            continue
        update_audited(
            actor=actor,
            instance=rule,
            changes={"plan_version": version},
            team_id=rule.team_id,
            via=via,
        )
        moved += 1
    return moved


# --- alerts ----------------------------------------------------------------------------------


@transaction.atomic
def close_alert(*, actor: Actor, alert: Alert, reason: str, via: str = "web") -> Alert:
    """A person closes an open alert, saying why (recorded in its history and the audit)."""
    require(actor, Capability.CLOSE_ALERTS, alert.team_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the alert is closed."})
    if len(reason) > 2000:
        raise ValidationError({"reason": "At most 2,000 characters."})
    now = timezone.now()
    closed = Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=AlertStatus.CLOSED,
        closed_at=now,
        closed_by=actor if isinstance(actor, User) else None,
        cleared=False,
        close_reason=reason,
        holds_off=True,
    )
    if not closed:
        raise ValidationError({"status": "This alert is already closed."})
    person = actor if isinstance(actor, User) else None
    AlertEvent.objects.create(
        alert=alert, kind=AlertEventKind.CLOSED, at=now, by=person, text=reason
    )
    record_audit(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=alert,
        team_id=alert.team_id,
        changed_fields=["status", "closed_at", "closed_by", "close_reason"],
        via=via,
    )
    alert.refresh_from_db()
    return alert


# --- evaluation ------------------------------------------------------------------------------


def evaluate_accounts(
    *,
    account_ids: Iterable[int],
    trigger: str = EvaluationTrigger.CHANGE,
    import_job_id: int | None = None,
    now: datetime | None = None,
) -> list[Alert]:
    """Evaluate every active rule over these accounts only (after an import or a write);
    returns the alerts opened."""
    ids = list(account_ids)
    if not ids:
        return []
    result = evaluation.run(ids, trigger=trigger, import_job_id=import_job_id, now=now)
    return result.opened


def evaluate_all(*, now: datetime | None = None) -> list[Alert]:
    """Evaluate every active rule over every account; returns the alerts opened."""
    return evaluation.run(evaluation.accounts_of(), trigger=EvaluationTrigger.DAILY, now=now).opened


def evaluate_team(*, actor: Actor, team: Team, via: str = "web") -> evaluation.Result:
    """A manager runs the rules over their team's accounts now."""
    require(actor, Capability.MANAGE_RULES, team.pk)
    result = evaluation.run(
        evaluation.accounts_of(team=team), trigger=EvaluationTrigger.MANUAL, team=team
    )
    record_audit(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=team,
        team_id=team.pk,
        changed_fields=[],
        via=via,
        detail=f"rules evaluated: {len(result.opened)} opened, {result.closed} closed",
    )
    return result


def next_daily_run(after: datetime) -> datetime:
    """The first 06:00 in the organisation's time zone strictly after `after`. Built from the
    local calendar day (not by adding 24 hours), so it stays at 06:00 across daylight-saving
    changes."""
    zone = organisation_zone()
    local = after.astimezone(zone)
    candidate = datetime.combine(local.date(), DAILY_AT, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), DAILY_AT, tzinfo=zone)
    return candidate


def ensure_daily_rows(*, now: datetime | None = None) -> int:
    """A `DailyEvaluation` row for every team that has none (the next 06:00); returns how many
    were made."""
    now = now or timezone.now()
    missing = Team.objects.filter(daily_evaluation__isnull=True).values_list("pk", flat=True)
    rows = [DailyEvaluation(team_id=pk, next_due_at=next_daily_run(now)) for pk in missing]
    DailyEvaluation.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def run_daily_evaluations(*, now: datetime | None = None, limit: int = 20) -> int:
    """Claim the teams whose daily evaluation is due and run each (the worker, every minute);
    returns the number of teams evaluated."""
    now = now or timezone.now()
    ensure_daily_rows(now=now)
    done = 0
    for row in claim_due(DailyEvaluation.objects.select_related("team"), limit=limit, now=now):
        try:
            evaluation.run(
                evaluation.accounts_of(team=row.team),
                trigger=EvaluationTrigger.DAILY,
                team=row.team,
                now=now,
            )
        except Exception:
            log.exception("daily rule evaluation of team %s failed", row.team_id)
            finish_claim(row, next_due_at=now + timedelta(minutes=15))
            continue
        finish_claim(row, next_due_at=next_daily_run(now), last_run_at=now)
        done += 1
    return done


def periodic_daily() -> None:
    run_daily_evaluations()
