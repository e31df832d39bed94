"""Pages: an account's SWOT tab and the portfolio's SWOT (optionally one team's)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.analytics.drivers.key_drivers import DRIVER_OUTCOMES
from rapport.analytics.swot.account import account_swot
from rapport.analytics.swot.portfolio import portfolio_swot
from rapport.analytics.swot.rules import RULES, Swot, check_metric
from rapport.customers.selectors import get_account, portfolio_choices

QUADRANT_HEADINGS = (
    ("strength", "Strengths", "What lifts the key metric and scores well."),
    ("weakness", "Weaknesses", "What lowers the key metric or scores badly."),
    ("opportunity", "Opportunities", "Levers, advocates and moments to use."),
    ("threat", "Threats", "Risks to the relationship and its value."),
)


def _context(swot: Swot) -> dict[str, object]:
    return {
        "swot": swot,
        "quadrants": [
            {"key": key, "title": title, "meaning": meaning, "lines": swot.quadrant(key)}
            for key, title, meaning in QUADRANT_HEADINGS
        ],
        "rules": RULES.items(),
        "metrics": [(key, label) for key, (label, _) in DRIVER_OUTCOMES.items()],
    }


def account_swot_page(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account(request.user, account_id)  # 404 before anything is said
    try:
        metric = check_metric(request.GET.get("metric", "nps") or "nps")
    except ValueError as error:
        context = {"account": account, "message": str(error)}
        return render(request, "analytics/invalid.html", context, status=400)
    swot = account_swot(request.user, account, metric=metric)
    return render(request, "analytics/account_swot.html", {"account": account, **_context(swot)})


def portfolio_swot_page(request: HttpRequest) -> HttpResponse:
    team_text = request.GET.get("team", "") or ""
    try:
        if team_text and not team_text.isdigit():
            raise ValueError(f"team must be a team id, not {team_text!r}")
        metric = check_metric(request.GET.get("metric", "nps") or "nps")
    except ValueError as error:
        return render(request, "analytics/health_invalid.html", {"message": str(error)}, status=400)
    swot = portfolio_swot(
        request.user, team_id=int(team_text) if team_text else None, metric=metric
    )
    context = {**_context(swot), "choices": portfolio_choices(request.user)}
    return render(request, "analytics/portfolio_swot.html", context)
