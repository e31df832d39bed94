"""Portfolio, account page, and the forms that edit an account's relationship records."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.analytics import selectors as analytics
from rapport.core.access import Capability, require, scope_of
from rapport.customers import selectors, services
from rapport.customers.forms import RELATED_FORMS, AccountForm
from rapport.customers.models import Communication, Tier

METRICS_SHOWN = ("nps", "csat")


def _filters(request: HttpRequest) -> selectors.PortfolioFilters:
    team = request.GET.get("team", "")
    return selectors.PortfolioFilters(
        q=request.GET.get("q", "").strip(),
        team=int(team) if team.isdigit() else None,
        tier=request.GET.get("tier", ""),
        segment=request.GET.get("segment", ""),
        silent_decision_makers=request.GET.get("silent") == "1",
        sort=request.GET.get("sort", "name"),
        descending=request.GET.get("dir") == "desc",
    )


def portfolio(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    ordered_ids = selectors.portfolio(request.user, filters).values_list("pk", flat=True)
    page = Paginator(ordered_ids, settings.RAPPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    accounts = selectors.portfolio_rows(request.user, list(page.object_list))
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
    return render(request, "customers/portfolio.html", context)


def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    overview = selectors.account_overview(request.user, account_id)
    metric = request.GET.get("metric", "csat")
    period = request.GET.get("period", "month")
    if metric not in ("nps", "csat", "ces") or period not in ("week", "month"):
        raise Http404("Unknown metric or period.")
    points = analytics.metric_series(
        request.user, scope_kind="account", scope_id=account_id, metric=metric, period=period
    )
    from rapport.analytics.charts import trend_chart

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
    return render(request, "customers/account_detail.html", context)


def account_form(request: HttpRequest, account_id: int | None = None) -> HttpResponse:
    account = selectors.get_account(request.user, account_id) if account_id else None
    # A role that may edit accounts in none of its teams has no form to fill.
    require(request.user, Capability.EDIT_ACCOUNTS, account.team_id if account else None)
    form = AccountForm(request.POST or None, instance=account, actor=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            if account is None:
                account = services.create_account(actor=request.user, fields=fields)
                messages.success(request, f"Account “{account.name}” created.")
            else:
                services.update_account(actor=request.user, account=account, changes=fields)
                messages.success(request, "Account saved.")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("customers:account", account_id=account.pk)
    return render(request, "customers/account_form.html", {"form": form, "account": account})


def _related_kind(kind: str) -> Any:
    if kind not in RELATED_FORMS:
        raise Http404("Unknown record type.")
    return RELATED_FORMS[kind]


def related_form(
    request: HttpRequest, kind: str, account_id: int | None = None, pk: int | None = None
) -> HttpResponse:
    """Create (account_id given) or edit (pk given) a contact, commitment, communication, …"""
    form_class = _related_kind(kind)
    model = form_class._meta.model
    instance = selectors.get_related(request.user, model, pk) if pk else None
    account = instance.account if instance else selectors.get_account(request.user, account_id or 0)
    require(request.user, Capability.EDIT_RELATIONSHIP, account.team_id)
    form = form_class(request.POST or None, instance=instance, account=account)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if model is Communication:
                contacts = list(data.pop("contacts", []))
                if instance is None:
                    services.log_communication(
                        actor=request.user, account=account, fields=data, contacts=contacts
                    )
                else:
                    services.update_communication(
                        actor=request.user, communication=instance, changes=data, contacts=contacts
                    )
            elif instance is None:
                services.create_related(
                    actor=request.user, model=model, account=account, fields=data
                )
            else:
                services.update_related(actor=request.user, instance=instance, changes=data)
        except (ValueError, ValidationError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{model._meta.verbose_name.capitalize()} saved.")
            return redirect("customers:account", account_id=account.pk)
    context = {
        "form": form,
        "account": account,
        "instance": instance,
        "kind": kind,
        "label": model._meta.verbose_name,
    }
    return render(request, "customers/related_form.html", context)


@require_POST
def related_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _related_kind(kind)._meta.model
    instance = selectors.get_related(request.user, model, pk)
    account_id = instance.account_id
    services.delete_related(actor=request.user, instance=instance)
    messages.success(request, f"{model._meta.verbose_name.capitalize()} deleted.")
    return redirect("customers:account", account_id=account_id)


def account_feedback(request: HttpRequest, account_id: int) -> HttpResponse:
    """HTMX partial: the account's feedback with filters and paging."""
    from rapport.feedback.public import CHANNELS, FeedbackFilters, responses_for_account

    account = selectors.get_account(request.user, account_id)
    filters = FeedbackFilters.from_query(request.GET)
    paginator = Paginator(responses_for_account(account, filters), 20)
    page = paginator.get_page(request.GET.get("page"))
    from rapport.enrichment.public import analyses_for

    analyses = analyses_for([r.pk for r in page])  # sentiment and themes, two queries
    for response in page:
        response.text_analysis = analyses.get(response.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "customers/_feedback.html",
        {
            "account": account,
            "page_obj": page,
            "filters": filters,
            "hx_target": "#feedback",
            "channels": CHANNELS,
        },
    )
