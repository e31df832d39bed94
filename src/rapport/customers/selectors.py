"""Every read of accounts and their relationship data, scoped to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from rapport.core.access import Actor, scope
from rapport.customers.models import (
    Account,
    AccountStakeholder,
    Commitment,
    CommitmentStatus,
    Communication,
    Contact,
    DecisionRole,
    Expectation,
    ExternalParty,
)

DM_SILENCE_DAYS = 90
RELATED_MODELS: dict[str, type[Any]] = {
    "contacts": Contact,
    "stakeholders": AccountStakeholder,
    "external-parties": ExternalParty,
    "expectations": Expectation,
    "commitments": Commitment,
    "communications": Communication,
}


def accounts_for(user: Actor) -> QuerySet[Account]:
    return scope(Account.objects.all(), user)


def get_account(user: Actor, account_id: int) -> Account:
    """The account if the actor may see it; otherwise 404 (never reveal it exists)."""
    account = accounts_for(user).select_related("team", "owner").filter(pk=account_id).first()
    if account is None:
        raise Http404("No such account.")
    return account


def related_for(user: Actor, model: type[Any], *, account_id: int | None = None) -> QuerySet[Any]:
    """Contacts, commitments, … of the accounts the actor may see."""
    queryset = scope(model.objects.select_related("account"), user, team_field="account__team")
    if account_id is not None:
        queryset = queryset.filter(account_id=account_id)
    return queryset


def get_related(user: Actor, model: type[Any], pk: int) -> Any:
    instance = related_for(user, model).filter(pk=pk).first()
    if instance is None:
        raise Http404(f"No such {model._meta.verbose_name}.")
    return instance


# --- portfolio ------------------------------------------------------------------------------

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
    q: str = ""
    team: int | None = None
    tier: str = ""
    segment: str = ""
    silent_decision_makers: bool = False
    sort: str = "name"
    descending: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _sort_annotation(name: str, today: date) -> Any:
    """A computed column the portfolio may sort on."""
    from rapport.analytics.public import snapshot_value

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


def portfolio_choices(user: Actor) -> dict[str, list[Any]]:
    """Values for the portfolio filters (teams and segments the actor can see)."""
    from rapport.core.access import scope_of
    from rapport.core.models import Team

    actor_scope = scope_of(user)
    teams = (
        Team.objects.all()
        if actor_scope.all_teams
        else Team.objects.filter(pk__in=actor_scope.team_ids)
    )
    segments = (
        accounts_for(user)
        .exclude(segment="")
        .order_by("segment")
        .values_list("segment", flat=True)
        .distinct()
    )
    return {"teams": list(teams.values_list("pk", "name")), "segments": list(segments)}


def decision_maker_silent(account: Account | PortfolioRow) -> bool:
    last = account.last_decision_maker_contact_at
    return last is None or last < timezone.now() - timedelta(days=DM_SILENCE_DAYS)


# --- one account ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountOverview:
    account: Account
    people: dict[str, list[Contact]]
    stakeholders: list[AccountStakeholder]
    external_parties: list[ExternalParty]
    expectations: list[Expectation]
    commitments: list[Commitment]
    communications: list[Communication]
    dm_silent: bool
    overdue_commitments: int


def account_overview(user: Actor, account_id: int, *, communications: int = 15) -> AccountOverview:
    """Everything on the account page but feedback and metrics, in a fixed number of queries."""
    account = get_account(user, account_id)
    contacts = list(account.contacts.all())
    # Keyed by the plural label shown as the column heading, in decision-role order.
    people: dict[str, list[Contact]] = {f"{label}s": [] for label in DecisionRole.labels}
    for contact in contacts:
        people[f"{contact.get_decision_role_display()}s"].append(contact)
    commitments = list(account.commitments.select_related("owner"))
    today = timezone.localdate()
    return AccountOverview(
        account=account,
        people=people,
        stakeholders=list(account.stakeholders.select_related("user")),
        external_parties=list(account.external_parties.all()),
        expectations=list(account.expectations.select_related("raised_by")),
        commitments=commitments,
        communications=list(
            account.communications.select_related("logged_by").prefetch_related("contacts")[
                :communications
            ]
        ),
        dm_silent=decision_maker_silent(account),
        overdue_commitments=sum(
            1 for c in commitments if c.status == CommitmentStatus.OPEN and c.due_date < today
        ),
    )
