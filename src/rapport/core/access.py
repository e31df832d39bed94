"""The one place that decides who may see and change what.

Every selector narrows its queryset with `scope()`; every service checks `require()`.
Visibility is by team membership; an administrator (superuser or admin role) sees every team.
Objects outside the actor's scope are reported as missing (404), never as forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet

from rapport.core.models import Membership, Role, User

# Views pass request.user; the middleware guarantees sign-in, but the type says it may not.
Actor = User | AnonymousUser

M = TypeVar("M", bound=Model)


class Capability(StrEnum):
    VIEW = "view"
    EDIT_ACCOUNTS = "edit_accounts"
    EDIT_RELATIONSHIP = "edit_relationship"  # contacts, expectations, commitments, communications
    IMPORT_FEEDBACK = "import_feedback"
    RECORD_FEEDBACK = "record_feedback"
    LABEL_COMMENTS = "label_comments"  # confirm or correct a comment's themes and sentiment
    MANAGE_THEMES = "manage_themes"  # edit the theme taxonomy, train the classifier and models
    # Take a trained model out of force (back to the baseline, e.g. VADER): it overrides the
    # rule that put it in force and changes every team's figures, so managers only.
    CHOOSE_MODELS = "choose_models"
    # --- notifications ---
    # Add, change and remove a team's webhook endpoints, see their secrets once and their
    # delivery logs: where the team's data is sent, so managers and administrators only.
    MANAGE_WEBHOOKS = "manage_webhooks"
    # --- actions ---
    MANAGE_ACTIONS = "manage_actions"  # open, assign, progress and close actions; tell customers
    CONTRIBUTE_IDEAS = "contribute_ideas"  # every role, agents included
    DECIDE_IDEAS = "decide_ideas"  # accept (an action) or decline an idea; team action plans
    MANAGE_PEOPLE = "manage_people"  # set a member's manager; the team's personal plans
    # --- monitoring ---
    EDIT_PLANS = "edit_plans"  # drafts of monitoring plans, their methods, KPIs and reports
    AGREE_PLANS = "agree_plans"  # propose a plan and record the customer's sign-off
    RECORD_ACTIVITIES = "record_activities"  # mark planned monitoring activities done
    MANAGE_PLAN_TEMPLATES = "manage_plan_templates"  # the organisation's plan template per tier
    # --- agreements ---
    # Review expectations, offer alternatives, record and announce changes to agreements.
    REVIEW_EXPECTATIONS = "review_expectations"
    # Record incidents, their affected accounts and notices; edit notice templates.
    MANAGE_INCIDENTS = "manage_incidents"
    # --- reports ---
    # Define reports, generate runs, edit their recommendations and send internal ones; a
    # customer-facing run is approved by the account's owner (reports.services).
    MANAGE_REPORTS = "manage_reports"
    # --- alerts ---
    # Create, edit and switch off a team's (or its plans') alert rules; global rules are for
    # administrators only (alerts.services).
    MANAGE_RULES = "manage_rules"
    CLOSE_ALERTS = "close_alerts"  # close an open alert with a reason


_ALL = set(Capability)
ROLE_CAPABILITIES: dict[str, set[Capability]] = {
    Role.ADMIN: _ALL,
    Role.MANAGER: _ALL,
    Role.ACCOUNT_MANAGER: _ALL
    - {Capability.MANAGE_THEMES, Capability.CHOOSE_MODELS, Capability.MANAGE_WEBHOOKS}
    # --- alerts ---
    - {Capability.MANAGE_RULES},
    Role.ANALYST: {
        Capability.VIEW,
        Capability.IMPORT_FEEDBACK,
        Capability.RECORD_FEEDBACK,
        Capability.LABEL_COMMENTS,
        Capability.MANAGE_THEMES,
        Capability.MANAGE_REPORTS,  # reports
    },
    Role.QA_EVALUATOR: {Capability.VIEW, Capability.RECORD_FEEDBACK, Capability.LABEL_COMMENTS},
    Role.AGENT: {Capability.VIEW, Capability.RECORD_FEEDBACK},
}
# --- actions ---
# Everyone may contribute an idea for improving service (agents included); deciding ideas,
# team action plans and people's managers and personal plans are for managers.
for _role in (Role.ANALYST, Role.QA_EVALUATOR, Role.AGENT):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {Capability.CONTRIBUTE_IDEAS}
ROLE_CAPABILITIES[Role.ACCOUNT_MANAGER] = ROLE_CAPABILITIES[Role.ACCOUNT_MANAGER] - {
    Capability.DECIDE_IDEAS,
    Capability.MANAGE_PEOPLE,
}
# --- monitoring ---
# The templates are the organisation's, shared by every team: managers and administrators.
ROLE_CAPABILITIES[Role.ACCOUNT_MANAGER].discard(Capability.MANAGE_PLAN_TEMPLATES)


@dataclass(frozen=True, slots=True)
class Scope:
    """The teams an actor may see, and the role held in each."""

    all_teams: bool
    roles: dict[int, str]

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    def can(self, capability: Capability, team_id: int | None) -> bool:
        if self.all_teams:
            return True
        if team_id is None:
            return any(capability in ROLE_CAPABILITIES[r] for r in self.roles.values())
        role = self.roles.get(team_id)
        return role is not None and capability in ROLE_CAPABILITIES[role]


_CACHE_ATTR = "_rapport_scope"


def scope_of(user: Actor) -> Scope:
    """The actor's scope, computed once per user object (one query)."""
    cached: Scope | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        result = Scope(all_teams=False, roles={})
    else:
        roles = dict(Membership.objects.filter(user_id=user.pk).values_list("team_id", "role"))
        result = Scope(all_teams=user.is_superuser or Role.ADMIN in roles.values(), roles=roles)
    setattr(user, _CACHE_ATTR, result)
    return result


def scope(queryset: QuerySet[M], user: Actor, *, team_field: str = "team") -> QuerySet[M]:
    """Narrow a queryset to rows whose team the actor may see."""
    actor_scope = scope_of(user)
    if actor_scope.all_teams:
        return queryset
    return queryset.filter(**{f"{team_field}__in": actor_scope.team_ids})


def require(user: Actor, capability: Capability, team_id: int | None) -> None:
    """Raise PermissionDenied unless the actor holds the capability in that team."""
    if not scope_of(user).can(capability, team_id):
        raise PermissionDenied(f"You may not {capability.value.replace('_', ' ')} here.")
