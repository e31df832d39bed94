"""Every write to actions: opening, changing and closing them, escalation, closing the loop with
the customer. Ideas and plans are in `plan_services`. Access is checked here; every write is
audited and the action's history (ActionEvent) says it in words."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rapport.actions import baseline as baselines
from rapport.actions.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Action,
    ActionEvent,
    ActionStatus,
    Escalation,
    LoopClosure,
    Severity,
    SourceKind,
    TeamActionPlan,
)
from rapport.core.access import Actor, Capability, require
from rapport.core.claims import claim_due, finish_claim
from rapport.core.dates import organisation_zone
from rapport.core.models import AuditAction, Membership, Role, Team, User
from rapport.core.services import create_audited, record_audit, require_member, update_audited
from rapport.customers.models import Account, Channel, Contact
from rapport.customers.services import log_communication
from rapport.notifications.services import notify

METRIC_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Fields a person may change with update_action (status goes through set_status).
EDITABLE = {"title", "description", "owner", "due_on", "severity", "metric", "plan"}


# --- dates -----------------------------------------------------------------------------------


def due_on_for(severity: str, *, today: date | None = None) -> date:
    """The due date an action of this severity gets (settings.RAPPORT_ACTION_DUE_DAYS)."""
    days: dict[str, int] = settings.RAPPORT_ACTION_DUE_DAYS
    if severity not in days:
        raise ValidationError({"severity": f"Unknown severity “{severity}”."})
    return (today or timezone.localdate()) + timedelta(days=days[severity])


def end_of_day(day: date) -> datetime:
    """The first instant after `day` ends in the organisation's time zone (DST-safe: the
    wall-clock midnight is resolved in the zone, not by adding 24 hours)."""
    return datetime.combine(day + timedelta(days=1), time.min, organisation_zone())


def _escalation_due(action: Action) -> datetime | None:
    """When the escalation check is next due for this action's level and status."""
    if action.status in CLOSED_STATUSES or action.escalation_level >= 2:
        return None
    due_end = end_of_day(action.due_on)
    if action.escalation_level == 0:
        return due_end
    extra = settings.RAPPORT_ESCALATION_LEVEL2_DAYS
    return end_of_day(action.due_on + timedelta(days=extra))


# --- validation ------------------------------------------------------------------------------


def _check_metric(metric: str) -> None:
    if metric and not METRIC_KEY.match(metric):
        raise ValidationError(
            {"metric": "Give a metric key (nps, csat, ces or a custom answer's key)."}
        )


def _check_choices(severity: str | None = None, source_kind: str | None = None) -> None:
    if severity is not None and severity not in Severity.values:
        raise ValidationError({"severity": f"Severity is one of {', '.join(Severity.values)}."})
    if source_kind is not None and source_kind not in SourceKind.values:
        raise ValidationError(
            {"source_kind": f"Source kind is one of {', '.join(SourceKind.values)}."}
        )


def _check_account(team: Team, account: Account | None) -> None:
    if account is not None and account.team_id != team.pk:
        raise ValidationError({"account": "Choose an account of the action's team."})


def _check_plan(team_id: int, plan: TeamActionPlan | int | None) -> None:
    plan_id: int | None = plan.pk if isinstance(plan, TeamActionPlan) else plan
    if (
        plan_id is not None
        and not TeamActionPlan.objects.filter(pk=plan_id, team_id=team_id).exists()
    ):
        raise ValidationError({"plan": "Choose an action plan of the action's team."})


def _event(action: Action, actor: Actor | None, kind: str, text: str) -> None:
    known = actor if actor is not None and actor.is_authenticated else None
    ActionEvent.objects.create(action=action, actor=known, kind=kind, text=text[:500])


def _link(action: Action) -> str:
    return f"/actions/{action.pk}/"


# --- opening and changing --------------------------------------------------------------------


@transaction.atomic
def open_action(
    *,
    actor: User | None,
    team: Team,
    account: Account | None,
    title: str,
    description: str,
    owner: User,
    due_on: date,
    severity: str,
    source_kind: str,
    source_ref: str = "",
    source_url: str = "",
    metric: str = "",
    plan: TeamActionPlan | None = None,
    via: str = "web",
) -> Action:
    """Open an action owned by an active member of `team`, notify the owner ("action.opened")
    and snapshot the metric it is meant to move. `actor=None` is the system (a rule)."""
    if actor is not None:
        require(actor, Capability.MANAGE_ACTIONS, team.pk)
    _check_account(team, account)
    _check_choices(severity, source_kind)
    _check_metric(metric)
    _check_plan(team.pk, plan)
    require_member(fields={"owner": owner}, name="owner", team_id=team.pk)
    fields: dict[str, Any] = {
        "team": team,
        "account": account,
        "plan": plan,
        "title": title,
        "description": description,
        "owner": owner,
        "due_on": due_on,
        "severity": severity,
        "source_kind": source_kind,
        "source_ref": source_ref,
        "source_url": source_url,
        "metric": metric,
        "created_by": actor,
        "baseline": baselines.snapshot(team=team, account=account, metric=metric),
    }
    action = create_audited(actor=actor, model=Action, fields=fields, team_id=team.pk, via=via)
    action.next_due_at = _escalation_due(action)
    Action.objects.filter(pk=action.pk).update(next_due_at=action.next_due_at)
    who = actor.get_username() if actor is not None else "the system"
    _event(action, actor, ActionEvent.Kind.OPENED, f"Opened by {who}, due {due_on:%d %b %Y}")
    where = f" for {account.name}" if account is not None else ""
    notify(
        recipients=[owner],
        kind="action",
        subject=f"Action assigned to you{where}: {title}"[:200],
        body=(
            f"{title}\n\n{description}\n\nSeverity: {action.get_severity_display()}. "
            f"Due {due_on:%d %b %Y}."
        ),
        link=_link(action),
        team=team,
        event="action.opened",
        payload=_payload(action),
        dedupe_key=f"action.opened:{action.pk}",
    )
    return action


def _payload(action: Action) -> dict[str, Any]:
    return {
        "id": action.pk,
        "team": action.team_id,
        "account": action.account_id,
        "title": action.title,
        "owner": action.owner_id,
        "due_on": action.due_on.isoformat(),
        "status": action.status,
        "severity": action.severity,
        "source_kind": action.source_kind,
        "source_ref": action.source_ref,
        "metric": action.metric,
        "escalation_level": action.escalation_level,
    }


@transaction.atomic
def update_action(
    *, actor: Actor, action: Action, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    """Change an action's wording, owner, due date, severity, metric or plan."""
    require(actor, Capability.MANAGE_ACTIONS, action.team_id)
    unknown = set(changes) - EDITABLE - {f"{n}_id" for n in ("owner", "plan")}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    if "owner" in changes or "owner_id" in changes:
        require_member(fields=changes, name="owner", team_id=action.team_id)
    _check_choices(changes.get("severity"))
    _check_metric(changes.get("metric", ""))
    if "plan" in changes or "plan_id" in changes:
        _check_plan(action.team_id, changes.get("plan", changes.get("plan_id")))
    old_owner = action.owner_id
    changed = update_audited(
        actor=actor, instance=action, changes=changes, team_id=action.team_id, via=via
    )
    if not changed:
        return changed
    if "due_on" in changed:
        Action.objects.filter(pk=action.pk).update(next_due_at=_escalation_due(action))
    _event(action, actor, ActionEvent.Kind.CHANGED, "Changed: " + ", ".join(changed))
    if action.owner_id != old_owner:
        notify(
            recipients=[action.owner],
            kind="action",
            subject=f"Action assigned to you: {action.title}"[:200],
            body=f"{action.title}\n\nDue {action.due_on:%d %b %Y}.",
            link=_link(action),
            team=action.team,
            event="action.assigned",
            payload=_payload(action),
        )
    return changed


_NEXT = {
    ActionStatus.OPEN: {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED},
    ActionStatus.IN_PROGRESS: {ActionStatus.DONE, ActionStatus.CANCELLED},
}


@transaction.atomic
def set_status(
    *, actor: Actor, action: Action, status: str, outcome: str = "", via: str = "web"
) -> Action:
    """open → in progress → done (with an outcome note) or cancelled; closed is final."""
    require(actor, Capability.MANAGE_ACTIONS, action.team_id)
    action = Action.objects.select_for_update().get(pk=action.pk)
    if status not in ActionStatus.values:
        raise ValidationError({"status": f"Status is one of {', '.join(ActionStatus.values)}."})
    if status == action.status:
        return action
    if status not in _NEXT.get(ActionStatus(action.status), set()):
        raise ValidationError(
            {"status": f"A {action.get_status_display().lower()} action cannot become {status}."}
        )
    outcome = outcome.strip()
    if status == ActionStatus.DONE and not outcome:
        raise ValidationError({"outcome": "Say what was done: a done action needs an outcome."})
    now = timezone.now()
    changes: dict[str, Any] = {"status": status}
    if outcome:
        changes["outcome"] = outcome
    if status == ActionStatus.IN_PROGRESS:
        changes["started_at"] = now
    if status in CLOSED_STATUSES:
        changes["closed_at"] = now
        changes["closed_on"] = timezone.localtime(now, organisation_zone()).date()
    update_audited(actor=actor, instance=action, changes=changes, team_id=action.team_id, via=via)
    Action.objects.filter(pk=action.pk).update(next_due_at=_escalation_due(action))
    text = f"Now {action.get_status_display().lower()}"
    _event(action, actor, ActionEvent.Kind.STATUS, f"{text}: {outcome}" if outcome else text)
    return action


# --- escalation ------------------------------------------------------------------------------


def _managers_of(user_id: int, team_id: int) -> list[User]:
    """The person's manager in the team, else the team's members with the Manager role (not
    the person themself)."""
    manager_id = (
        Membership.objects.filter(user_id=user_id, team_id=team_id)
        .values_list("manager_id", flat=True)
        .first()
    )
    if manager_id is not None:
        return list(User.objects.filter(pk=manager_id, is_active=True))
    return list(
        User.objects.filter(
            is_active=True, memberships__team_id=team_id, memberships__role=Role.MANAGER
        )
        .exclude(pk=user_id)
        .distinct()
    )


def _administrators(exclude: set[int]) -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(memberships__role=Role.ADMIN))
        .exclude(pk__in=exclude)
        .distinct()
    )


def escalation_targets(action: Action, level: int) -> list[User]:
    """Level 1: the owner's manager(s). Level 2: the managers' own managers, else the
    administrators. Nobody found at level 1 goes straight to the administrators."""
    first = _managers_of(action.owner_id, action.team_id)
    if level == 1 and first:
        return first
    second: dict[int, User] = {}
    for manager in first:
        for above in _managers_of(manager.pk, action.team_id):
            if above.pk not in {m.pk for m in first} and above.pk != action.owner_id:
                second[above.pk] = above
    if second:
        return list(second.values())
    return _administrators({action.owner_id, *(m.pk for m in first)})


def _escalate(action: Action, level: int, now: datetime) -> list[Escalation]:
    targets = escalation_targets(action, level)
    days_over = (now.astimezone(organisation_zone()).date() - action.due_on).days
    reason = (
        f"Not done {days_over} day{'s' if days_over != 1 else ''} after its due date "
        f"{action.due_on:%d %b %Y} (owner {action.owner})"
    )
    if level == 2:
        reason += f"; escalated to the manager {settings.RAPPORT_ESCALATION_LEVEL2_DAYS} days ago"
    rows = []
    for user in targets:
        row, created = Escalation.objects.get_or_create(
            action=action,
            level=level,
            to_user=user,
            defaults={"team_id": action.team_id, "at": now, "reason": reason},
        )
        if created:
            rows.append(row)
    Action.objects.filter(pk=action.pk).update(escalation_level=level)
    action.escalation_level = level
    names = ", ".join(str(u) for u in targets) or "nobody (no manager or administrator found)"
    _event(action, None, ActionEvent.Kind.ESCALATED, f"Escalated (level {level}) to {names}")
    record_audit(
        actor=None,
        action=AuditAction.UPDATE,
        instance=action,
        changed_fields=["escalation_level"],
        team_id=action.team_id,
        via="worker",
        detail=f"escalated to level {level}",
    )
    if targets:
        notify(
            recipients=targets,
            kind="escalation",
            subject=f"Overdue action escalated to you: {action.title}"[:200],
            body=f"{reason}.\n\n{action.title}\n{action.description}",
            link=_link(action),
            team=action.team,
            event="action.escalated",
            payload={**_payload(action), "level": level},
            dedupe_key=f"action.escalated:{action.pk}:{level}",
        )
    return rows


def run_escalations(*, now: datetime | None = None, limit: int = 100) -> int:
    """Escalate the open actions whose escalation check is due (PERIODIC, order 70): claimed
    rows, so two workers never escalate the same action twice. Returns escalations made."""
    now = now or timezone.now()
    made = 0
    for action in claim_due(Action.objects.all(), limit=limit, now=now):
        with transaction.atomic():
            fresh = Action.objects.select_related("team", "owner").get(pk=action.pk)
            fresh.claimed_by = action.claimed_by
            due = _escalation_due(fresh)
            if fresh.status in OPEN_STATUSES and due is not None and due <= now:
                made += len(_escalate(fresh, fresh.escalation_level + 1, now))
            finish_claim(fresh, next_due_at=_escalation_due(fresh))
    return made


# --- closing the loop ------------------------------------------------------------------------


@transaction.atomic
def close_loop(
    *,
    actor: Actor,
    action: Action,
    told_what: str,
    told_at: datetime,
    channel: str,
    contacts: Sequence[Contact] = (),
    via: str = "web",
) -> LoopClosure:
    """Record that the customer was told what changed, and log it as a communication of the
    account so the relationship history shows it."""
    require(actor, Capability.MANAGE_ACTIONS, action.team_id)
    if action.account_id is None:
        raise ValidationError({"action": "Only an action on an account can close a loop."})
    if action.status != ActionStatus.DONE:
        raise ValidationError({"action": "Close the loop once the action is done."})
    if LoopClosure.objects.filter(action=action).exists():
        raise ValidationError({"action": "The customer was already told about this action."})
    if not told_what.strip():
        raise ValidationError({"told_what": "Say what the customer was told."})
    if channel not in Channel.values:
        raise ValidationError({"channel": f"Channel is one of {', '.join(Channel.values)}."})
    if timezone.is_naive(told_at):
        told_at = timezone.make_aware(told_at)
    if told_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"told_at": "The customer was told in the past, not the future."})
    account = action.account
    assert account is not None
    if any(c.account_id != account.pk for c in contacts):
        raise ValidationError({"contacts": "Every contact must belong to the action's account."})
    communication = log_communication(
        actor=actor,
        account=account,
        fields={
            "channel": channel,
            "occurred_at": told_at,
            "direction": "outbound",
            "summary": f"Told the customer what changed ({action.title}): {told_what}",
        },
        contacts=list(contacts),
        via=via,
    )
    closure = create_audited(
        actor=actor,
        model=LoopClosure,
        fields={
            "action": action,
            "team_id": action.team_id,
            "account": account,
            "told_what": told_what,
            "told_at": told_at,
            "told_by": actor if isinstance(actor, User) else None,
            "channel": channel,
            "communication": communication,
        },
        team_id=action.team_id,
        via=via,
    )
    closure.contacts.set(list(contacts))
    _event(action, actor, ActionEvent.Kind.LOOP_CLOSED, f"Customer told: {told_what}")
    return closure
