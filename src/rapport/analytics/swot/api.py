"""/api/v1/ SWOT: the same lines as the account's SWOT tab and the portfolio's SWOT page."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from rapport.analytics.swot.account import account_swot
from rapport.analytics.swot.portfolio import portfolio_swot
from rapport.analytics.swot.rules import QUADRANTS, Swot, SwotLine
from rapport.customers.selectors import get_account

router = Router(tags=["swot"])


class FigureOut(Schema):
    value: float
    low: float | None = Field(description="95 % interval; null for counts and records")
    high: float | None
    unit: str
    text: str = Field(description="as shown on the page")


class LineOut(Schema):
    source: str = Field(description="driver, theme, health, loyalty, contact, renewal, risk, …")
    key: str
    title: str
    text: str
    rule: str
    rule_text: str
    link: str = Field(description="the page section the figure comes from")
    figure: FigureOut | None
    n: int | None
    facts: list[str]


class SwotOut(Schema):
    scope: str
    label: str
    account_id: int | None
    team_id: int | None
    metric: str
    start: date = Field(description="first day of the responses read for drivers and themes")
    end: date
    min_n: int = Field(description="below it nothing is a strength or weakness")
    notes: list[str]
    strengths: list[LineOut]
    weaknesses: list[LineOut]
    opportunities: list[LineOut]
    threats: list[LineOut]
    examined: list[LineOut] = Field(description="looked at, not classified, and why")


def _line(line: SwotLine) -> dict[str, Any]:
    figure = line.figure
    return {
        "source": line.source,
        "key": line.key,
        "title": line.title,
        "text": line.text,
        "rule": line.rule,
        "rule_text": line.rule_text,
        "link": line.link,
        "figure": None
        if figure is None
        else {
            "value": figure.value,
            "low": figure.low,
            "high": figure.high,
            "unit": figure.unit,
            "text": figure.text,
        },
        "n": line.n,
        "facts": list(line.facts),
    }


def _swot(swot: Swot) -> dict[str, Any]:
    plural = {"strength": "strengths", "weakness": "weaknesses", "opportunity": "opportunities",
              "threat": "threats"}  # fmt: skip
    return {
        "scope": swot.scope,
        "label": swot.label,
        "account_id": swot.account_id,
        "team_id": swot.team_id,
        "metric": swot.metric,
        "start": swot.start,
        "end": swot.end,
        "min_n": swot.min_n,
        "notes": list(swot.notes),
        **{plural[q]: [_line(x) for x in swot.quadrant(q)] for q in QUADRANTS},
        "examined": [_line(x) for x in swot.examined],
    }


@router.get("/accounts/{account_id}/swot", response=SwotOut)
def account_swot_api(
    request: HttpRequest,
    account_id: int,
    metric: str = Query("nps", description="the key metric: nps (0–10 answer) or csat"),
) -> Any:
    """Strengths, weaknesses, opportunities and threats of an account, each with its figure,
    n, 95 % interval, rule and source."""
    account = get_account(request.user, account_id)
    try:
        return _swot(account_swot(request.user, account, metric=metric))
    except ValueError as error:
        raise HttpError(400, str(error)) from None


@router.get("/portfolio/swot", response=SwotOut)
def portfolio_swot_api(
    request: HttpRequest,
    team: int | None = Query(None, description="one of your teams; all you can see if absent"),
    metric: str = Query("nps", description="the key metric: nps (0–10 answer) or csat"),
) -> Any:
    """The SWOT of the accounts the caller may see, or of one of their teams (another team:
    404)."""
    try:
        return _swot(portfolio_swot(request.user, team_id=team, metric=metric))
    except ValueError as error:
        raise HttpError(400, str(error)) from None
