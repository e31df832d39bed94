"""Every read of reviews, alternatives, agreement changes, incidents and notices, scoped to
the teams the actor may see (another team's ids are missing: 404)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from rapport.agreements.models import (
    UNMET_OUTCOMES,
    AffectedAccount,
    AgreementChange,
    Alternative,
    ExpectationReview,
    Incident,
    Notice,
    NoticeStatus,
    NotificationTemplate,
)
from rapport.analytics.public import window_sums_by_account
from rapport.core.access import Actor, scope, scope_of
from rapport.core.models import Team
from rapport.customers.models import Account, Expectation
from rapport.customers.selectors import accounts_for
from rapport.stats.metrics import (
    MetricValue,
    add_sums,
    compare,
    difference_interval,
    estimate,
    prime_estimates,
)

# An expectation not reviewed for this many days is due for review (the page may ask for
# another number with ?days=).
REVIEW_EVERY_DAYS = 90
EFFECT_METRICS = ("nps", "csat")
EFFECT_WEEKS = 4


def unmet_expectations(*, accounts: QuerySet[Account]) -> QuerySet[ExpectationReview]:
    """The latest review of each expectation of these accounts, where it is not met or only
    partly met (the alerts' rule "expectation not met" reads this; the caller scopes
    `accounts`)."""
    return (
        ExpectationReview.objects.filter(
            account__in=accounts, is_latest=True, outcome__in=UNMET_OUTCOMES
        )
        .select_related("expectation", "account", "reviewed_by")
        .order_by("reviewed_on", "pk")
    )


def _missing(what: str) -> Http404:
    return Http404(f"No such {what}.")


# --- reviews ----------------------------------------------------------------------------------


def reviews_for(user: Actor, *, account_id: int | None = None) -> QuerySet[ExpectationReview]:
    reviews = scope(
        ExpectationReview.objects.select_related("expectation", "account", "reviewed_by"),
        user,
        team_field="account__team",
    )
    if account_id is not None:
        reviews = reviews.filter(account_id=account_id)
    return reviews.order_by("-reviewed_on", "-pk")


def get_review(user: Actor, pk: int) -> ExpectationReview:
    review = reviews_for(user).filter(pk=pk).first()
    if review is None:
        raise _missing("review")
    return review


def get_expectation(user: Actor, pk: int) -> Expectation:
    expectation = (
        scope(Expectation.objects.select_related("account"), user, team_field="account__team")
        .filter(pk=pk)
        .first()
    )
    if expectation is None:
        raise _missing("expectation")
    return expectation


def _latest(field: str) -> Subquery:
    return Subquery(
        ExpectationReview.objects.filter(expectation=OuterRef("pk"), is_latest=True).values(field)[
            :1
        ]
    )


def account_expectations(user: Actor, *, account_id: int) -> list[Expectation]:
    """An account's expectations, each with its latest outcome and its review history and
    alternatives (three queries whatever the number of reviews)."""
    history = ExpectationReview.objects.select_related("reviewed_by").order_by(
        "-reviewed_on", "-pk"
    )
    return list(
        scope(Expectation.objects.all(), user, team_field="account__team")
        .filter(account_id=account_id)
        .annotate(latest_outcome=_latest("outcome"), last_reviewed_on=_latest("reviewed_on"))
        .prefetch_related(
            Prefetch("reviews", queryset=history),
            Prefetch("reviews__alternatives", queryset=Alternative.objects.order_by("pk")),
        )
        .order_by("-created_at", "-pk")
    )


def review_schedule(
    user: Actor, *, days: int = REVIEW_EVERY_DAYS, team_id: int | None = None
) -> QuerySet[Expectation]:
    """Expectations of the actor's accounts never reviewed or last reviewed more than `days`
    days ago: the never reviewed first, then the longest unreviewed (the same on both
    databases, whose default places for nulls differ)."""
    cutoff = timezone.localdate() - timedelta(days=days)
    expectations = scope(
        Expectation.objects.select_related("account"), user, team_field="account__team"
    ).annotate(latest_outcome=_latest("outcome"), last_reviewed_on=_latest("reviewed_on"))
    if team_id is not None:
        expectations = expectations.filter(account__team_id=team_id)
    return expectations.filter(
        Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lt=cutoff)
    ).order_by(F("last_reviewed_on").asc(nulls_first=True), "account__name", "pk")


def team_unmet(user: Actor, *, team_id: int | None = None) -> QuerySet[ExpectationReview]:
    accounts = accounts_for(user)
    if team_id is not None:
        accounts = accounts.filter(team_id=team_id)
    return (
        unmet_expectations(accounts=accounts)
        .select_related("account__owner")
        .prefetch_related(Prefetch("alternatives", queryset=Alternative.objects.order_by("pk")))
        .order_by("account__name", "reviewed_on", "pk")
    )


def visible_teams(user: Actor) -> QuerySet[Team]:
    actor_scope = scope_of(user)
    if actor_scope.all_teams:
        return Team.objects.all()
    return Team.objects.filter(pk__in=actor_scope.team_ids)


# --- alternatives -----------------------------------------------------------------------------


def get_alternative(user: Actor, pk: int) -> Alternative:
    actor_scope = scope_of(user)
    alternatives = Alternative.objects.select_related(
        "review__account", "affected_account__incident", "affected_account__account"
    )
    if not actor_scope.all_teams:
        teams = actor_scope.team_ids
        alternatives = alternatives.filter(
            Q(review__account__team__in=teams) | Q(affected_account__incident__team__in=teams)
        )
    alternative = alternatives.filter(pk=pk).first()
    if alternative is None:
        raise _missing("alternative")
    return alternative


# --- agreement changes ------------------------------------------------------------------------


def changes_for(user: Actor, *, account_id: int | None = None) -> QuerySet[AgreementChange]:
    changes = scope(
        AgreementChange.objects.select_related("account", "created_by"),
        user,
        team_field="account__team",
    )
    if account_id is not None:
        changes = changes.filter(account_id=account_id)
    return changes.prefetch_related(
        Prefetch("notices", queryset=Notice.objects.select_related("contact"))
    ).order_by("-created_at", "-pk")


def get_change(user: Actor, pk: int) -> AgreementChange:
    change = changes_for(user).filter(pk=pk).first()
    if change is None:
        raise _missing("agreement change")
    return change


# --- incidents and notices --------------------------------------------------------------------


def incidents_for(user: Actor, *, team_id: int | None = None) -> QuerySet[Incident]:
    incidents = scope(Incident.objects.select_related("team", "created_by"), user)
    if team_id is not None:
        incidents = incidents.filter(team_id=team_id)
    return incidents.order_by("-started_at", "-pk")


def get_incident(user: Actor, pk: int) -> Incident:
    incident = incidents_for(user).filter(pk=pk).first()
    if incident is None:
        raise _missing("incident")
    return incident


def affected_accounts(incident: Incident) -> list[AffectedAccount]:
    """The incident's accounts with their alternatives (two queries)."""
    return list(
        incident.affected.select_related("account", "account__owner")
        .prefetch_related(Prefetch("alternatives", queryset=Alternative.objects.order_by("pk")))
        .order_by("account__name")
    )


def get_affected(user: Actor, pk: int) -> AffectedAccount:
    affected = (
        scope(
            AffectedAccount.objects.select_related("incident", "account"),
            user,
            team_field="incident__team",
        )
        .filter(pk=pk)
        .first()
    )
    if affected is None:
        raise _missing("affected account")
    return affected


def incident_notices(incident: Incident) -> list[Notice]:
    return list(
        incident.notices.select_related("contact", "account", "assigned_to", "done_by").order_by(
            "account__name", "pk"
        )
    )


def notices_for(user: Actor) -> QuerySet[Notice]:
    return scope(
        Notice.objects.select_related("contact", "account", "assigned_to", "incident"),
        user,
        team_field="account__team",
    )


def get_notice(user: Actor, pk: int) -> Notice:
    notice = notices_for(user).filter(pk=pk).first()
    if notice is None:
        raise _missing("notice")
    return notice


def due_notices(user: Actor) -> QuerySet[Notice]:
    """Notices through a channel other than e-mail still to be given by this person."""
    return notices_for(user).filter(assigned_to_id=user.pk, status=NoticeStatus.DUE)


def due_notice_count(user: Actor) -> int:
    if not user.is_authenticated:
        return 0
    return due_notices(user).count()


# --- templates --------------------------------------------------------------------------------


def templates_for(
    user: Actor, *, team_id: int | None = None, kind: str = ""
) -> QuerySet[NotificationTemplate]:
    templates = scope(NotificationTemplate.objects.select_related("team"), user)
    if team_id is not None:
        templates = templates.filter(team_id=team_id)
    if kind:
        templates = templates.filter(kind=kind)
    return templates.order_by("team__name", "name")


def get_template(user: Actor, pk: int) -> NotificationTemplate:
    template = templates_for(user).filter(pk=pk).first()
    if template is None:
        raise _missing("template")
    return template


# --- the incident's effect --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EffectRow:
    """A metric in the weeks before the incident against the weeks from its start."""

    label: str
    account_id: int | None
    before: MetricValue
    after: MetricValue
    difference: float | None  # after − before, on the display scale
    low: float | None
    high: float | None
    verdict: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "account_id": self.account_id,
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "difference": self.difference,
            "low": self.low,
            "high": self.high,
            "verdict": self.verdict,
        }


@dataclass(frozen=True, slots=True)
class Effect:
    metric: str
    weeks: int
    before_start: date
    start: date
    after_end: date  # exclusive
    complete: bool  # the weeks after have all passed
    overall: EffectRow
    accounts: list[EffectRow]

    @property
    def last_day(self) -> date:
        return self.after_end - timedelta(days=1)


def _row(
    metric: str, label: str, account_id: int | None, before: dict[str, float],
    after: dict[str, float], min_n: int,
) -> EffectRow:  # fmt: skip
    change = compare(metric, after, before, min_n=min_n)
    difference: float | None = None
    low: float | None = None
    high: float | None = None
    if before.get("n") and after.get("n"):
        difference, low, high = difference_interval(metric, after, before)
    return EffectRow(
        label=label,
        account_id=account_id,
        before=estimate(metric, before, min_n=min_n),
        after=estimate(metric, after, min_n=min_n),
        difference=difference,
        low=low,
        high=high,
        verdict=change.label,
    )


def effect_weeks(incident: Incident) -> int:
    """The default window: as many whole weeks as the incident lasted (2 to 12), so the weeks
    after cover it; EFFECT_WEEKS while it has not ended."""
    if incident.ended_at is None:
        return EFFECT_WEEKS
    days = (incident.ended_at - incident.started_at).total_seconds() / 86400
    return min(12, max(2, math.ceil(days / 7)))


def incident_effect(
    *, incident: Incident, metric: str = "nps", weeks: int = EFFECT_WEEKS
) -> Effect:
    """The metric of the affected accounts in the `weeks` weeks before the incident's start
    day against the `weeks` weeks from that day (the incident and what followed it), per
    account and pooled, each with its 95 % interval and the difference's (two queries)."""
    start = timezone.localtime(incident.started_at).date()
    before_start = start - timedelta(weeks=weeks)
    after_end = start + timedelta(weeks=weeks)
    accounts = [
        (a.account_id, a.account.name)
        for a in incident.affected.select_related("account").order_by("account__name")
    ]
    ids = [account_id for account_id, _ in accounts]
    before = window_sums_by_account(account_ids=ids, metric=metric, start=before_start, end=start)
    after = window_sums_by_account(account_ids=ids, metric=metric, start=start, end=after_end)
    min_n = settings.RAPPORT_MIN_N
    pooled_before: dict[str, float] = {}
    pooled_after: dict[str, float] = {}
    for account_id in ids:
        pooled_before = add_sums(pooled_before, before.get(account_id, {}))
        pooled_after = add_sums(pooled_after, after.get(account_id, {}))
    prime_estimates(metric, [*before.values(), *after.values(), pooled_before, pooled_after])
    rows = [
        _row(metric, name, account_id, before.get(account_id, {}), after.get(account_id, {}),
             min_n)
        for account_id, name in accounts
    ]  # fmt: skip
    overall = _row(metric, "All affected accounts", None, pooled_before, pooled_after, min_n)
    return Effect(
        metric=metric,
        weeks=weeks,
        before_start=before_start,
        start=start,
        after_end=after_end,
        complete=after_end <= timezone.localdate(),
        overall=overall,
        accounts=rows,
    )
