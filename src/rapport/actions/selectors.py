"""Every read of actions, escalations and loop closures, scoped to the actor's teams."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from rapport.actions.models import (
    OPEN_STATUSES,
    Action,
    ActionStatus,
    Escalation,
    LoopClosure,
)
from rapport.analytics.control.charts import CHART_METRICS, ChartOptions
from rapport.analytics.control.episodes import episodes
from rapport.analytics.control.selectors import control_charts_for
from rapport.core.access import Actor, scope, scope_of
from rapport.core.models import Role
from rapport.customers.models import Account


def actions_for(user: Actor) -> QuerySet[Action]:
    return scope(Action.objects.all(), user)


def open_actions(*, user: Actor, account: Account | None = None) -> QuerySet[Action]:
    """Open and in-progress actions the user may see, of one account when given, soonest due
    first."""
    queryset = actions_for(user).filter(status__in=OPEN_STATUSES)
    if account is not None:
        queryset = queryset.filter(account=account)
    return queryset.select_related("owner", "account", "team").order_by("due_on", "pk")


def get_action(user: Actor, pk: int) -> Action:
    action = (
        actions_for(user)
        .select_related("owner", "account", "team", "plan", "created_by")
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404("No such action.")
    return action


def my_overdue_count(user: Actor, *, today: date | None = None) -> int:
    """Open actions the user owns whose due date has passed (the navigation's count)."""
    if not user.is_authenticated:
        return 0
    today = today or timezone.localdate()
    return Action.objects.filter(
        owner_id=user.pk, status__in=OPEN_STATUSES, due_on__lt=today
    ).count()


def escalations_for(user: Actor, *, mine_only: bool = False) -> QuerySet[Escalation]:
    """Escalations to the user, and (managers, administrators) to anyone in their teams."""
    rows = Escalation.objects.select_related(
        "action", "action__owner", "action__account", "to_user"
    )
    if mine_only:
        return rows.filter(to_user_id=user.pk)
    actor_scope = scope_of(user)
    if actor_scope.all_teams:
        return rows
    managed = [t for t, role in actor_scope.roles.items() if role == Role.MANAGER]
    return rows.filter(Q(to_user_id=user.pk) | Q(team_id__in=managed))


def loop_closures_for(user: Actor) -> QuerySet[LoopClosure]:
    return scope(LoopClosure.objects.all(), user).select_related(
        "action", "account", "told_by", "team"
    )


def next_statuses(action: Action) -> list[tuple[str, str]]:
    """The statuses an action may move to from its own (closed is final)."""
    allowed = {
        ActionStatus.OPEN: [ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED],
        ActionStatus.IN_PROGRESS: [ActionStatus.DONE, ActionStatus.CANCELLED],
    }.get(ActionStatus(action.status), [])
    return [(s.value, s.label) for s in allowed]


# --- the control-chart episode an action answers ----------------------------------------------


@dataclass(frozen=True)
class EpisodeState:
    closed: bool
    text: str


# The app that opened an action from its own row (alerts: the alert's episode) says whether
# what the action answers is over; registered by that app, keyed by source kind (decision 51).
# A worse episode that ended this long before the action was opened is not the one it answers.
EPISODE_LOOKBACK = timedelta(days=90)
SOURCE_STATES: dict[str, Callable[[Action], EpisodeState | None]] = {}


def episode_state(user: Actor, action: Action, *, today: date | None = None) -> EpisodeState | None:
    """Whether the control-chart episode the action answers is closed: the source's own
    answer when its app registered one (an alert's episode), else the account's chart of the
    action's metric: the latest worse episode ended before the latest judged period."""
    provider = SOURCE_STATES.get(action.source_kind)
    if provider is not None:
        state = provider(action)
        if state is not None:
            return state
    if action.account is None or action.metric not in CHART_METRICS:
        return None
    chart = control_charts_for(user, action.account, [action.metric], ChartOptions(), today=today)[
        action.metric
    ]
    if chart.limits is None:
        return EpisodeState(False, f"No control chart yet: {chart.message or 'too few data'}.")
    opened = timezone.localtime(action.created_at).date()
    worse = [
        e for e in episodes(chart) if e.direction == "worse" and e.end >= opened - EPISODE_LOOKBACK
    ]
    judged = [p for p in chart.points if p.enough]
    if not worse:
        return EpisodeState(True, "No worse episode on the control chart since it was opened.")
    last = worse[-1]
    if judged and last.end >= judged[-1].period_start:
        return EpisodeState(False, f"The episode {last.label(chart.period)} is still open.")
    return EpisodeState(True, f"The episode {last.label(chart.period)} ended {last.end:%d %b %Y}.")
