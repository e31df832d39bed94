"""Pages: ideas, team action plans, personal improvement plans, own and team performance, and
who manages whom in a team."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.actions import performance as perf
from rapport.actions import plan_services
from rapport.actions.forms import (
    AcceptIdeaForm,
    ActionPlanForm,
    DeclineIdeaForm,
    GoalForm,
    IdeaForm,
    PersonalPlanForm,
    ReviewForm,
    teams_where,
)
from rapport.actions.models import (
    ActionStatus,
    GoalStatus,
    Idea,
    IdeaStatus,
    PersonalGoal,
    PersonalPlan,
    TeamActionPlan,
)
from rapport.actions.selectors import actions_for
from rapport.core.access import Capability, require, scope, scope_of
from rapport.core.models import Membership, Team, User
from rapport.core.query import query_choice


def _page(request: HttpRequest, rows: Any, param: str = "page") -> Any:
    return Paginator(rows, settings.RAPPORT_PAGE_SIZE).get_page(request.GET.get(param))


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- ideas -----------------------------------------------------------------------------------


def ideas(request: HttpRequest) -> HttpResponse:
    status = query_choice(request.GET, "status", ["", *IdeaStatus.values], IdeaStatus.NEW)
    form = IdeaForm(request.POST or None, actor=request.user)
    if request.method == "POST":
        require(request.user, Capability.CONTRIBUTE_IDEAS, None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan_services.contribute_idea(
                    actor=request.user,
                    team=data["team"],
                    text=data["text"],
                    account=data["account"],
                    metric=data["metric"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Thank you: your idea is with the team's managers.")
                return redirect("actions:ideas")
    rows = scope(Idea.objects.all(), request.user).select_related(
        "author", "account", "team", "decided_by", "action"
    )
    if status:
        rows = rows.filter(status=status)
    actor_scope = scope_of(request.user)
    context = {
        "form": form,
        "may_contribute": actor_scope.can(Capability.CONTRIBUTE_IDEAS, None),
        "page": _page(request, rows.order_by("-created_at", "-pk")),
        "status": status,
        "statuses": IdeaStatus.choices,
        "deciding_teams": set(
            teams_where(request.user, Capability.DECIDE_IDEAS).values_list("pk", flat=True)
        ),
    }
    return render(request, "actions/ideas.html", context)


def _idea(request: HttpRequest, pk: int) -> Idea:
    idea = scope(Idea.objects.select_related("team"), request.user).filter(pk=pk).first()
    if idea is None:
        raise Http404("No such idea.")
    return idea


def idea_accept(request: HttpRequest, pk: int) -> HttpResponse:
    idea = _idea(request, pk)
    require(request.user, Capability.DECIDE_IDEAS, idea.team_id)
    form = AcceptIdeaForm(request.POST or None, team_id=idea.team_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = plan_services.accept_idea(
                actor=request.user,
                idea=idea,
                owner=data["owner"],
                title=data["title"],
                severity=data["severity"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Idea accepted: the action is open and its author told.")
            return redirect("actions:detail", pk=action.pk)
    return render(request, "actions/idea_decide.html", {"idea": idea, "form": form, "accept": True})


def idea_decline(request: HttpRequest, pk: int) -> HttpResponse:
    idea = _idea(request, pk)
    require(request.user, Capability.DECIDE_IDEAS, idea.team_id)
    form = DeclineIdeaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.decline_idea(
                actor=request.user, idea=idea, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Idea declined; its author was told why.")
            return redirect("actions:ideas")
    context = {"idea": idea, "form": form, "accept": False}
    return render(request, "actions/idea_decide.html", context)


# --- team action plans -----------------------------------------------------------------------


def _plan_progress(plans: Any) -> Any:
    """Each plan with its actions counted (total, done on time, open, overdue) in the query."""
    today = timezone.localdate()
    not_cancelled = ~Q(actions__status=ActionStatus.CANCELLED)
    return plans.annotate(
        total=Count("actions", filter=not_cancelled),
        on_time=Count(
            "actions",
            filter=Q(
                actions__status=ActionStatus.DONE, actions__closed_on__lte=F("actions__due_on")
            ),
        ),
        done=Count("actions", filter=Q(actions__status=ActionStatus.DONE)),
        overdue=Count(
            "actions",
            filter=Q(
                actions__status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS),
                actions__due_on__lt=today,
            ),
        ),
    )


def action_plans(request: HttpRequest) -> HttpResponse:
    form = ActionPlanForm(request.POST or None, actor=request.user)
    if request.method == "POST":
        require(request.user, Capability.DECIDE_IDEAS, None)
        if form.is_valid():
            try:
                plan = plan_services.create_action_plan(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Plan created: add actions to it from their pages.")
                return redirect("actions:plan", pk=plan.pk)
    plans = _plan_progress(scope(TeamActionPlan.objects.select_related("team"), request.user))
    context = {
        "form": form,
        "may_create": scope_of(request.user).can(Capability.DECIDE_IDEAS, None),
        "page": _page(request, plans.order_by("-period_start", "-pk")),
    }
    return render(request, "actions/plans.html", context)


def action_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = (
        _plan_progress(scope(TeamActionPlan.objects.select_related("team"), request.user))
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise Http404("No such plan.")
    rows = actions_for(request.user).filter(plan=plan).select_related("owner", "account")
    context = {
        "plan": plan,
        "page": _page(request, rows.order_by("due_on", "pk")),
        "today": timezone.localdate(),
        "progress": perf.Share(plan.on_time, plan.total),
    }
    return render(request, "actions/plan_detail.html", context)


# --- personal plans --------------------------------------------------------------------------


def visible_plans(request: HttpRequest) -> Any:
    rows = PersonalPlan.objects.select_related("person", "manager", "team")
    if scope_of(request.user).all_teams:
        return rows
    return rows.filter(Q(person_id=request.user.pk) | Q(manager_id=request.user.pk))


def personal_plans(request: HttpRequest) -> HttpResponse:
    form = PersonalPlanForm(request.POST or None, actor=request.user)
    if request.method == "POST":
        require(request.user, Capability.MANAGE_PEOPLE, None)
        if form.is_valid():
            try:
                plan = plan_services.create_personal_plan(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            except PermissionDenied as error:
                form.add_error("person", str(error))
            else:
                messages.success(request, "Plan drafted: add the goals you agreed, then both sign.")
                return redirect("actions:personal-plan", pk=plan.pk)
    plans = visible_plans(request).annotate(
        goal_count=Count("goals"),
        achieved=Count("goals", filter=Q(goals__status=GoalStatus.ACHIEVED)),
    )
    context = {
        "form": form,
        "may_create": scope_of(request.user).can(Capability.MANAGE_PEOPLE, None),
        "page": _page(request, plans.order_by("-period_start", "-pk")),
    }
    return render(request, "actions/personal_plans.html", context)


def _personal_plan(request: HttpRequest, pk: int) -> PersonalPlan:
    plan = visible_plans(request).filter(pk=pk).first()
    if plan is None:  # another person's plan: as if it did not exist
        raise Http404("No such plan.")
    return plan


def personal_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _personal_plan(request, pk)
    goals = list(plan.goals.all())
    context = {
        "plan": plan,
        "goals": goals,
        "reviews": list(plan.reviews.select_related("by")),
        "progress": perf.Share(sum(g.status == GoalStatus.ACHIEVED for g in goals), len(goals)),
        "is_manager": request.user.pk == plan.manager_id,
        "is_person": request.user.pk == plan.person_id,
        "goal_form": GoalForm(),
        "review_form": ReviewForm(),
        "goal_statuses": GoalStatus.choices,
    }
    return render(request, "actions/personal_plan.html", context)


def _after(request: HttpRequest, call: Any, pk: int, done: str) -> HttpResponse:
    try:
        call()
    except ValidationError as error:
        _errors(request, error)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("actions:personal-plan", pk=pk)


@require_POST
def personal_plan_sign(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _personal_plan(request, pk)
    return _after(
        request,
        lambda: plan_services.sign_personal_plan(actor=request.user, plan=plan),
        pk,
        "Signed.",
    )


@require_POST
def personal_goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _personal_plan(request, pk)
    form = GoalForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the goal and its date.")
        return redirect("actions:personal-plan", pk=pk)
    return _after(
        request,
        lambda: plan_services.add_goal(actor=request.user, plan=plan, **form.cleaned_data),
        pk,
        "Goal added.",
    )


@require_POST
def personal_goal_status(request: HttpRequest, pk: int) -> HttpResponse:
    goal = PersonalGoal.objects.filter(pk=pk).select_related("plan").first()
    if goal is None or not plan_services.may_see_plan(request.user, goal.plan):
        raise Http404("No such goal.")
    status = request.POST.get("status", "")
    return _after(
        request,
        lambda: plan_services.set_goal_status(actor=request.user, goal=goal, status=status),
        goal.plan_id,
        "Goal updated.",
    )


@require_POST
def personal_plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _personal_plan(request, pk)
    note = request.POST.get("note", "")
    return _after(
        request,
        lambda: plan_services.review_plan(actor=request.user, plan=plan, note=note),
        pk,
        "Review recorded.",
    )


# --- performance -----------------------------------------------------------------------------


def performance(request: HttpRequest) -> HttpResponse:
    start, end = perf.period_from(request.GET)
    team_text = request.GET.get("team", "") or ""
    person_text = request.GET.get("person", "") or ""
    for name, text in (("team", team_text), ("person", person_text)):
        if text and not text.isdigit():
            from django.core.exceptions import BadRequest

            raise BadRequest(f"{name} must be an id (a whole number), not “{text}”.")
    kpi_page = request.GET.get("page")
    if team_text:
        team = Team.objects.filter(pk=int(team_text)).first()
        if team is None:
            raise Http404("No such team.")
        result = perf.team_performance(request.user, team, start=start, end=end, kpi_page=kpi_page)
    else:
        me = request.user if isinstance(request.user, User) else None
        person = User.objects.filter(pk=int(person_text)).first() if person_text else me
        if person is None:
            raise Http404("No such person.")
        result = perf.person_performance(
            request.user,
            person,
            start=start,
            end=end,
            kpi_page=kpi_page,
        )
    context = {
        "perf": result,
        "managed_teams": teams_where(request.user, Capability.MANAGE_PEOPLE),
        "query": request.GET.urlencode(),
    }
    return render(request, "actions/performance.html", context)


# --- managers --------------------------------------------------------------------------------


def team_managers(request: HttpRequest, team_id: int) -> HttpResponse:
    """Who each member's overdue actions escalate to (managers and administrators)."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None or not (
        scope_of(request.user).all_teams or team_id in scope_of(request.user).team_ids
    ):
        raise Http404("No such team.")
    require(request.user, Capability.MANAGE_PEOPLE, team_id)
    memberships = list(Membership.objects.filter(team_id=team_id).select_related("user", "manager"))
    if request.method == "POST":
        by_id = {m.pk: m for m in memberships}
        membership = by_id.get(int(request.POST.get("membership", "0") or 0))
        if membership is None:
            raise Http404("No such member.")
        manager_id = request.POST.get("manager", "")
        manager = User.objects.filter(pk=int(manager_id)).first() if manager_id.isdigit() else None
        try:
            plan_services.set_manager(actor=request.user, membership=membership, manager=manager)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, f"Manager of {membership.user} saved.")
        return redirect("actions:team-managers", team_id=team_id)
    context = {
        "team": team,
        "memberships": memberships,
        "members": [m.user for m in memberships if m.user.is_active],
    }
    return render(request, "actions/team_managers.html", context)
