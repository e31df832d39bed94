"""/api/v1/ ideas, team action plans, personal plans, managers and performance (mounted by
actions.api on its router)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, ModelSchema, Router, Schema, Status
from ninja.pagination import paginate

from rapport.actions import performance, plan_services
from rapport.actions.api import ActionOut, FigureOut, _account, _figure, _query, _team, _user
from rapport.actions.models import Idea, PersonalGoal, PersonalPlan, TeamActionPlan
from rapport.actions.selectors import plans_with_progress, visible_personal_plans
from rapport.core.access import scope
from rapport.core.api import Message, call_service
from rapport.core.models import Membership, Team, User

router = Router(tags=["actions"])


# --- ideas -----------------------------------------------------------------------------------


class IdeaOut(ModelSchema):
    class Meta:
        model = Idea
        fields = [
            "id",
            "team",
            "account",
            "text",
            "metric",
            "author",
            "created_at",
            "status",
            "decided_by",
            "decided_at",
            "decline_reason",
            "action",
        ]


class IdeaIn(Schema):
    team: int
    text: str = Field(..., min_length=1)
    account: int | None = None
    metric: str = ""


class AcceptIn(Schema):
    owner: int
    title: str = ""
    severity: str = "medium"
    due_on: date | None = None


class DeclineIn(Schema):
    reason: str = Field(..., min_length=1)


def _idea(request: HttpRequest, pk: int) -> Idea:
    idea = scope(Idea.objects.select_related("team"), request.user).filter(pk=pk).first()
    if idea is None:
        raise Http404("No such idea.")
    return idea


@router.get("/ideas", response=list[IdeaOut])
@paginate
def list_ideas(request: HttpRequest, status: str = "") -> Any:
    rows = scope(Idea.objects.all(), request.user)
    return (rows.filter(status=status) if status else rows).order_by("-created_at", "-pk")


@router.post("/ideas", response={201: IdeaOut, 403: Message, 422: Message})
def create_idea(request: HttpRequest, payload: IdeaIn) -> Any:
    team = _team(request, payload.team)
    account = _account(request, payload.account)
    idea = call_service(
        lambda: plan_services.contribute_idea(
            actor=request.user,
            team=team,
            text=payload.text,
            account=account,
            metric=payload.metric,
            via="api",
        )
    )
    return Status(201, idea)


@router.post("/ideas/{pk}/accept", response={201: ActionOut, 403: Message, 422: Message})
def accept_idea(request: HttpRequest, pk: int, payload: AcceptIn) -> Any:
    idea = _idea(request, pk)
    owner = _user("owner", payload.owner)
    action = call_service(
        lambda: plan_services.accept_idea(
            actor=request.user,
            idea=idea,
            owner=owner,
            title=payload.title,
            severity=payload.severity,
            due_on=payload.due_on,
            via="api",
        )
    )
    return Status(201, action)


@router.post("/ideas/{pk}/decline", response={200: IdeaOut, 403: Message, 422: Message})
def decline_idea(request: HttpRequest, pk: int, payload: DeclineIn) -> Any:
    idea = _idea(request, pk)
    return call_service(
        lambda: plan_services.decline_idea(
            actor=request.user, idea=idea, reason=payload.reason, via="api"
        )
    )


# --- team action plans -----------------------------------------------------------------------


class ActionPlanOut(ModelSchema):
    class Meta:
        model = TeamActionPlan
        fields = ["id", "team", "title", "objective", "period_start", "period_end", "created_at"]


class ActionPlanIn(Schema):
    team: int
    title: str = Field(..., min_length=1, max_length=200)
    objective: str = Field(..., min_length=1)
    period_start: date
    period_end: date


class ActionPlanDetailOut(ActionPlanOut):
    actions: int = Field(..., alias="total", description="Actions in the plan, not cancelled.")
    done_on_time: int = Field(..., alias="on_time")
    share_on_time: float | None
    low: float | None
    high: float | None

    @staticmethod
    def resolve_share_on_time(obj: Any) -> float | None:
        return performance.Share(obj.on_time, obj.total).value

    @staticmethod
    def resolve_low(obj: Any) -> float | None:
        return performance.Share(obj.on_time, obj.total).low

    @staticmethod
    def resolve_high(obj: Any) -> float | None:
        return performance.Share(obj.on_time, obj.total).high


@router.get("/action-plans", response=list[ActionPlanOut])
@paginate
def list_action_plans(request: HttpRequest) -> Any:
    return scope(TeamActionPlan.objects.all(), request.user).order_by("-period_start", "-pk")


@router.get("/action-plans/{pk}", response=ActionPlanDetailOut)
def get_action_plan(request: HttpRequest, pk: int) -> Any:
    plan = (
        plans_with_progress(scope(TeamActionPlan.objects.all(), request.user)).filter(pk=pk).first()
    )
    if plan is None:
        raise Http404("No such plan.")
    return plan


@router.post("/action-plans", response={201: ActionPlanOut, 403: Message, 422: Message})
def create_action_plan(request: HttpRequest, payload: ActionPlanIn) -> Any:
    team = _team(request, payload.team)
    data = payload.dict(exclude={"team"})
    plan = call_service(
        lambda: plan_services.create_action_plan(actor=request.user, team=team, via="api", **data)
    )
    return Status(201, plan)


# --- personal plans --------------------------------------------------------------------------


class GoalOut(ModelSchema):
    class Meta:
        model = PersonalGoal
        fields = ["id", "goal", "due_on", "status", "achieved_on"]


class PersonalPlanOut(ModelSchema):
    class Meta:
        model = PersonalPlan
        fields = [
            "id",
            "team",
            "person",
            "manager",
            "title",
            "period_start",
            "period_end",
            "person_agreed_at",
            "manager_agreed_at",
            "created_at",
        ]


class PersonalPlanDetailOut(PersonalPlanOut):
    goals: list[GoalOut]


class GoalIn(Schema):
    goal: str = Field(..., min_length=1)
    due_on: date


class PersonalPlanIn(Schema):
    team: int
    person: int
    title: str = Field(..., min_length=1, max_length=200)
    period_start: date
    period_end: date
    goals: list[GoalIn] = []


class GoalPatch(Schema):
    status: str


class ReviewIn(Schema):
    note: str = Field(..., min_length=1)


class ReviewOut(Schema):
    id: int
    at: datetime
    by: int | None
    note: str


def _plan(request: HttpRequest, pk: int) -> PersonalPlan:
    plan = visible_personal_plans(request.user).filter(pk=pk).first()
    if plan is None:  # another person's plan is as if it did not exist
        raise Http404("No such plan.")
    return plan


@router.get("/personal-plans", response=list[PersonalPlanOut])
@paginate
def list_personal_plans(request: HttpRequest) -> Any:
    """Yours, and those of the people you manage (administrators: all)."""
    return visible_personal_plans(request.user).order_by("-period_start", "-pk")


@router.get("/personal-plans/{pk}", response=PersonalPlanDetailOut)
def get_personal_plan(request: HttpRequest, pk: int) -> Any:
    plan = _plan(request, pk)
    return plan


@router.post("/personal-plans", response={201: PersonalPlanOut, 403: Message, 422: Message})
def create_personal_plan(request: HttpRequest, payload: PersonalPlanIn) -> Any:
    team = _team(request, payload.team)
    person = _user("person", payload.person)
    plan = call_service(
        lambda: plan_services.create_personal_plan(
            actor=request.user,
            team=team,
            person=person,
            title=payload.title,
            period_start=payload.period_start,
            period_end=payload.period_end,
            goals=[(g.goal, g.due_on) for g in payload.goals],
            via="api",
        )
    )
    return Status(201, plan)


@router.post(
    "/personal-plans/{pk}/sign", response={200: PersonalPlanOut, 403: Message, 422: Message}
)
def sign_personal_plan(request: HttpRequest, pk: int) -> Any:
    plan = _plan(request, pk)
    return call_service(
        lambda: plan_services.sign_personal_plan(actor=request.user, plan=plan, via="api")
    )


@router.post("/personal-plans/{pk}/goals", response={201: GoalOut, 403: Message, 422: Message})
def add_goal(request: HttpRequest, pk: int, payload: GoalIn) -> Any:
    plan = _plan(request, pk)
    goal = call_service(
        lambda: plan_services.add_goal(
            actor=request.user, plan=plan, goal=payload.goal, due_on=payload.due_on, via="api"
        )
    )
    return Status(201, goal)


@router.patch("/personal-goals/{pk}", response={200: GoalOut, 403: Message, 422: Message})
def update_goal(request: HttpRequest, pk: int, payload: GoalPatch) -> Any:
    goal = PersonalGoal.objects.select_related("plan").filter(pk=pk).first()
    if goal is None or not plan_services.may_see_plan(request.user, goal.plan):
        raise Http404("No such goal.")
    return call_service(
        lambda: plan_services.set_goal_status(
            actor=request.user, goal=goal, status=payload.status, via="api"
        )
    )


@router.post("/personal-plans/{pk}/reviews", response={201: ReviewOut, 403: Message, 422: Message})
def review_plan(request: HttpRequest, pk: int, payload: ReviewIn) -> Any:
    plan = _plan(request, pk)
    review = call_service(
        lambda: plan_services.review_plan(
            actor=request.user, plan=plan, note=payload.note, via="api"
        )
    )
    return Status(201, {"id": review.pk, "at": review.at, "by": review.by_id, "note": review.note})


# --- managers and performance ----------------------------------------------------------------


class ManagerIn(Schema):
    manager: int | None


class MembershipOut(Schema):
    id: int
    user: int
    team: int
    role: str
    manager: int | None


@router.patch(
    "/memberships/{pk}/manager", response={200: MembershipOut, 403: Message, 422: Message}
)
def set_manager(request: HttpRequest, pk: int, payload: ManagerIn) -> Any:
    """Whom the member's overdue actions escalate to (null: the team's managers)."""
    membership = scope(Membership.objects.all(), request.user).filter(pk=pk).first()
    if membership is None:
        raise Http404("No such membership.")
    manager = None if payload.manager is None else _user("manager", payload.manager)
    call_service(
        lambda: plan_services.set_manager(
            actor=request.user, membership=membership, manager=manager, via="api"
        )
    )
    return {
        "id": membership.pk,
        "user": membership.user_id,
        "team": membership.team_id,
        "role": membership.role,
        "manager": membership.manager_id,
    }


class ShareOut(Schema):
    k: int
    n: int
    value: float | None
    low: float | None
    high: float | None


class PersonFiguresOut(Schema):
    user: int
    name: str
    actions_on_time: ShareOut
    commitments_kept_on_time: ShareOut
    contact_coverage: ShareOut
    accounts: int


class KpiOut(Schema):
    account: int
    metric: str
    current: FigureOut | None
    target: float | None
    tolerance: float | None
    direction: str | None
    target_source: str
    organisation_default: bool
    verdict: str


class PerformanceOut(Schema):
    start: date
    end: date
    team: int | None
    person: int | None
    people: list[PersonFiguresOut]
    total: PersonFiguresOut
    kpis: list[KpiOut]
    kpi_page: int
    kpi_pages: int


def _share(share: performance.Share) -> dict[str, Any]:
    return {"k": share.k, "n": share.n, "value": share.value, "low": share.low, "high": share.high}


def _person(row: performance.PersonFigures) -> dict[str, Any]:
    return {
        "user": row.user.pk or 0,
        "name": row.user.get_full_name() or row.user.username,
        "actions_on_time": _share(row.actions),
        "commitments_kept_on_time": _share(row.commitments),
        "contact_coverage": _share(row.coverage),
        "accounts": row.accounts,
    }


@router.get("/performance", response=PerformanceOut)
def get_performance(
    request: HttpRequest,
    person: int | None = None,
    team: int | None = None,
    page: int = 1,
) -> Any:
    """Yours by default; `person` (people you manage) or `team` (teams you manage); the period
    is `from`/`to` (default the last 90 days); KPIs a page of accounts at a time."""
    start, end = _query(performance.period_from, request)
    if team is not None:
        team_row = Team.objects.filter(pk=team).first()
        if team_row is None:
            raise Http404("No such team.")
        result = performance.team_performance(
            request.user, team_row, start=start, end=end, kpi_page=page
        )
    else:
        who = User.objects.filter(pk=person).first() if person else request.user
        if not isinstance(who, User):
            raise Http404("No such person.")
        result = performance.person_performance(
            request.user, who, start=start, end=end, kpi_page=page
        )
    return {
        "start": result.start,
        "end": result.end,
        "team": result.team.pk if result.team else None,
        "person": result.person.pk if result.person else None,
        "people": [_person(p) for p in result.people],
        "total": _person(result.total),
        "kpis": [
            {
                "account": k.account.pk,
                "metric": k.metric,
                "current": _figure(k.current),
                "target": k.target.value if k.target else None,
                "tolerance": k.target.tolerance if k.target else None,
                "direction": k.target.direction if k.target else None,
                "target_source": k.target.source if k.target else "",
                "organisation_default": bool(k.target and k.target.organisation_default),
                "verdict": k.verdict,
            }
            for k in result.kpi_rows
        ],
        "kpi_page": result.kpis.number,
        "kpi_pages": result.kpis.paginator.num_pages,
    }
