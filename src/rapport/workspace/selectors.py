"""The portfolio's reads: accounts (customers) with their figures (analytics snapshots).

Composed here, above the domain apps, because it sorts accounts by their analytics figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from rapport.analytics.public import snapshot_value
from rapport.core.access import Actor
from rapport.core.query import query_choice
from rapport.customers.models import Account, AccountStatus, Commitment, CommitmentStatus, Tier
from rapport.customers.selectors import DM_SILENCE_DAYS, accounts_for

PORTFOLIO_SORTS = {
    "name": ("name",),
    "tier": ("tier", "name"),
    "value": ("-annual_value", "name"),
    "renewal": ("renewal_date", "name"),
    "last_contact": ("last_contact_at", "name"),
    "nps": ("nps_value", "name"),
    "csat": ("csat_value", "name"),
    "overdue": ("-overdue_commitments", "name"),
}


@dataclass(frozen=True)
class PortfolioFilters:
    """What the portfolio page and its exports show; `portfolio_filters_from` reads them."""

    q: str = ""
    team: int | None = None
    tier: str = ""
    segment: str = ""
    silent_decision_makers: bool = False
    marked_at_risk: bool = False  # only accounts whose status was set to "at risk" by hand
    sort: str = "name"
    descending: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def portfolio_filters_from(query: Any) -> PortfolioFilters:
    """The portfolio's filters from a query string (the page and its exports share them)."""
    team = query.get("team", "")
    return PortfolioFilters(
        q=query.get("q", "").strip(),
        team=int(team) if team.isdigit() else None,
        tier=query_choice(query, "tier", {"", *Tier.values}, ""),
        segment=query.get("segment", ""),
        silent_decision_makers=query.get("silent") == "1",
        marked_at_risk=query.get("at_risk") == "1",
        sort=query_choice(query, "sort", PORTFOLIO_SORTS, "name"),
        descending=query_choice(query, "dir", ("asc", "desc"), "asc") == "desc",
    )


def _sort_annotation(name: str, today: date) -> Any:
    """A computed column the portfolio may sort on."""
    if name in ("nps_value", "csat_value"):
        return snapshot_value(name.removesuffix("_value"))
    overdue = (
        Commitment.objects.filter(
            account=OuterRef("pk"), status=CommitmentStatus.OPEN, due_date__lt=today
        )
        .order_by()
        .values("account")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return Coalesce(Subquery(overdue, output_field=IntegerField()), 0)


SORT_ANNOTATIONS = ("nps_value", "csat_value", "overdue_commitments")


def portfolio(user: Actor, filters: PortfolioFilters) -> QuerySet[Account]:
    """The ids of the portfolio's accounts, filtered and in the order asked for.

    Only the sort key is computed here: a deep page of OFFSET pagination would otherwise
    evaluate every column's subquery for all the rows it skips. `portfolio_rows` fetches the
    figures for the one page shown. Metric figures come from AccountSnapshot, never from raw
    responses.
    """
    silence_cut = timezone.now() - timedelta(days=DM_SILENCE_DAYS)
    queryset = accounts_for(user)
    if filters.q:
        queryset = queryset.filter(Q(name__icontains=filters.q) | Q(external_id=filters.q))
    if filters.team:
        queryset = queryset.filter(team_id=filters.team)
    if filters.tier:
        queryset = queryset.filter(tier=filters.tier)
    if filters.segment:
        queryset = queryset.filter(segment=filters.segment)
    if filters.silent_decision_makers:
        queryset = queryset.filter(
            Q(last_decision_maker_contact_at__isnull=True)
            | Q(last_decision_maker_contact_at__lt=silence_cut)
        )
    if filters.marked_at_risk:
        queryset = queryset.filter(status=AccountStatus.AT_RISK)
    order = PORTFOLIO_SORTS.get(filters.sort, PORTFOLIO_SORTS["name"])
    key = order[0].lstrip("-")
    if key in SORT_ANNOTATIONS:
        queryset = queryset.annotate(**{key: _sort_annotation(key, timezone.localdate())})
    if filters.descending:
        order = tuple(o[1:] if o.startswith("-") else f"-{o}" for o in order[:1]) + order[1:]
    return queryset.order_by(*order, "pk")


class PortfolioRow(NamedTuple):
    """One account of a portfolio page: read-only, so plain values rather than a model."""

    pk: int
    name: str
    segment: str
    team_name: str
    tier: str
    status: str
    currency: str
    annual_value: Decimal
    renewal_date: date | None
    last_contact_at: datetime | None
    last_decision_maker_contact_at: datetime | None
    open_commitments: int
    overdue_commitments: int


_PORTFOLIO_COLUMNS = (
    "pk",
    "name",
    "segment",
    "team__name",
    "tier",
    "status",
    "currency",
    "annual_value",
    "renewal_date",
    "last_contact_at",
    "last_decision_maker_contact_at",
)


def portfolio_rows(user: Actor, account_ids: list[int]) -> list[PortfolioRow]:
    """The accounts of one portfolio page, in the given order, with what the table shows.

    Two queries: the accounts as value tuples (no model instances or annotation subqueries
    to build for a read-only table), then their open and overdue commitments counted together.
    """
    accounts = accounts_for(user).filter(pk__in=account_ids).values_list(*_PORTFOLIO_COLUMNS)
    by_id = {values[0]: values for values in accounts}
    commitments = (
        Commitment.objects.filter(account_id__in=list(by_id), status=CommitmentStatus.OPEN)
        .order_by()
        .values("account_id")
        .annotate(
            open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=timezone.localdate()))
        )
        .values_list("account_id", "open", "overdue")
    )
    counts = {account_id: (open_, overdue) for account_id, open_, overdue in commitments}
    return [
        PortfolioRow._make((*by_id[pk], *counts.get(pk, (0, 0))))
        for pk in account_ids
        if pk in by_id
    ]
