"""Every read of accounts and their relationship data, scoped to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from rapport.core.access import Actor, scope, scope_of
from rapport.core.models import Team
from rapport.customers.models import (
    Account,
    AccountStakeholder,
    Commitment,
    Communication,
    Contact,
    DecisionRole,
    Expectation,
    ExternalParty,
)

DM_SILENCE_DAYS = 90
COMMUNICATIONS_PER_PAGE = 15
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


# --- portfolio filters -----------------------------------------------------------------------


def portfolio_choices(user: Actor) -> dict[str, list[Any]]:
    """Values for the portfolio filters (teams and segments the actor can see)."""
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


def decision_maker_silent(account: Any) -> bool:
    """No decision-maker contact in DM_SILENCE_DAYS (an Account or a portfolio row)."""
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
    communications: Page[Communication]
    dm_silent: bool
    overdue_commitments: int


def account_overview(
    user: Actor, account_id: int, *, communications_page: str | int | None = None
) -> AccountOverview:
    """Everything on the account page but feedback and metrics, in a fixed number of queries;
    communications a page at a time, newest first (every one reachable by paging)."""
    account = get_account(user, account_id)
    contacts = list(account.contacts.all())
    # Keyed by the plural label shown as the column heading, in decision-role order.
    people: dict[str, list[Contact]] = {f"{label}s": [] for label in DecisionRole.labels}
    for contact in contacts:
        people[f"{contact.get_decision_role_display()}s"].append(contact)
    commitments = list(account.commitments.select_related("owner", "expectation"))
    today = timezone.localdate()
    return AccountOverview(
        account=account,
        people=people,
        stakeholders=list(account.stakeholders.select_related("user")),
        external_parties=list(account.external_parties.all()),
        expectations=list(account.expectations.select_related("raised_by")),
        commitments=commitments,
        communications=Paginator(
            account.communications.select_related("logged_by").prefetch_related("contacts"),
            COMMUNICATIONS_PER_PAGE,
        ).get_page(communications_page),
        dm_silent=decision_maker_silent(account),
        overdue_commitments=sum(1 for c in commitments if c.is_overdue(today)),
    )
