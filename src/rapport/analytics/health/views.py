"""Pages: an account's Health & profit tab, the portfolio's Health and risk page, team
weights, and customer types with their loyalty proposals."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.analytics.health import selectors, services
from rapport.analytics.health.charts import margin_chart
from rapport.analytics.health.exports import RISK_COLUMNS, risk_rows
from rapport.analytics.health.forms import ProposalForm, WeightsForm
from rapport.analytics.health.risk import REASONS
from rapport.analytics.health.scoring import COVERAGE_DAYS
from rapport.analytics.health.stake import why
from rapport.analytics.loyalty.customer_types import (
    HEALTH_BANDS,
    LOYALTY,
    TYPES,
    VALUE_BANDS,
    SegmentDefinition,
    loyalty_of,
    value_band,
)
from rapport.analytics.models import ProposalStatus
from rapport.core.access import Capability, scope_of
from rapport.core.exports import table_download
from rapport.core.models import Team
from rapport.customers.cost_selectors import cost_entries_for
from rapport.customers.forms import CostEntryForm
from rapport.customers.models import Tier
from rapport.customers.selectors import get_account, portfolio_choices


def account_health(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account(request.user, account_id)
    view = selectors.account_health(request.user, account)
    entries = Paginator(cost_entries_for(request.user, account_id=account.pk), 12)
    can_edit = scope_of(request.user).can(Capability.EDIT_ACCOUNTS, account.team_id)
    context = {
        "account": account,
        "view": view,
        "health": view.health,
        "profit": view.profitability,
        "components": [
            {"c": c, "share": view.health.shares.get(c.key), "weight": view.weighting.weight(c.key)}
            for c in view.health.components
        ],
        "chart": margin_chart(view.profitability),
        "entries": entries.get_page(request.GET.get("costs")),
        "cost_form": CostEntryForm(account=account) if can_edit else None,
        "can_set_weights": services.may_set_weights(request.user, account.team_id),
        "min_n": settings.RAPPORT_MIN_N,
    }
    return render(request, "analytics/account_health.html", context)


def _query(request: HttpRequest, **changes: Any) -> str:
    query = {k: v for k, v in request.GET.items() if k != "page"}
    query.update(changes)
    return urlencode({k: v for k, v in query.items() if v not in ("", None)})


def portfolio_health(request: HttpRequest) -> HttpResponse:
    try:
        filters = selectors.RiskFilters.from_query(request.GET)
    except ValueError as error:
        return render(request, "analytics/health_invalid.html", {"message": str(error)}, status=400)
    risks = selectors.risk_list(request.user, filters)
    page_obj = Paginator(risks.also_watch, settings.RAPPORT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for health in [*risks.attention, *page_obj]:
        health.why = why(health)  # type: ignore[attr-defined]
    heat = selectors.heatmap(request.user)
    sorts = {
        key: _query(
            request, sort=key, dir="desc" if key == filters.sort and not filters.descending else ""
        )
        for key in selectors.RISK_SORTS
    }
    context = {
        "heat": heat,
        "filters": filters,
        "attention": risks.attention,
        "attention_total": risks.attention_total,
        "page_obj": page_obj,
        "list_opened": any(k in request.GET for k in ("page", "sort", "reason")),
        "export_query": _query(request),
        "sorts": sorts,
        "reasons": REASONS.items(),
        "tiers": Tier.choices,
        "choices": portfolio_choices(request.user),
        "showing": ", ".join(
            part
            for part in (
                dict(heat.teams).get(filters.team or 0, ""),
                f"{dict(Tier.choices)[filters.tier]} tier" if filters.tier else "",
                f"{filters.band} band" if filters.band else "",
                REASONS.get(filters.reason, "").lower(),
                "marked at risk" if filters.marked_at_risk else "",
            )
            if part
        ),
    }
    return render(request, "analytics/portfolio_health.html", context)


def portfolio_health_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The risk list with the page's filters and order, as CSV or XLSX."""
    try:
        filters = selectors.RiskFilters.from_query(request.GET)
    except ValueError as error:
        return render(request, "analytics/health_invalid.html", {"message": str(error)}, status=400)
    rows = risk_rows(selectors.risk_list(request.user, filters))
    return table_download(fmt, "risk-list", RISK_COLUMNS, rows)


def health_weights(request: HttpRequest, team_id: int) -> HttpResponse:
    actor_scope = scope_of(request.user)
    team = Team.objects.filter(pk=team_id).first()
    if team is None or not (actor_scope.all_teams or team_id in actor_scope.team_ids):
        raise Http404("No such team.")
    if not services.may_set_weights(request.user, team_id):
        raise PermissionDenied("Only administrators and the team's managers may set weights.")
    weighting = services.weightings([team_id]).get(team_id, selectors.DEFAULT)
    form = WeightsForm(request.POST or None, weighting=weighting)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_health_weights(
                actor=request.user,
                team=team,
                weights=form.weights(),
                green_from=form.cleaned_data["green_from"],
                amber_from=form.cleaned_data["amber_from"],
                renewal_days=form.cleaned_data["renewal_days"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Health weights of {team.name} saved; accounts rescored.")
            return redirect("analytics:health-weights", team_id=team.pk)
    return render(request, "analytics/health_weights.html", {"form": form, "team": team})


def _definition(request: HttpRequest) -> SegmentDefinition:
    return SegmentDefinition.from_dict(
        {
            key: request.GET.getlist(key)
            for key in ("types", "tiers", "value_bands", "health_bands", "loyalty")
        }
    )


def customer_types(request: HttpRequest) -> HttpResponse:
    try:
        definition = _definition(request)
    except ValueError as error:
        return render(request, "analytics/health_invalid.html", {"message": str(error)}, status=400)
    team_text = request.GET.get("team", "")
    team = int(team_text) if team_text.isdigit() else None
    accounts = selectors.segment_accounts(request.user, definition, team=team).order_by(
        "-annual_value", "name", "pk"
    )
    page_obj = Paginator(accounts, settings.RAPPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "account": a,
            "type": TYPES[a.customer_type][0],
            "loyalty": LOYALTY[loyalty_of(a.nps_value)],
            "value_band": VALUE_BANDS[value_band(a.annual_value)][0],
            "health": getattr(a, "health", None),
        }
        for a in page_obj
    ]
    counts = selectors.type_counts(request.user, team=team)
    choices = portfolio_choices(request.user)
    actor_scope = scope_of(request.user)
    editable = [t for t in choices["teams"] if actor_scope.can(Capability.EDIT_ACCOUNTS, t[0])]
    context = {
        "definition": definition,
        "described": definition.describe(),
        "rows": rows,
        "page_obj": page_obj,
        "type_rows": [
            {
                "key": k,
                "label": v[0],
                "meaning": v[1],
                "cells": [counts.get(k, {}).get(t) for t, _ in Tier.choices],
            }
            for k, v in TYPES.items()
        ],
        "tiers": Tier.choices,
        "value_bands": [(k, v[0]) for k, v in VALUE_BANDS.items()],
        "health_bands": HEALTH_BANDS.items(),
        "loyalty": LOYALTY.items(),
        "types": [(k, v[0]) for k, v in TYPES.items()],
        "team": team,
        "choices": choices,
        "proposal_teams": editable,
        "proposal_form": ProposalForm(team_id=team or (editable[0][0] if editable else 0)),
        "proposals": [
            _with_segment_text(p, editable=actor_scope.can(Capability.EDIT_ACCOUNTS, p.team_id))
            for p in selectors.proposals_for(request.user)[:50]
        ],
        "statuses": ProposalStatus.choices,
        "coverage_days": COVERAGE_DAYS,
    }
    return render(request, "analytics/customer_types.html", context)


def _with_segment_text(proposal: Any, *, editable: bool) -> Any:
    proposal.editable = editable
    try:
        proposal.segment_text = SegmentDefinition.from_dict(proposal.segment).describe()
    except ValueError:
        proposal.segment_text = "(definition no longer valid)"
    return proposal


@require_POST
def proposal_create(request: HttpRequest) -> HttpResponse:
    team_text = request.POST.get("team", "")
    actor_scope = scope_of(request.user)
    team = Team.objects.filter(pk=int(team_text) if team_text.isdigit() else 0).first()
    if team is None or not (actor_scope.all_teams or team.pk in actor_scope.team_ids):
        raise Http404("No such team.")
    form = ProposalForm(request.POST, team_id=team.pk)
    segment = request.POST.get("segment", "")
    back = f"{request.path.rsplit('proposals/', 1)[0]}?{segment}#proposals"
    if not form.is_valid():
        problems = "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        messages.error(request, f"The proposal was not saved — {problems}")
        return redirect(back)
    from django.http import QueryDict

    query = QueryDict(segment)
    definition = {
        key: query.getlist(key)
        for key in ("types", "tiers", "value_bands", "health_bands", "loyalty")
    }
    try:
        services.create_loyalty_proposal(
            actor=request.user, team=team, fields={**form.cleaned_data, "segment": definition}
        )
    except (ValueError, ValidationError) as error:
        messages.error(request, f"The proposal was not saved: {error}")
    else:
        messages.success(request, f"Proposal “{form.cleaned_data['title']}” recorded.")
    return redirect(back)


@require_POST
def proposal_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a proposal along its life (draft → proposed → approved → running, or declined)."""
    proposal = selectors.get_proposal(request.user, pk)  # 404 for another team's proposal
    status = request.POST.get("status", "")
    if status not in ProposalStatus.values:
        messages.error(request, f"“{status}” is not a proposal status.")
    elif status != proposal.status:
        services.update_loyalty_proposal(
            actor=request.user, proposal=proposal, changes={"status": status}
        )
        label = ProposalStatus(status).label.lower()
        messages.success(request, f"Proposal “{proposal.title}” is now {label}.")
    return redirect(f"{reverse('analytics:customer-types')}#proposals")


@require_POST
def proposal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.get_proposal(request.user, pk)
    services.delete_loyalty_proposal(actor=request.user, proposal=proposal)
    messages.success(request, f"Proposal “{proposal.title}” deleted.")
    return redirect(f"{reverse('analytics:customer-types')}#proposals")
