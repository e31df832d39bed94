"""The account analytics page and the form that agrees a control chart baseline."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.analytics import account_analytics, charts
from rapport.analytics.account_analytics import PAGE_CHART_METRICS, PageOptions
from rapport.analytics.control import services
from rapport.analytics.control.charts import RULE_NAMES, RULE_PRESETS
from rapport.customers.selectors import get_account
from rapport.enrichment.public import MIN_MENTIONS


def account_page(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account(request.user, account_id)  # 404 before anything is said
    try:
        options = PageOptions.from_query(request.GET)
    except ValueError as error:
        context = {"account": account, "message": str(error)}
        return render(request, "analytics/invalid.html", context, status=400)
    page = account_analytics.account_analytics(request.user, account, options)
    context = {
        "account": account,
        "page": page,
        "options": options,
        "charts": [
            {
                "chart": chart,
                "svg": charts.control_chart_svg(chart),
                "episodes": page.episodes.get(chart.metric.key, ()),
            }
            for chart in page.charts
        ],
        "waterfall": charts.waterfall_svg(page.variance),
        "drivers_chart": charts.drivers_svg(page.drivers),
        "rule_names": RULE_NAMES.items(),
        "presets": [(key, label) for key, (label, _) in RULE_PRESETS.items()],
        "min_n": settings.RAPPORT_MIN_N,
        "min_mentions": MIN_MENTIONS,
    }
    return render(request, "analytics/account_analytics.html", context)


class BaselineForm(forms.Form):
    metric = forms.ChoiceField(choices=[(m, m) for m in PAGE_CHART_METRICS])
    subgroup = forms.ChoiceField(choices=[("week", "week"), ("month", "month")])
    start = forms.DateField()
    end = forms.DateField()


@require_POST
def set_baseline(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account(request.user, account_id)
    form = BaselineForm(request.POST)
    back = reverse("analytics:account", args=[account.pk])
    if not form.is_valid():
        messages.error(request, "Give a metric and both baseline dates (YYYY-MM-DD).")
        return redirect(back)
    data = form.cleaned_data
    try:
        services.set_control_baseline(
            actor=request.user,
            account=account,
            metric=data["metric"],
            baseline_start=data["start"],
            baseline_end=data["end"],
            period=data["subgroup"],
        )
    except ValueError as error:
        messages.error(request, f"The limits were not saved: {error}")
        query = {"baseline": data["metric"], "start": data["start"], "end": data["end"]}
        return redirect(f"{back}?{urlencode(query)}")
    messages.success(
        request,
        f"Control limits agreed for {data['metric'].upper()} from the baseline "
        f"{data['start']:%-d %b %Y} – {data['end']:%-d %b %Y}; later periods are judged "
        "against them.",
    )
    return redirect(f"{back}#chart-{data['metric']}")
