"""Margins by hand: value − cost to serve − cost entries of the last 12 months; month trend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from rapport.analytics.health.profitability import profitability_for
from rapport.customers.models import CostEntry, CostKind


def _entry(account, days: int, amount: str, kind=CostKind.OTHER, hours=None):
    return CostEntry.objects.create(
        account=account,
        date=timezone.localdate() - dt.timedelta(days=days),
        kind=kind,
        amount=Decimal(amount),
        hours=hours,
    )


def test_annual_margin_and_months_by_hand(world, django_assert_num_queries):
    account = world.account  # value 120,000, cost to serve 30,000
    today = timezone.localdate()
    _entry(account, 0, "500.00", CostKind.SERVICE_HOURS, hours=Decimal("5"))
    _entry(account, 200, "1000.00", CostKind.DISCOUNT)
    _entry(account, 364, "250.00", CostKind.CREDIT)  # first day of the window: in
    _entry(account, 365, "2000.00", CostKind.CREDIT)  # a day too old: out
    _entry(world.other_account, 0, "9999.00")
    with django_assert_num_queries(2):
        p = profitability_for([account], today=today)[account.pk]
    assert p.entries_12m == Decimal("1750.00")
    assert p.margin == Decimal("120000") - Decimal("30000") - Decimal("1750")
    assert p.entries_by_kind == {
        "Credit": Decimal("250.00"),
        "Discount": Decimal("1000.00"),
        "Service hours": Decimal("500.00"),
    }
    assert p.hours_12m == Decimal("5")
    assert round(p.margin_pct or 0, 2) == round(88250 / 120000 * 100, 2)
    assert len(p.months) == 24
    this_month = p.months[-1]
    assert this_month.month == today.replace(day=1)
    assert this_month.value == Decimal("10000.00")
    assert this_month.planned_cost == Decimal("2500.00")
    assert this_month.entries == Decimal("500.00")
    assert this_month.margin == Decimal("7000.00")


def test_no_entries_margin_is_value_minus_cost(world):
    p = profitability_for([world.account], today=timezone.localdate())[world.account.pk]
    assert p.margin == Decimal("90000")
    assert p.entries_12m == 0
    assert all(m.margin == Decimal("7500.00") for m in p.months)
