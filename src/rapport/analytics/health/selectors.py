"""Reads of health, risk, profitability and customer types, scoped to the actor."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from rapport.analytics.health import services as health_services
from rapport.analytics.health.profitability import Profitability, profitability_for
from rapport.analytics.health.risk import REASONS, RiskReason, risk_reasons
from rapport.analytics.health.scoring import (
    COMPONENTS,
    HealthResult,
    Weighting,
    score_accounts,
)
from rapport.analytics.health.stake import (
    ATTENTION,
    ATTENTION_LIMIT,
    risk_weight_expression,
    stake_expression,
)
from rapport.analytics.loyalty.customer_types import SegmentDefinition, type_annotation
from rapport.analytics.models import AccountHealth, LoyaltyProposal
from rapport.analytics.public import snapshot_value
from rapport.core.access import Actor, scope, scope_of
from rapport.core.models import Team
from rapport.customers.models import Account, AccountStatus, Tier
from rapport.customers.selectors import accounts_for, get_account

DEFAULT = Weighting(weights={})


@dataclass(frozen=True, slots=True)
class AccountHealthView:
    """The account page's health: computed now from current data, so it never lags."""

    health: HealthResult
    reasons: tuple[RiskReason, ...]
    weighting: Weighting
    weights_customised: bool
    profitability: Profitability
    stored_as_of: date | None


def account_health(
    user: Actor, account: Account, *, today: date | None = None
) -> AccountHealthView:
    """For an account fetched through get_account (visible to the actor)."""
    today = today or timezone.localdate()
    found = health_services.weightings([account.team_id])
    weighting = found.get(account.team_id, DEFAULT)
    batch, results = score_accounts([account], lambda _: weighting, today=today)
    stored = AccountHealth.objects.filter(account=account).first()
    history = stored.baseline.get("history", []) if stored else []
    baseline, baseline_as_of = health_services._comparison(history, today)
    reasons = risk_reasons(
        account,
        batch,
        results[account.pk],
        weighting,
        baseline=baseline,
        baseline_as_of=baseline_as_of,
    )
    return AccountHealthView(
        health=results[account.pk],
        reasons=tuple(reasons),
        weighting=weighting,
        weights_customised=account.team_id in found,
        profitability=profitability_for([account], today=today)[account.pk],
        stored_as_of=stored.as_of if stored else None,
    )


# --- portfolio ------------------------------------------------------------------------------


def health_rows(user: Actor) -> QuerySet[AccountHealth]:
    return scope(
        AccountHealth.objects.select_related("account", "account__team"),
        user,
        team_field="account__team",
    )


@dataclass(frozen=True, slots=True)
class HeatCell:
    team_id: int
    tier: str
    mean: float | None
    n: int
    band: str


@dataclass(frozen=True, slots=True)
class Heatmap:
    teams: list[tuple[int, str]]
    tiers: list[tuple[str, str]]
    cells: dict[tuple[int, str], HeatCell]
    as_of: date | None
    unscored: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def heatmap(user: Actor) -> Heatmap:
    """Mean health by team × tier over the accounts the actor may see (three queries)."""
    actor_scope = scope_of(user)
    teams = (
        Team.objects.all()
        if actor_scope.all_teams
        else Team.objects.filter(pk__in=actor_scope.team_ids)
    )
    team_list = list(teams.order_by("name").values_list("pk", "name"))
    grouped = (
        health_rows(user)
        .values(team_id=F("account__team_id"), tier=F("account__tier"))
        .annotate(mean=Avg("score"), n=Count("pk", filter=Q(score__isnull=False)))
        .order_by()
    )
    weightings = health_services.weightings([t for t, _ in team_list])
    cells = {}
    for row in grouped:
        weighting = weightings.get(row["team_id"], DEFAULT)
        cells[(row["team_id"], row["tier"])] = HeatCell(
            row["team_id"], row["tier"], row["mean"], row["n"], weighting.band(row["mean"])
        )
    as_of = health_rows(user).order_by("-as_of").values_list("as_of", flat=True).first()
    grid = [
        {"team": (tid, name), "cells": [cells.get((tid, tier)) for tier, _ in Tier.choices]}
        for tid, name in team_list
    ]
    return Heatmap(team_list, list(Tier.choices), cells, as_of, rows=grid)


RISK_SORTS = {
    "stake": ("-stake", "score", "account__name"),
    "score": ("score", "account__name"),
    "risks": ("-risk_count", "score", "account__name"),
    "name": ("account__name",),
    "value": ("-account__annual_value", "account__name"),
    "renewal": ("account__renewal_date", "account__name"),
}


@dataclass(frozen=True, slots=True)
class RiskFilters:
    team: int | None = None
    tier: str = ""
    band: str = ""
    reason: str = ""
    marked_at_risk: bool = False  # only accounts whose status was set to "at risk" by hand
    sort: str = "stake"
    descending: bool = False

    @classmethod
    def from_query(cls, query: Any) -> RiskFilters:
        team = query.get("team", "") or ""
        tier, band = query.get("tier", "") or "", query.get("band", "") or ""
        reason, sort = query.get("reason", "") or "", query.get("sort", "stake") or "stake"
        if team and not str(team).isdigit():
            raise ValueError(f"team must be a team id, not {team!r}")
        if tier and tier not in Tier.values:
            raise ValueError(f"tier must be one of {', '.join(Tier.values)}")
        if band and band not in ("green", "amber", "red"):
            raise ValueError("band must be one of green, amber, red")
        if reason and reason not in REASONS:
            raise ValueError(f"reason must be one of {', '.join(REASONS)}")
        if sort not in RISK_SORTS:
            raise ValueError(f"sort must be one of {', '.join(RISK_SORTS)}")
        return cls(
            team=int(team) if team else None,
            tier=tier,
            band=band,
            reason=reason,
            marked_at_risk=str(query.get("at_risk", "")) in ("1", "true", "True"),
            sort=sort,
            descending=query.get("dir") == "desc",
        )


def at_risk(user: Actor, filters: RiskFilters) -> QuerySet[AccountHealth]:
    """Accounts with a risk reason, an amber or red band or marked at risk by hand, filtered
    and sorted (by what is at stake unless asked otherwise), each with its `risk_weight` and
    `stake`; page it yourself."""
    rows = health_rows(user).filter(Q(risk_count__gt=0) | ATTENTION)
    if filters.team:
        rows = rows.filter(account__team_id=filters.team)
    if filters.tier:
        rows = rows.filter(account__tier=filters.tier)
    if filters.band:
        rows = rows.filter(band=filters.band)
    if filters.reason:
        rows = rows.filter(risk_codes__contains=f",{filters.reason},")
    if filters.marked_at_risk:
        rows = rows.filter(account__status=AccountStatus.AT_RISK)
    rows = rows.annotate(risk_weight=risk_weight_expression()).annotate(stake=stake_expression())
    order = list(RISK_SORTS[filters.sort])
    if filters.descending:
        first = order[0]
        order[0] = first[1:] if first.startswith("-") else f"-{first}"
    return rows.order_by(*order, "pk")


def needs_attention(user: Actor, filters: RiskFilters) -> list[AccountHealth]:
    """The few accounts to act on first: the most at stake among those amber, red or marked
    at risk, at most ATTENTION_LIMIT of them, whatever the list's sort."""
    rows = at_risk(user, filters).filter(ATTENTION).order_by(*RISK_SORTS["stake"], "pk")
    return list(rows[:ATTENTION_LIMIT])


@dataclass(frozen=True, slots=True)
class RiskList:
    """The risk page's two parts, in the order the page and its exports show them."""

    attention: list[AccountHealth]  # picked out, most at stake first
    attention_total: int  # of the accounts amber, red or marked at risk, picked out or not
    also_watch: QuerySet[AccountHealth]  # every other listed account, in the sort asked for


def risk_list(user: Actor, filters: RiskFilters) -> RiskList:
    attention = needs_attention(user, filters)
    rows = at_risk(user, filters)
    return RiskList(
        attention=attention,
        attention_total=rows.filter(ATTENTION).count(),
        also_watch=rows.exclude(pk__in=[h.pk for h in attention]),
    )


def get_account_health(user: Actor, account_id: int) -> AccountHealth | None:
    get_account(user, account_id)  # 404 unless visible
    return AccountHealth.objects.filter(account_id=account_id).first()


# --- customer types and loyalty proposals ---------------------------------------------------


def segment_accounts(user: Actor, definition: SegmentDefinition, *, team: int | None = None) -> Any:
    accounts = (
        accounts_for(user)
        .select_related("team", "health")
        .annotate(nps_value=snapshot_value("nps"))
        .annotate(customer_type=type_annotation())
    )
    if team:
        accounts = accounts.filter(team_id=team)
    return definition.filter(accounts)


def type_counts(user: Actor, *, team: int | None = None) -> dict[str, dict[str, Any]]:
    """Accounts and annual value per customer type × tier (one query)."""
    rows = (
        segment_accounts(user, SegmentDefinition(), team=team)
        .values("customer_type", "tier")
        .annotate(n=Count("pk"), mean_health=Avg("health__score"))
        .order_by()
    )
    result: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in rows:
        result[row["customer_type"]][row["tier"]] = row
    return result


def proposals_for(user: Actor) -> QuerySet[LoyaltyProposal]:
    return scope(LoyaltyProposal.objects.select_related("team", "owner", "created_by"), user)


def get_proposal(user: Actor, pk: int) -> LoyaltyProposal:
    proposal = proposals_for(user).filter(pk=pk).first()
    if proposal is None:
        raise Http404("No such loyalty proposal.")
    return proposal


def component_catalogue() -> list[tuple[str, str, int, str]]:
    return [(c.key, c.label, c.default_weight, c.description) for c in COMPONENTS.values()]
