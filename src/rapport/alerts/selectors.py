"""Every read of rules, alerts and evaluations, scoped to the teams the actor may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlencode

from rapport.actions.models import Action, Severity
from rapport.actions.selectors import EpisodeState
from rapport.alerts import evaluation
from rapport.alerts.checks import Finding
from rapport.alerts.models import Alert, AlertStatus, Evaluation, Rule, RuleKind, RuleScope
from rapport.analytics.control.charts import period_label
from rapport.core.access import Actor, scope, scope_of
from rapport.core.query import query_choice
from rapport.customers.models import Account

SEVERITY_ORDER = Case(
    When(severity=Severity.CRITICAL, then=Value(0)),
    When(severity=Severity.HIGH, then=Value(1)),
    When(severity=Severity.MEDIUM, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
STATUS_ORDER = Case(When(status=AlertStatus.OPEN, then=Value(0)), default=Value(1),
                    output_field=IntegerField())  # fmt: skip


def alerts_visible(user: Actor) -> QuerySet[Alert]:
    return scope(Alert.objects.all(), user)


def open_alerts(*, user: Actor, account: Account | None = None) -> QuerySet[Alert]:
    """The open alerts of the actor's teams (of one account when given), most severe first."""
    rows = alerts_visible(user).filter(status=AlertStatus.OPEN)
    if account is not None:
        rows = rows.filter(account=account)
    return rows.select_related("account", "rule", "action").order_by(
        SEVERITY_ORDER, "-opened_at", "-pk"
    )


def open_alert_count(*, user: Actor) -> int:
    if not user.is_authenticated:
        return 0
    return alerts_visible(user).filter(status=AlertStatus.OPEN).count()


@dataclass(frozen=True, slots=True)
class InboxFilters:
    """The inbox's filters, read from and written back to the URL's query."""

    status: str = ""  # "" (open first, then closed), open, closed
    severity: str = ""
    kind: str = ""
    account: int | None = None
    team: int | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> InboxFilters:
        def _id(name: str) -> int | None:
            text = str(query.get(name, "") or "")
            if text and not text.isdigit():
                raise ValueError(f"{name} must be a number, not “{text}”")
            return int(text) if text else None

        return cls(
            status=query_choice(query, "status", ["", *AlertStatus.values], ""),
            severity=query_choice(query, "severity", ["", *Severity.values], ""),
            kind=query_choice(query, "kind", ["", *RuleKind.values], ""),
            account=_id("account"),
            team=_id("team"),
        )

    def to_query(self) -> str:
        values = {
            "status": self.status,
            "severity": self.severity,
            "kind": self.kind,
            "account": self.account or "",
            "team": self.team or "",
        }
        return urlencode({k: v for k, v in values.items() if v})


def inbox(user: Actor, filters: InboxFilters) -> QuerySet[Alert]:
    """Open alerts first (most severe, newest), then closed ones (newest closed first)."""
    rows = alerts_visible(user).select_related("account", "team", "rule", "action__owner")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.account:
        rows = rows.filter(account_id=filters.account)
    if filters.team:
        rows = rows.filter(team_id=filters.team)
    return rows.order_by(STATUS_ORDER, SEVERITY_ORDER, "-opened_at", "-pk")


def get_alert(user: Actor, pk: int) -> Alert:
    alert = (
        alerts_visible(user)
        .select_related("account", "team", "rule", "closed_by", "action__owner")
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise Http404("No such alert.")
    return alert


def rules_visible(user: Actor) -> QuerySet[Rule]:
    """Global rules, and the rules of the actor's teams and their plans."""
    actor_scope = scope_of(user)
    rows = Rule.objects.select_related("team", "created_by")
    if actor_scope.all_teams:
        return rows
    return rows.filter(Q(scope=RuleScope.GLOBAL) | Q(team_id__in=actor_scope.team_ids))


def get_rule(user: Actor, pk: int) -> Rule:
    rule = rules_visible(user).filter(pk=pk).first()
    if rule is None:
        raise Http404("No such rule.")
    return rule


def recent_evaluations(user: Actor, limit: int = 10) -> list[Evaluation]:
    """The latest evaluations of the actor's teams (and the all-account ones)."""
    actor_scope = scope_of(user)
    rows = Evaluation.objects.select_related("team")
    if not actor_scope.all_teams:
        rows = rows.filter(Q(team__isnull=True) | Q(team_id__in=actor_scope.team_ids))
    return list(rows.order_by("-started_at", "-pk")[:limit])


@dataclass(frozen=True, slots=True)
class DryRun:
    accounts: int
    would_open: list[tuple[Finding, Account]]
    already_open: int


def dry_run(user: Actor, rule: Rule) -> DryRun:
    """What the rule (saved or not) would open now over the accounts it reaches that the
    actor may see, as if it were the only rule of its kind there. Writes nothing."""
    accounts = scope(Account.objects.all(), user)
    if rule.scope in (RuleScope.TEAM, RuleScope.PLAN):
        accounts = accounts.filter(team_id=rule.team_id or 0)
    if rule.scope == RuleScope.PLAN and rule.plan_version_id:
        accounts = accounts.filter(monitoring_plan__versions__pk=rule.plan_version_id)
    ids = list(accounts.values_list("pk", flat=True))
    probe = Rule(
        pk=rule.pk or 0,
        name=rule.name,
        scope=RuleScope.GLOBAL,  # reaches every account given
        kind=rule.kind,
        params=rule.params,
        severity=rule.severity,
    )
    result = evaluation.run(ids, trigger="dry_run", rules=[probe], dry_run=True)
    names = dict(Account.objects.filter(pk__in=[f.account_id for _, f in result.would_open])
                 .values_list("pk", "name"))  # fmt: skip
    shown = [
        (finding, Account(pk=finding.account_id, name=names.get(finding.account_id, "")))
        for _, finding in result.would_open
    ]
    open_now = (
        Alert.objects.filter(rule_id=rule.pk, status=AlertStatus.OPEN).count() if rule.pk else 0
    )
    return DryRun(accounts=len(ids), would_open=shown, already_open=open_now)


def alert_episode_state(action: Action) -> EpisodeState | None:
    """actions' SOURCE_STATES for source kind "alert" (decision 141): whether the control-chart
    episode an alert found is over, from the alert itself (one query). Open: the episode is
    still open. Closed by an evaluation that no longer found it: the episode ended then. Any
    other alert (another kind, closed by a person, closed because its rule stopped applying)
    says nothing about the episode: None, and actions judges the account's chart instead."""
    rows = Alert.objects.filter(kind=RuleKind.CONTROL_RULE_BROKEN)
    ref = action.source_ref
    alert = (
        rows.filter(pk=int(ref)) if ref.isdigit() else rows.filter(action_id=action.pk)
    ).first()
    if alert is None:
        return None
    data = alert.data or {}
    try:
        since = period_label(str(data["period"]), date.fromisoformat(str(data["episode_start"])))
    except (KeyError, ValueError):
        since = f"{timezone.localtime(alert.opened_at):%d %b %Y}"
    if alert.status == AlertStatus.OPEN:
        seen = timezone.localtime(alert.last_seen_at)
        return EpisodeState(
            False,
            f"The episode from {since} that the alert found is still open "
            f"(last seen {seen:%d %b %Y}).",
        )
    if alert.cleared and alert.close_reason == evaluation.CONDITION_GONE and alert.closed_at:
        closed = timezone.localtime(alert.closed_at)
        return EpisodeState(
            True,
            f"The episode from {since} that the alert found is over: the alert cleared on "
            f"{closed:%d %b %Y}.",
        )
    return None
