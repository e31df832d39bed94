"""Writes of cost entries: access checked, validated, audited, and the account's health
rescored (a margin figure is part of what the account page shows next to it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from rapport.core.access import Actor, Capability, require
from rapport.core.services import create_audited, delete_audited, update_audited
from rapport.customers.models import Account, CostEntry

EDITABLE = ("date", "kind", "amount", "currency", "hours", "note")


def _fields(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    return dict(data)


@transaction.atomic
def create_cost_entry(
    *, actor: Actor, account: Account, fields: Mapping[str, Any], via: str = "web"
) -> CostEntry:
    require(actor, Capability.EDIT_ACCOUNTS, account.team_id)
    data = {"currency": account.currency, **_fields(fields)}
    return create_audited(
        actor=actor,
        model=CostEntry,
        fields={
            **data,
            "account": account,
            "created_by": actor if actor.is_authenticated else None,
        },
        team_id=account.team_id,
        via=via,
    )


@transaction.atomic
def update_cost_entry(
    *, actor: Actor, entry: CostEntry, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    require(actor, Capability.EDIT_ACCOUNTS, entry.account.team_id)
    return update_audited(
        actor=actor,
        instance=entry,
        changes=_fields(changes),
        team_id=entry.account.team_id,
        via=via,
    )


@transaction.atomic
def delete_cost_entry(*, actor: Actor, entry: CostEntry, via: str = "web") -> None:
    require(actor, Capability.EDIT_ACCOUNTS, entry.account.team_id)
    delete_audited(actor=actor, instance=entry, team_id=entry.account.team_id, via=via)
