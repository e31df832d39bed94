"""Pages that compose several apps: the portfolio (accounts with their figures) and the
account page (customers' records, analytics' trend and figures, feedback with its comment
analysis). Each tab beyond the overview is served by its own app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from rapport.analytics.charts import trend_chart
from rapport.analytics.rollups import selectors as analytics
from rapport.core.access import Capability, scope_of
from rapport.core.exports import table_download
from rapport.core.query import query_choice
from rapport.customers import selectors
from rapport.customers.models import Tier
from rapport.enrichment.public import SENTIMENTS, analyses_for, feedback_matching, theme_choices
from rapport.feedback.public import CHANNELS, SENTIMENT_BANDS, FeedbackFilters
from rapport.workspace import exports
from rapport.workspace import selectors as portfolio_selectors
from rapport.workspace.search import KINDS
from rapport.workspace.search import search as global_search

METRICS_SHOWN = ("nps", "csat")
SEARCH_PREVIEW = 5  # hits of each kind on the grouped results
SEARCH_PAGE_SIZE = 20  # hits a page when one kind is paged through


def portfolio(request: HttpRequest) -> HttpResponse:
    filters = portfolio_selectors.portfolio_filters_from(request.GET)
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
        "export_query": _without_page(request),
    }
    return render(request, "workspace/portfolio.html", context)


def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    overview = selectors.account_overview(
        request.user, account_id, communications_page=request.GET.get("communications_page")
    )
    metric = query_choice(request.GET, "metric", ("nps", "csat", "ces"), "csat")
    asked = query_choice(request.GET, "period", ("", *analytics.TREND_PERIODS), "")
    series = analytics.trend_series(request.user, account_id=account_id, metric=metric)
    judged_by = analytics.period_with_enough(series)
    # By month unless too few months can be judged and quarters can: then by quarter unasked.
    period = asked or ("quarter" if judged_by == "quarter" else "month")
    points = series[period]
    periods = analytics.TREND_PERIODS
    too_short = judged_by is None or periods.index(period) < periods.index(judged_by)
    snapshots = analytics.snapshots_for([account_id], ("nps", "csat", "ces"))
    actor_scope = scope_of(request.user)
    context = {
        "o": overview,
        "account": overview.account,
        "metric": metric,
        "period": period,
        "period_asked": bool(asked),
        "judged_by": judged_by,
        "too_short": too_short,
        "chart": trend_chart(points, metric=metric, period=period),
        "points": points[-12:],
        "snapshots": {m: snapshots.get((account_id, m)) for m in ("nps", "csat", "ces")},
        "can_edit": actor_scope.can(Capability.EDIT_RELATIONSHIP, overview.account.team_id),
        "can_edit_account": actor_scope.can(Capability.EDIT_ACCOUNTS, overview.account.team_id),
        "min_n": settings.RAPPORT_MIN_N,
        "today": timezone.localdate(),
        **_feedback_context(request, overview.account),
    }
    return render(request, "workspace/account_detail.html", context)


FEEDBACK_PAGE_SIZE = 20


def _feedback_context(request: HttpRequest, account: Any) -> dict[str, Any]:
    """The account's feedback list as the query asks (filters and page): the account page
    and its HTMX partial render the same list from the same URL query."""
    filters = FeedbackFilters.from_query(request.GET)
    rows = feedback_matching(account, filters)
    page = Paginator(rows, FEEDBACK_PAGE_SIZE).get_page(request.GET.get("page"))
    analyses = analyses_for([r.pk for r in page])  # sentiment and themes, two queries
    can_label = scope_of(request.user).can(Capability.LABEL_COMMENTS, account.team_id)
    for response in page:
        response.text_analysis = analyses.get(response.pk)  # type: ignore[attr-defined]
    query = filters.to_query()
    can_label = scope_of(request.user).can(Capability.LABEL_COMMENTS, account.team_id)
    return {
        # Who may label comments may correct a sentiment here (enrichment's label service).
        "sentiment_choices": SENTIMENTS if can_label else (),
        "page_obj": page,
        "filters": filters,
        "feedback_query": query,
        "page_query": f"{query}&page=" if query else "page=",
        "channels": CHANNELS,
        "themes": theme_choices(),
        "sentiments": SENTIMENT_BANDS,
    }


def account_feedback(request: HttpRequest, account_id: int) -> HttpResponse:
    """HTMX partial: the account's feedback with filters and paging. The address bar shows the
    account page with the same query, so Back and shared links give the same list."""
    account = selectors.get_account(request.user, account_id)
    context = {"account": account, **_feedback_context(request, account)}
    response = render(request, "workspace/_feedback.html", context)
    if request.headers.get("HX-Request"):
        page = request.GET.get("page", "")
        query = context["feedback_query"] + (f"&page={page}" if page.isdigit() else "")
        url = reverse("customers:account", args=[account_id])
        response["HX-Push-Url"] = f"{url}?{query.lstrip('&')}" if query else url
    return response


def search(request: HttpRequest) -> HttpResponse:
    """Results of the top bar's search, grouped by kind; `?kind=` pages through one kind."""
    only = request.GET.get("kind", "")
    terms, results = global_search(
        request.user,
        request.GET.get("q", ""),
        only=only or None,
        page=request.GET.get("page"),
        per_page=SEARCH_PAGE_SIZE if only else SEARCH_PREVIEW,
    )
    return render(
        request,
        "workspace/search.html",
        {
            "terms": terms,
            "results": results,
            "only": only,
            "kinds": KINDS,
            "found_any": any(r.count for r in results),
        },
    )


def _without_page(request: HttpRequest) -> str:
    """The request's query string less its page: what an export of the same list is given."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def portfolio_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The portfolio with the page's filters and order, as CSV or XLSX."""
    filters = portfolio_selectors.portfolio_filters_from(request.GET)
    rows = exports.portfolio_export_rows(request.user, filters)
    return table_download(fmt, "portfolio", exports.PORTFOLIO_COLUMNS, rows)


def account_feedback_export(request: HttpRequest, account_id: int, fmt: str) -> HttpResponseBase:
    """An account's feedback with the partial's filters (read by the same function)."""
    account = selectors.get_account(request.user, account_id)  # 404 for another team's
    rows = exports.feedback_export_rows(account, FeedbackFilters.from_query(request.GET))
    return table_download(fmt, f"feedback-account-{account.pk}", exports.FEEDBACK_COLUMNS, rows)
