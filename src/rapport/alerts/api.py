"""/api/v1/ alerts and rules: the inbox with its filters, closing an alert, rules (list, create,
change, delete, dry run), evaluating a team now, and the recorded evaluations."""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from rapport.alerts import selectors, services
from rapport.alerts.models import Alert, Rule
from rapport.core.access import scope_of
from rapport.core.api import Message, call_service
from rapport.core.models import Team

router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: int
    rule: int
    rule_name: str
    kind: str
    severity: str
    account: int
    account_name: str
    team: int
    title: str
    observed: str
    expected: str
    link: str
    link_text: str
    data: dict[str, Any]
    status: str
    opened_at: datetime
    last_seen_at: datetime
    closed_at: datetime | None
    closed_by: int | None
    cleared: bool
    close_reason: str
    action: int | None


def _alert(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk,
        "rule": a.rule_id,
        "rule_name": a.rule.name,
        "kind": a.kind,
        "severity": a.severity,
        "account": a.account_id,
        "account_name": a.account.name,
        "team": a.team_id,
        "title": a.title,
        "observed": a.observed,
        "expected": a.expected,
        "link": a.link,
        "link_text": a.link_text,
        "data": a.data,
        "status": a.status,
        "opened_at": a.opened_at,
        "last_seen_at": a.last_seen_at,
        "closed_at": a.closed_at,
        "closed_by": a.closed_by_id,
        "cleared": a.cleared,
        "close_reason": a.close_reason,
        "action": a.action_id,
    }


class AlertQuery(Schema):
    status: Literal["", "open", "closed"] = ""
    severity: str = ""
    kind: str = ""
    account: int | None = None
    team: int | None = None


@router.get("/alerts", response={200: list[AlertOut], 422: Message})
@paginate
def list_alerts(request: HttpRequest, query: Query[AlertQuery]) -> Any:
    """Open alerts first (most severe, newest), then closed ones; filters as on the inbox."""
    values = {k: "" if v is None else str(v) for k, v in query.dict().items()}
    try:
        filters = selectors.InboxFilters.from_query(values)
    except (ValueError, BadRequest) as error:
        raise HttpError(422, str(error)) from None
    return [_alert(a) for a in selectors.inbox(request.user, filters)]


@router.get("/alerts/{pk}", response=AlertOut)
def get_alert(request: HttpRequest, pk: int) -> Any:
    return _alert(selectors.get_alert(request.user, pk))


class CloseIn(Schema):
    reason: str


@router.post("/alerts/{pk}/close", response={200: AlertOut, 403: Message, 422: Message})
def close_alert(request: HttpRequest, pk: int, payload: CloseIn) -> Any:
    alert = selectors.get_alert(request.user, pk)
    closed = call_service(
        lambda: services.close_alert(
            actor=request.user, alert=alert, reason=payload.reason, via="api"
        )
    )
    return _alert(selectors.get_alert(request.user, closed.pk))


# --- rules -----------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    name: str
    scope: str
    team: int | None
    plan_version: int | None
    kind: str
    params: dict[str, Any]
    severity: str
    active: bool
    is_default: bool
    created_at: datetime
    updated_at: datetime


def _rule(r: Rule) -> dict[str, Any]:
    return {
        "id": r.pk,
        "name": r.name,
        "scope": r.scope,
        "team": r.team_id,
        "plan_version": r.plan_version_id,
        "kind": r.kind,
        "params": r.params,
        "severity": r.severity,
        "active": r.active,
        "is_default": r.is_default,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


class RuleIn(Schema):
    name: str
    scope: Literal["global", "team", "plan"] = "team"
    team: int | None = None
    plan_version: int | None = None
    kind: str
    params: dict[str, Any] = {}
    severity: str = "medium"
    active: bool = True


class RulePatch(Schema):
    name: str | None = None
    scope: Literal["global", "team", "plan"] | None = None
    team: int | None = None
    plan_version: int | None = None
    params: dict[str, Any] | None = None
    severity: str | None = None
    active: bool | None = None


@router.get("/alert-rules", response=list[RuleOut])
@paginate
def list_rules(request: HttpRequest) -> Any:
    """Global rules and the rules of your teams and their plans."""
    return [_rule(r) for r in selectors.rules_visible(request.user)]


@router.get("/alert-rules/{pk}", response=RuleOut)
def get_rule(request: HttpRequest, pk: int) -> Any:
    return _rule(selectors.get_rule(request.user, pk))


def _team_ok(request: HttpRequest, team_id: int | None) -> None:
    """Another team's id is a 404, as for every object outside the caller's teams."""
    if team_id is None:
        return
    actor_scope = scope_of(request.user)
    if not (actor_scope.all_teams or team_id in actor_scope.team_ids):
        raise HttpError(404, "No such team.")


@router.post("/alert-rules", response={201: RuleOut, 403: Message, 404: Message, 422: Message})
def create_rule(request: HttpRequest, payload: RuleIn) -> Any:
    _team_ok(request, payload.team)
    rule = call_service(
        lambda: services.create_rule(actor=request.user, fields=payload.dict(), via="api")
    )
    return Status(201, _rule(rule))


@router.patch(
    "/alert-rules/{pk}", response={200: RuleOut, 403: Message, 404: Message, 422: Message}
)
def update_rule(request: HttpRequest, pk: int, payload: RulePatch) -> Any:
    rule = selectors.get_rule(request.user, pk)
    changes = payload.dict(exclude_unset=True)
    _team_ok(request, changes.get("team"))
    call_service(
        lambda: services.update_rule(actor=request.user, rule=rule, changes=changes, via="api")
    )
    return _rule(selectors.get_rule(request.user, pk))


@router.delete("/alert-rules/{pk}", response={204: None, 403: Message, 422: Message})
def delete_rule(request: HttpRequest, pk: int) -> Any:
    rule = selectors.get_rule(request.user, pk)
    call_service(lambda: services.delete_rule(actor=request.user, rule=rule, via="api"))
    return Status(204, None)


class FindingOut(Schema):
    account: int
    account_name: str
    title: str
    observed: str
    expected: str
    link: str


class DryRunOut(Schema):
    accounts: int
    already_open: int
    would_open: list[FindingOut]


@router.get("/alert-rules/{pk}/dry-run", response=DryRunOut)
def dry_run(request: HttpRequest, pk: int) -> Any:
    """What the rule would open now over the accounts you can see; writes nothing."""
    rule = selectors.get_rule(request.user, pk)
    result = selectors.dry_run(request.user, rule)
    return {
        "accounts": result.accounts,
        "already_open": result.already_open,
        "would_open": [
            {"account": a.pk, "account_name": a.name, "title": f.title,
             "observed": f.observed, "expected": f.expected, "link": f.link}
            for f, a in result.would_open
        ],
    }  # fmt: skip


class EvaluateIn(Schema):
    team: int


class EvaluationOut(Schema):
    id: int | None = None
    trigger: str
    team: int | None
    started_at: datetime | None = None
    duration_ms: float | None = None
    accounts: int
    rules: int
    opened: int
    closed: int


@router.post("/alert-evaluations", response={200: EvaluationOut, 403: Message, 404: Message})
def evaluate(request: HttpRequest, payload: EvaluateIn) -> Any:
    """Run the rules over one of your teams' accounts now."""
    _team_ok(request, payload.team)
    team = Team.objects.filter(pk=payload.team).first()
    if team is None:
        raise HttpError(404, "No such team.")
    result = call_service(lambda: services.evaluate_team(actor=request.user, team=team, via="api"))
    return {
        "trigger": "manual",
        "team": team.pk,
        "accounts": len(services.evaluation.accounts_of(team=team)),
        "rules": len(result.rules),
        "opened": len(result.opened),
        "closed": result.closed,
    }


@router.get("/alert-evaluations", response=list[EvaluationOut])
def evaluations(request: HttpRequest) -> Any:
    """The 50 latest evaluations of your teams and of all accounts."""
    return [
        {"id": e.pk, "trigger": e.trigger, "team": e.team_id, "started_at": e.started_at,
         "duration_ms": e.duration_ms, "accounts": e.accounts, "rules": e.rules,
         "opened": e.opened, "closed": e.closed}
        for e in selectors.recent_evaluations(request.user, limit=50)
    ]  # fmt: skip
