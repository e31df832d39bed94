"""Writes for ideas, team action plans, personal improvement plans and people's managers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.actions.models import (
    Action,
    GoalStatus,
    Idea,
    IdeaStatus,
    PersonalGoal,
    PersonalPlan,
    PlanReview,
    SourceKind,
    TeamActionPlan,
)
from rapport.actions.services import _check_metric, due_on_for, open_action
from rapport.core.access import Actor, Capability, require, scope_of
from rapport.core.models import Membership, Team, User
from rapport.core.services import create_audited, require_member, update_audited
from rapport.customers.models import Account
from rapport.notifications.services import notify

# --- ideas -----------------------------------------------------------------------------------


@transaction.atomic
def contribute_idea(
    *,
    actor: Actor,
    team: Team,
    text: str,
    account: Account | None = None,
    metric: str = "",
    via: str = "web",
) -> Idea:
    """Anyone in the team (agents included) suggests how service could improve."""
    require(actor, Capability.CONTRIBUTE_IDEAS, team.pk)
    if not text.strip():
        raise ValidationError({"text": "Say what the idea is."})
    if account is not None and account.team_id != team.pk:
        raise ValidationError({"account": "Choose an account of the idea's team."})
    _check_metric(metric)
    fields = {"team": team, "account": account, "text": text.strip(), "metric": metric}
    return create_audited(
        actor=actor, model=Idea, fields={**fields, "author": actor}, team_id=team.pk, via=via
    )


def _undecided(idea: Idea) -> Idea:
    idea = Idea.objects.select_for_update().select_related("team", "author").get(pk=idea.pk)
    if idea.status != IdeaStatus.NEW:
        raise ValidationError({"status": f"This idea was already {idea.get_status_display()}."})
    return idea


def _tell_author(idea: Idea, subject: str, body: str, link: str) -> None:
    if idea.author is not None and idea.author.is_active:
        notify(
            recipients=[idea.author],
            kind="idea",
            subject=subject[:200],
            body=body,
            link=link,
            team=idea.team,
            event="idea.decided",
            payload={"id": idea.pk, "status": idea.status, "action": idea.action_id},
        )


@transaction.atomic
def accept_idea(
    *,
    actor: Actor,
    idea: Idea,
    owner: User,
    title: str = "",
    severity: str = "medium",
    due_on: date | None = None,
    via: str = "web",
) -> Action:
    """Accept an idea by opening an action from it (source kind "idea"); the author is told."""
    require(actor, Capability.DECIDE_IDEAS, idea.team_id)
    idea = _undecided(idea)
    action = open_action(
        actor=actor,  # type: ignore[arg-type]
        team=idea.team,
        account=idea.account,
        title=(title or idea.text.split("\n")[0])[:200],
        description=idea.text,
        owner=owner,
        due_on=due_on or due_on_for(severity),
        severity=severity,
        source_kind=SourceKind.IDEA,
        source_ref=str(idea.pk),
        source_url="/actions/ideas/",
        metric=idea.metric,
        via=via,
    )
    changes = {
        "status": IdeaStatus.ACCEPTED,
        "decided_by": actor,
        "decided_at": timezone.now(),
        "action": action,
    }
    update_audited(actor=actor, instance=idea, changes=changes, team_id=idea.team_id, via=via)
    _tell_author(
        idea,
        "Your idea was accepted",
        f"“{idea.text[:200]}” became an action owned by {owner}, due {action.due_on:%d %b %Y}.",
        f"/actions/{action.pk}/",
    )
    return action


@transaction.atomic
def decline_idea(*, actor: Actor, idea: Idea, reason: str, via: str = "web") -> Idea:
    require(actor, Capability.DECIDE_IDEAS, idea.team_id)
    idea = _undecided(idea)
    if not reason.strip():
        raise ValidationError({"decline_reason": "Give the reason the idea is declined."})
    changes = {
        "status": IdeaStatus.DECLINED,
        "decided_by": actor,
        "decided_at": timezone.now(),
        "decline_reason": reason.strip(),
    }
    update_audited(actor=actor, instance=idea, changes=changes, team_id=idea.team_id, via=via)
    _tell_author(
        idea,
        "Your idea was declined",
        f"“{idea.text[:200]}” was declined: {reason.strip()}",
        "/actions/ideas/",
    )
    return idea


# --- team action plans -----------------------------------------------------------------------


@transaction.atomic
def create_action_plan(
    *,
    actor: Actor,
    team: Team,
    title: str,
    objective: str,
    period_start: date,
    period_end: date,
    via: str = "web",
) -> TeamActionPlan:
    require(actor, Capability.DECIDE_IDEAS, team.pk)
    fields = {
        "team": team,
        "title": title,
        "objective": objective,
        "period_start": period_start,
        "period_end": period_end,
        "created_by": actor,
    }
    return create_audited(
        actor=actor, model=TeamActionPlan, fields=fields, team_id=team.pk, via=via
    )


# --- people's managers -----------------------------------------------------------------------


@transaction.atomic
def set_manager(
    *, actor: Actor, membership: Membership, manager: User | None, via: str = "web"
) -> Membership:
    """Whom a member's overdue actions escalate to: an active member of the same team, not
    the person themself (None: the team's managers)."""
    require(actor, Capability.MANAGE_PEOPLE, membership.team_id)
    if manager is not None:
        if manager.pk == membership.user_id:
            raise ValidationError({"manager": "A person's manager is someone else."})
        require_member(fields={"manager": manager}, name="manager", team_id=membership.team_id)
    update_audited(
        actor=actor,
        instance=membership,
        changes={"manager": manager},
        team_id=membership.team_id,
        via=via,
    )
    return membership


# --- personal improvement plans ---------------------------------------------------------------


def manages(actor: Actor, person_id: int, team_id: int) -> bool:
    """The actor is the person's manager in the team: named on the membership, or (when none
    is named) a holder of MANAGE_PEOPLE there; administrators count too."""
    actor_scope = scope_of(actor)
    if actor_scope.all_teams:
        return True
    named = (
        Membership.objects.filter(user_id=person_id, team_id=team_id)
        .values_list("manager_id", flat=True)
        .first()
    )
    if named is not None:
        return named == actor.pk
    return actor_scope.can(Capability.MANAGE_PEOPLE, team_id)


def may_see_plan(actor: Actor, plan: PersonalPlan) -> bool:
    """The person, their manager on the plan and administrators: nobody else."""
    return actor.pk in (plan.person_id, plan.manager_id) or scope_of(actor).all_teams


@transaction.atomic
def create_personal_plan(
    *,
    actor: Actor,
    team: Team,
    person: User,
    title: str,
    period_start: date,
    period_end: date,
    goals: Sequence[tuple[str, date]] = (),
    via: str = "web",
) -> PersonalPlan:
    """A manager drafts a plan with a person of their team; both then sign it."""
    require_member(fields={"person": person}, name="person", team_id=team.pk)
    if not manages(actor, person.pk, team.pk) or actor.pk == person.pk:
        raise PermissionDenied("Only the person's manager may draft their plan.")
    fields = {
        "team": team,
        "person": person,
        "manager": actor,
        "title": title,
        "period_start": period_start,
        "period_end": period_end,
    }
    plan = create_audited(actor=actor, model=PersonalPlan, fields=fields, team_id=team.pk, via=via)
    for goal, due_on in goals:
        add_goal(actor=actor, plan=plan, goal=goal, due_on=due_on, via=via)
    return plan


def _editable_plan(actor: Actor, plan: PersonalPlan) -> None:
    if not may_see_plan(actor, plan):
        raise PermissionDenied("This plan is not yours.")


@transaction.atomic
def add_goal(
    *, actor: Actor, plan: PersonalPlan, goal: str, due_on: date, via: str = "web"
) -> PersonalGoal:
    """Goals are agreed: adding one after signing asks both to sign again."""
    _editable_plan(actor, plan)
    if actor.pk != plan.manager_id and not scope_of(actor).all_teams:
        raise PermissionDenied("The manager sets the goals with the person.")
    if not goal.strip():
        raise ValidationError({"goal": "Say what the goal is."})
    if not plan.period_start <= due_on <= plan.period_end:
        raise ValidationError({"due_on": "Give a date inside the plan's period."})
    row = create_audited(
        actor=actor,
        model=PersonalGoal,
        fields={"plan": plan, "goal": goal.strip(), "due_on": due_on},
        team_id=plan.team_id,
        via=via,
    )
    if plan.person_agreed_at or plan.manager_agreed_at:
        PersonalPlan.objects.filter(pk=plan.pk).update(
            person_agreed_at=None, manager_agreed_at=None
        )
        plan.person_agreed_at = plan.manager_agreed_at = None
    return row


@transaction.atomic
def sign_personal_plan(*, actor: Actor, plan: PersonalPlan, via: str = "web") -> PersonalPlan:
    """The person or the manager agrees the plan as it stands (agreed_at of each)."""
    _editable_plan(actor, plan)
    if not plan.goals.exists():
        raise ValidationError({"goals": "Agree at least one goal before signing."})
    signers = {plan.person_id: "person_agreed_at", plan.manager_id: "manager_agreed_at"}
    field = signers.get(actor.pk) if actor.pk is not None else None
    if field is None:
        raise PermissionDenied("Only the person and their manager sign the plan.")
    update_audited(
        actor=actor, instance=plan, changes={field: timezone.now()}, team_id=plan.team_id, via=via
    )
    other = plan.manager if field == "person_agreed_at" else plan.person
    notify(
        recipients=[other],
        kind="personal_plan",
        subject=f"{actor} signed the plan “{plan.title}”"[:200],
        body="Both signatures make it agreed." if not plan.agreed else "The plan is agreed.",
        link=f"/actions/personal/{plan.pk}/",
        team=None,  # confidential: no team webhook
        email=True,
    )
    return plan


@transaction.atomic
def set_goal_status(
    *, actor: Actor, goal: PersonalGoal, status: str, via: str = "web"
) -> PersonalGoal:
    plan = goal.plan
    _editable_plan(actor, plan)
    if status not in GoalStatus.values:
        raise ValidationError({"status": f"Status is one of {', '.join(GoalStatus.values)}."})
    changes = {
        "status": status,
        "achieved_on": timezone.localdate() if status == GoalStatus.ACHIEVED else None,
    }
    update_audited(actor=actor, instance=goal, changes=changes, team_id=plan.team_id, via=via)
    return goal


@transaction.atomic
def review_plan(*, actor: Actor, plan: PersonalPlan, note: str, via: str = "web") -> PlanReview:
    _editable_plan(actor, plan)
    if not note.strip():
        raise ValidationError({"note": "Write what the review found."})
    return create_audited(
        actor=actor,
        model=PlanReview,
        fields={"plan": plan, "by": actor, "note": note.strip()},
        team_id=plan.team_id,
        via=via,
    )
