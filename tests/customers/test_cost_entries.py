"""Cost entries: audited writes, validation in words, access by team and capability."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from rapport.core.models import AuditEvent, Role
from rapport.customers import cost_selectors, cost_services
from rapport.customers.models import CostKind
from tests.factories import MembershipFactory, UserFactory

FIELDS = {"date": dt.date(2026, 1, 15), "kind": CostKind.DISCOUNT, "amount": Decimal("1200.00")}


def test_create_update_delete_are_audited(world):
    entry = cost_services.create_cost_entry(actor=world.user, account=world.account, fields=FIELDS)
    assert entry.currency == "GBP"
    assert entry.created_by == world.user
    changed = cost_services.update_cost_entry(
        actor=world.user, entry=entry, changes={"amount": Decimal("900.00"), "note": "agreed"}
    )
    assert changed == ["amount", "note"]
    cost_services.delete_cost_entry(actor=world.user, entry=entry)
    actions = list(
        AuditEvent.objects.filter(object_type="customers.costentry")
        .order_by("pk")
        .values_list("action", "team_id")
    )
    assert actions == [("create", world.team.pk), ("update", world.team.pk),
                       ("delete", world.team.pk)]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({**FIELDS, "amount": Decimal("-1")}, "__all__", "amount"),
        ({**FIELDS, "kind": CostKind.SERVICE_HOURS}, "hours", "Give the hours"),
        ({**FIELDS, "currency": "EUR"}, "currency", "account's currency (GBP)"),
        ({**FIELDS, "kind": "bribe"}, "kind", "not a valid choice"),
    ],
)
def test_bad_input_is_a_clear_error(world, fields, field, message):
    with pytest.raises(ValidationError) as error:
        cost_services.create_cost_entry(actor=world.user, account=world.account, fields=fields)
    text = " ".join(" ".join(v) for v in error.value.message_dict.values())
    assert message in text


def test_unknown_field_is_refused(world):
    with pytest.raises(ValueError, match="unknown fields: account"):
        cost_services.create_cost_entry(
            actor=world.user, account=world.account, fields={**FIELDS, "account": 3}
        )


def test_role_without_capability_is_refused(world):
    analyst = UserFactory(username="ana")
    MembershipFactory(user=analyst, team=world.team, role=Role.ANALYST)
    with pytest.raises(PermissionDenied):
        cost_services.create_cost_entry(actor=analyst, account=world.account, fields=FIELDS)


def test_other_team_cannot_see_or_write(world):
    entry = cost_services.create_cost_entry(actor=world.user, account=world.account, fields=FIELDS)
    assert list(cost_selectors.cost_entries_for(world.other_user)) == []
    with pytest.raises(Http404):
        cost_selectors.get_cost_entry(world.other_user, entry.pk)
    with pytest.raises(PermissionDenied):
        cost_services.delete_cost_entry(actor=world.other_user, entry=entry)
