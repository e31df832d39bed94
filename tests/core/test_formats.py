"""One way to write an interval, a signed figure and an amount, on every page (issue 11,
item 2; decision 67)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template import Context, Template

from rapport.analytics.swot.rules import Figure
from rapport.analytics.variance.channels import Effect
from rapport.core import formats
from rapport.customers.models import CostEntry
from rapport.stats.metrics import MetricValue


@pytest.mark.parametrize(
    ("low", "high", "decimals", "signed", "text"),
    [
        (62.44, 85.06, 1, False, "62.4 to 85.1"),
        (-16.6, 14.5, 1, True, "−16.6 to +14.5"),
        (-5.5, 30.6, 1, False, "−5.5 to 30.6"),
        (-0.04, 0.04, 1, True, "0.0 to 0.0"),  # never "−0.0" or "+0.0"
    ],
)
def test_an_interval_is_written_low_to_high_with_a_true_minus(low, high, decimals, signed, text):
    assert formats.interval(low, high, decimals, signed=signed) == text


def test_money_has_its_currency_and_separators():
    assert formats.money(Decimal("1250000.4"), "GBP") == "GBP 1,250,000"
    assert formats.money(-2500, "EUR") == "EUR −2,500"


def render(source: str, **context) -> str:
    return Template("{% load rapport analytics_format %}" + source).render(Context(context))


def test_every_interval_formatter_writes_the_one_format():
    """The metric tag, the analytics page's effect and interval filters, the interval tag and
    SWOT's figures: all "(low to high)", none with brackets, dashes or commas."""
    value = MetricValue("nps", 45, 12.0, -5.5, 30.6, True)
    effect = Effect(value=-1.2, low=-16.6, high=14.5, shown=-1.2)
    written = [
        render("{% metric v %}", v=value),
        render("{{ e|effect }}", e=effect),
        render('{{ v|interval:"1" }}', v=value),
        render("{% ci low high 1 signed=True %}", low=-2.0, high=3.0),
        Figure(12.0, -5.5, 30.6, unit="NPS").text,
    ]
    ends = [re.search(r"\(([^()]*)\)", text).group(1) for text in written]
    assert ends == ["−6 to 31", "−16.6 to +14.5", "−5.5 to 30.6", "−2.0 to +3.0", "−6 to 31"]
    assert not any(mark in text for text in written for mark in ("[", "–", ", "))


def test_the_account_page_shows_its_currency_with_every_amount(world, user_client):
    account = world.account
    account.currency, account.annual_value, account.cost_to_serve = "EUR", 1250000, 300000
    account.save()
    body = user_client.get(f"/accounts/{account.pk}/").content.decode()
    assert "EUR 1,250,000" in body
    assert "cost to serve EUR 300,000" in body


def test_the_health_page_shows_the_currency_with_every_amount(world, user_client):
    account = world.account
    account.currency, account.annual_value, account.cost_to_serve = "EUR", 1200000, 120000
    account.save()
    CostEntry.objects.create(
        account=account, date=account.created_at.date(), kind="credit", amount=Decimal("2500.5"),
        currency="EUR",
    )  # fmt: skip
    body = user_client.get(f"/accounts/{account.pk}/health/").content.decode()
    profit = body[body.index('id="profitability"') :]
    for amount in ("EUR 1,200,000", "EUR 120,000", "EUR 2,500", "Credit EUR 2,500"):
        assert amount in profit, amount
    bare = re.findall(r'<div class="big[^"]*">([^<]*)</div>', profit)
    assert bare
    assert all(text.startswith("EUR ") for text in bare), bare


def test_the_portfolio_shows_the_currency_with_each_value(world, user_client):
    world.account.currency, world.account.annual_value = "USD", 987654
    world.account.save()
    assert "USD 987,654" in user_client.get("/").content.decode()
