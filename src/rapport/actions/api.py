"""/api/v1/ actions, escalations, loop closures, ideas, team and personal plans, performance.

The same services as the pages: a rule broken is a 422 naming the field (an owner from another
team: "owner: …"), another team's id a 404, a missing capability a 403."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from ninja import Field, ModelSchema, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from rapport.actions import board, selectors, services
from rapport.actions.baseline import effect
from rapport.actions.models import (
    Action,
    Escalation,
    LoopClosure,
    TeamActionPlan,
)
from rapport.core.access import scope, scope_of
from rapport.core.api import Message, call_service
from rapport.core.models import Team, User
from rapport.customers.models import Account, Contact

router = Router(tags=["actions"])


def _query(build: Any, request: HttpRequest) -> Any:
    try:
        return build(request.GET)
    except BadRequest as error:
        raise HttpError(400, str(error)) from None


def _team(request: HttpRequest, team_id: int) -> Team:
    actor_scope = scope_of(request.user)
    team = Team.objects.filter(pk=team_id).first()
    if team is None or not (actor_scope.all_teams or team_id in actor_scope.team_ids):
        raise HttpError(422, "team: no such team of yours")
    return team


def _user(field: str, user_id: int) -> User:
    """A user by id; whether they may be used is the service's rule (it names the field)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise HttpError(422, f"{field}: must be an active member of the team that owns this")
    return user


def _account(request: HttpRequest, account_id: int | None) -> Account | None:
    if account_id is None:
        return None
    account = scope(Account.objects.all(), request.user).filter(pk=account_id).first()
    if account is None:
        raise HttpError(422, "account: no such account of yours")
    return account


# --- actions ---------------------------------------------------------------------------------


class ActionOut(ModelSchema):
    class Meta:
        model = Action
        fields = [
            "id",
            "team",
            "account",
            "plan",
            "title",
            "description",
            "owner",
            "due_on",
            "status",
            "severity",
            "source_kind",
            "source_ref",
            "source_url",
            "metric",
            "baseline",
            "outcome",
            "created_by",
            "created_at",
            "started_at",
            "closed_at",
            "closed_on",
            "escalation_level",
        ]


class ActionIn(Schema):
    team: int
    account: int | None = None
    title: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    owner: int
    severity: str = "medium"
    due_on: date | None = Field(None, description="Empty: from the severity (settings).")
    source_kind: str = "manual"
    source_ref: str = ""
    source_url: str = ""
    metric: str = ""
    plan: int | None = None


class ActionPatch(Schema):
    title: str | None = None
    description: str | None = None
    owner: int | None = None
    severity: str | None = None
    due_on: date | None = None
    metric: str | None = None
    plan: int | None = None


class StatusIn(Schema):
    status: str
    outcome: str = ""


class EventOut(Schema):
    at: datetime
    kind: str
    text: str
    actor: int | None = Field(None, alias="actor_id")


class EscalationOut(ModelSchema):
    class Meta:
        model = Escalation
        fields = ["id", "action", "team", "level", "to_user", "at", "reason"]


class FigureOut(Schema):
    n: int
    value: float | None
    low: float | None
    high: float | None
    enough: bool


class EffectOut(Schema):
    metric: str
    before: FigureOut
    before_start: date
    before_end: date
    after: FigureOut | None
    after_start: date | None
    after_end: date | None
    complete: bool
    difference: float | None
    difference_low: float | None
    difference_high: float | None
    statement: str
    episode_closed: bool | None
    episode: str


class LoopClosureOut(ModelSchema):
    class Meta:
        model = LoopClosure
        fields = [
            "id",
            "action",
            "team",
            "account",
            "told_what",
            "told_at",
            "told_by",
            "channel",
            "contacts",
            "communication",
            "created_at",
        ]


class ActionDetailOut(ActionOut):
    events: list[EventOut]
    escalations: list[EscalationOut]
    loop_closure: LoopClosureOut | None

    @staticmethod
    def resolve_loop_closure(obj: Action) -> LoopClosure | None:
        return LoopClosure.objects.filter(action=obj).first()


def _figure(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {k: getattr(value, k) for k in ("n", "value", "low", "high", "enough")}


def _effect(request: HttpRequest, action: Action) -> dict[str, Any] | None:
    measured = effect(action)
    if measured is None:
        return None
    episode = selectors.episode_state(request.user, action)
    return {
        "metric": measured.metric,
        "before": _figure(measured.before),
        "before_start": measured.before_start,
        "before_end": measured.before_end,
        "after": _figure(measured.after),
        "after_start": measured.after_start,
        "after_end": measured.after_end,
        "complete": measured.complete,
        "difference": measured.difference,
        "difference_low": measured.diff_low,
        "difference_high": measured.diff_high,
        "statement": measured.statement,
        "episode_closed": episode.closed if episode else None,
        "episode": episode.text if episode else "",
    }


@router.get("/actions", response=list[ActionOut])
@paginate
def list_actions(request: HttpRequest) -> Any:
    """The board's filters as query parameters: team, owner, account, severity, source,
    status ('' = open and in progress, 'all', or one status), overdue=1."""
    filters = _query(board.BoardFilters.from_query, request)
    return board.board_actions(request.user, filters)


@router.post("/actions", response={201: ActionOut, 403: Message, 422: Message})
def create_action(request: HttpRequest, payload: ActionIn) -> Any:
    team = _team(request, payload.team)
    account = _account(request, payload.account)
    owner = _user("owner", payload.owner)
    plan = None
    if payload.plan is not None:
        plan = TeamActionPlan.objects.filter(pk=payload.plan, team=team).first()
        if plan is None:
            raise HttpError(422, "plan: choose an action plan of the action's team")
    action = call_service(
        lambda: services.open_action(
            actor=request.user,  # type: ignore[arg-type]
            team=team,
            account=account,
            title=payload.title,
            description=payload.description,
            owner=owner,
            due_on=payload.due_on or services.due_on_for(payload.severity),
            severity=payload.severity,
            source_kind=payload.source_kind,
            source_ref=payload.source_ref,
            source_url=payload.source_url,
            metric=payload.metric,
            plan=plan,
            via="api",
        )
    )
    return Status(201, action)


@router.get("/actions/{pk}", response=ActionDetailOut)
def get_action(request: HttpRequest, pk: int) -> Any:
    """The action with its history, escalations and the customer told (if so)."""
    return selectors.get_action(request.user, pk)


@router.patch("/actions/{pk}", response={200: ActionOut, 403: Message, 422: Message})
def update_action(request: HttpRequest, pk: int, payload: ActionPatch) -> Any:
    action = selectors.get_action(request.user, pk)
    data = payload.dict(exclude_unset=True)
    changes = {(f"{k}_id" if k in ("owner", "plan") else k): v for k, v in data.items()}
    call_service(
        lambda: services.update_action(
            actor=request.user, action=action, changes=changes, via="api"
        )
    )
    return action


@router.post("/actions/{pk}/status", response={200: ActionOut, 403: Message, 422: Message})
def set_status(request: HttpRequest, pk: int, payload: StatusIn) -> Any:
    action = selectors.get_action(request.user, pk)
    return call_service(
        lambda: services.set_status(
            actor=request.user,
            action=action,
            status=payload.status,
            outcome=payload.outcome,
            via="api",
        )
    )


@router.get("/actions/{pk}/effect", response={200: EffectOut, 204: None})
def action_effect(request: HttpRequest, pk: int) -> Any:
    """The metric before (baseline at opening) and after (same length after it was done),
    with 95 % intervals, the difference's interval and what it says; 204 without a metric."""
    action = selectors.get_action(request.user, pk)
    measured = _effect(request, action)
    return measured if measured is not None else Status(204, None)


class LoopClosureIn(Schema):
    told_what: str = Field(..., min_length=1)
    told_at: datetime
    channel: str
    contacts: list[int] = []


@router.post(
    "/actions/{pk}/loop-closure", response={201: LoopClosureOut, 403: Message, 422: Message}
)
def close_loop(request: HttpRequest, pk: int, payload: LoopClosureIn) -> Any:
    action = selectors.get_action(request.user, pk)
    contacts = list(
        Contact.objects.filter(pk__in=payload.contacts, account_id=action.account_id or 0)
    )
    if len(contacts) != len(set(payload.contacts)):
        raise HttpError(422, "contacts: every contact must belong to the action's account")
    closure = call_service(
        lambda: services.close_loop(
            actor=request.user,
            action=action,
            told_what=payload.told_what,
            told_at=payload.told_at,
            channel=payload.channel,
            contacts=contacts,
            via="api",
        )
    )
    return Status(201, closure)


@router.get("/escalations", response=list[EscalationOut])
@paginate
def list_escalations(request: HttpRequest, mine: bool = False) -> Any:
    """Escalations to you, and (managers, administrators) to anyone in your teams."""
    return selectors.escalations_for(request.user, mine_only=mine).order_by("-at", "-pk")


@router.get("/loop-closures", response=list[LoopClosureOut])
@paginate
def list_loop_closures(request: HttpRequest) -> Any:
    """Filters: team, account, channel, from, to (the day the customer was told)."""
    filters = _query(board.LoopFilters.from_query, request)
    return board.loop_log(request.user, filters).prefetch_related("contacts")


from rapport.actions.plan_api import router as plan_router  # noqa: E402

router.add_router("", plan_router)
