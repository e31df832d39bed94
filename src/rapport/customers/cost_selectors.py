"""Reads of cost entries, scoped to the accounts the actor may see."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from rapport.core.access import Actor, scope
from rapport.customers.models import CostEntry


def cost_entries_for(
    user: Actor,
    *,
    account_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    kind: str = "",
) -> QuerySet[CostEntry]:
    entries = scope(
        CostEntry.objects.select_related("account", "created_by"), user, team_field="account__team"
    )
    if account_id is not None:
        entries = entries.filter(account_id=account_id)
    if start:
        entries = entries.filter(date__gte=start)
    if end:
        entries = entries.filter(date__lte=end)
    if kind:
        entries = entries.filter(kind=kind)
    return entries.order_by("-date", "-pk")


def get_cost_entry(user: Actor, pk: int) -> CostEntry:
    entry = cost_entries_for(user).filter(pk=pk).first()
    if entry is None:
        raise Http404("No such cost entry.")
    return entry
