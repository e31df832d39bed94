"""Pages that compose several apps: the portfolio (accounts with their figures) and the
account page (customers' records, analytics' trend and figures, feedback with its comment
analysis). Each tab beyond the overview is served by its own app."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from rapport.analytics.charts import trend_chart
from rapport.analytics.rollups import selectors as analytics
from rapport.core.access import Capability, scope_of
from rapport.core.query import query_choice
from rapport.customers import selectors
from rapport.customers.models import Tier
from rapport.enrichment.public import analyses_for
from rapport.feedback.public import CHANNELS, FeedbackFilters, responses_for_account
from rapport.workspace import selectors as portfolio_selectors

METRICS_SHOWN = ("nps", "csat")


def _filters(request: HttpRequest) -> portfolio_selectors.PortfolioFilters:
    team = request.GET.get("team", "")
    return portfolio_selectors.PortfolioFilters(
        q=request.GET.get("q", "").strip(),
        team=int(team) if team.isdigit() else None,
        tier=query_choice(request, "tier", {"", *Tier.values}, ""),
        segment=request.GET.get("segment", ""),
        silent_decision_makers=request.GET.get("silent") == "1",
        sort=query_choice(request, "sort", portfolio_selectors.PORTFOLIO_SORTS, "name"),
        descending=query_choice(request, "dir", ("asc", "desc"), "asc") == "desc",
    )


def portfolio(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    ordered_ids = portfolio_selectors.portfolio(request.user, filters).values_list("pk", flat=True)
    page = Paginator(ordered_ids, settings.RAPPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    accounts = portfolio_selectors.portfolio_rows(request.user, list(page.object_list))
    snapshots = analytics.snapshots_for([a.pk for a in accounts], METRICS_SHOWN)
    rows = [
        {
            "account": a,
            "nps": snapshots.get((a.pk, "nps")),
            "csat": snapshots.get((a.pk, "csat")),
            "dm_silent": selectors.decision_maker_silent(a),
        }
        for a in accounts
    ]
    context = {
        "page_obj": page,
        "rows": rows,
        "filters": filters,
        "choices": selectors.portfolio_choices(request.user),
        "tiers": Tier.choices,
        "silence_days": selectors.DM_SILENCE_DAYS,
        "can_create": scope_of(request.user).can(Capability.EDIT_ACCOUNTS, None),
    }
    return render(request, "workspace/portfolio.html", context)


def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    overview = selectors.account_overview(
        request.user, account_id, communications_page=request.GET.get("communications_page")
    )
    metric = query_choice(request, "metric", ("nps", "csat", "ces"), "csat")
    period = query_choice(request, "period", ("week", "month"), "month")
    points = analytics.metric_series(
        request.user, scope_kind="account", scope_id=account_id, metric=metric, period=period
    )
    snapshots = analytics.snapshots_for([account_id], ("nps", "csat", "ces"))
    actor_scope = scope_of(request.user)
    context = {
        "o": overview,
        "account": overview.account,
        "metric": metric,
        "period": period,
        "chart": trend_chart(points, metric=metric),
        "points": points[-12:],
        "snapshots": {m: snapshots.get((account_id, m)) for m in ("nps", "csat", "ces")},
        "can_edit": actor_scope.can(Capability.EDIT_RELATIONSHIP, overview.account.team_id),
        "can_edit_account": actor_scope.can(Capability.EDIT_ACCOUNTS, overview.account.team_id),
        "min_n": settings.RAPPORT_MIN_N,
        "today": timezone.localdate(),
    }
    return render(request, "workspace/account_detail.html", context)


def account_feedback(request: HttpRequest, account_id: int) -> HttpResponse:
    """HTMX partial: the account's feedback with filters and paging."""
    account = selectors.get_account(request.user, account_id)
    filters = FeedbackFilters.from_query(request.GET)
    paginator = Paginator(responses_for_account(account, filters), 20)
    page = paginator.get_page(request.GET.get("page"))
    analyses = analyses_for([r.pk for r in page])  # sentiment and themes, two queries
    for response in page:
        response.text_analysis = analyses.get(response.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "workspace/_feedback.html",
        {
            "account": account,
            "page_obj": page,
            "filters": filters,
            "hx_target": "#feedback",
            "channels": CHANNELS,
        },
    )
