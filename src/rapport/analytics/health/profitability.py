"""Profitability of an account: value minus planned cost to serve minus dated cost entries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from rapport.customers.models import Account, CostEntry, CostKind

TREND_MONTHS = 24
TWELVE = Decimal(12)


@dataclass(frozen=True, slots=True)
class MonthMargin:
    month: date
    value: Decimal  # annual value / 12
    planned_cost: Decimal  # cost to serve / 12
    entries: Decimal  # cost entries dated in the month
    margin: Decimal


@dataclass(frozen=True, slots=True)
class Profitability:
    account_id: int
    currency: str
    annual_value: Decimal
    cost_to_serve: Decimal
    entries_12m: Decimal
    entries_by_kind: dict[str, Decimal]  # last 12 months, by kind label
    hours_12m: Decimal
    margin: Decimal  # annual value − cost to serve − last 12 months' entries
    months: tuple[MonthMargin, ...]
    start: date  # first day of the 12-month window (entries dated after today − 365 days)

    @property
    def margin_pct(self) -> float | None:
        if not self.annual_value:
            return None
        return float(self.margin / self.annual_value * 100)


def _month_starts(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    months = [first]
    for _ in range(count - 1):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return months[::-1]


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def profitability_for(
    accounts: Iterable[Account], *, today: date, months: int = TREND_MONTHS
) -> dict[int, Profitability]:
    """Margins of the accounts given (already scoped by the caller): two queries in all.

    The 12-month window is the 365 days ending today; the monthly trend spreads value and
    planned cost evenly over months and puts each entry in the month it is dated.
    """
    accounts = list(accounts)
    ids = [a.pk for a in accounts]
    start = today - timedelta(days=364)
    month_starts = _month_starts(today, months)
    window = (
        CostEntry.objects.filter(account_id__in=ids, date__gte=start, date__lte=today)
        .values("account_id", "kind")
        .annotate(amount=Sum("amount"), hours=Sum("hours"))
        .order_by()
    )
    by_kind: dict[int, dict[str, Decimal]] = defaultdict(dict)
    hours: dict[int, Decimal] = defaultdict(Decimal)
    labels = dict(CostKind.choices)
    for row in window:
        by_kind[row["account_id"]][labels[row["kind"]]] = row["amount"] or Decimal(0)
        hours[row["account_id"]] += row["hours"] or Decimal(0)
    monthly = (
        CostEntry.objects.filter(account_id__in=ids, date__gte=month_starts[0], date__lte=today)
        .annotate(month=TruncMonth("date"))
        .values("account_id", "month")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    per_month: dict[tuple[int, date], Decimal] = {}
    for rec in monthly:
        month = rec["month"]
        month = month.date() if hasattr(month, "date") else month
        per_month[(rec["account_id"], month)] = rec["amount"] or Decimal(0)
    result = {}
    for account in accounts:
        value, planned = Decimal(account.annual_value), Decimal(account.cost_to_serve)
        entries = sum(by_kind[account.pk].values(), Decimal(0))
        trend = tuple(
            MonthMargin(
                month=m,
                value=_money(value / TWELVE),
                planned_cost=_money(planned / TWELVE),
                entries=per_month.get((account.pk, m), Decimal(0)),
                margin=_money(value / TWELVE - planned / TWELVE)
                - per_month.get((account.pk, m), Decimal(0)),
            )
            for m in month_starts
        )
        result[account.pk] = Profitability(
            account_id=account.pk,
            currency=account.currency,
            annual_value=value,
            cost_to_serve=planned,
            entries_12m=entries,
            entries_by_kind=dict(sorted(by_kind[account.pk].items())),
            hours_12m=hours[account.pk],
            margin=value - planned - entries,
            months=trend,
            start=start,
        )
    return result
