"""Pages: the action board, an action, opening one, the escalation view, the loop-closure log,
and the account's Actions tab. Thin: selectors read, services write."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.actions import board, exports, selectors, services
from rapport.actions.baseline import effect
from rapport.actions.forms import (
    ActionEditForm,
    ActionForm,
    LoopClosureForm,
    StatusForm,
    members_of,
    teams_where,
)
from rapport.actions.models import ActionStatus, LoopClosure, Severity, SourceKind
from rapport.core.access import Capability, require, scope_of
from rapport.core.exports import FORMATS
from rapport.customers.models import Channel
from rapport.customers.selectors import accounts_for, get_account


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, settings.RAPPORT_PAGE_SIZE).get_page(request.GET.get("page"))


def _may_manage(request: HttpRequest, team_id: int | None) -> bool:
    return scope_of(request.user).can(Capability.MANAGE_ACTIONS, team_id)


def action_board(request: HttpRequest) -> HttpResponse:
    filters = board.BoardFilters.from_query(request.GET)
    page = _page(request, board.board_actions(request.user, filters))
    teams = teams_where(request.user, Capability.VIEW)
    team_ids = list(teams.values_list("pk", flat=True))
    context = {
        "page": page,
        "filters": filters,
        "today": timezone.localdate(),
        "teams": teams,
        "owners": members_of(team_ids),
        "accounts": accounts_for(request.user).order_by("name").only("pk", "name"),
        "severities": Severity.choices,
        "sources": SourceKind.choices,
        "statuses": ActionStatus.choices,
        "may_open": _may_manage(request, None),
        "query": request.GET.urlencode(),
    }
    return render(request, "actions/board.html", context)


def action_board_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404("Unknown format.")
    filters = board.BoardFilters.from_query(request.GET)
    return exports.actions_download(board.board_actions(request.user, filters), fmt)


def _initial_from_query(request: HttpRequest) -> dict[str, Any]:
    """The line an action is opened from (a SWOT line, a theme, an idea) prefills the form."""
    keys = ("team", "account", "title", "metric", "source_kind", "source_ref", "source_url")
    initial: dict[str, Any] = {k: request.GET[k] for k in keys if request.GET.get(k)}
    account_id = initial.get("account")
    if account_id and str(account_id).isdigit() and "team" not in initial:
        account = accounts_for(request.user).filter(pk=int(account_id)).first()
        if account is not None:
            initial["team"] = account.team_id
    if initial.get("source_kind") == SourceKind.THEME and "title" in initial:
        initial["title"] = f"Act on the theme “{initial['title']}”"
    return initial


def action_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_ACTIONS, None)
    form = ActionForm(
        request.POST or None, actor=request.user, initial=_initial_from_query(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.open_action(
                actor=request.user,  # type: ignore[arg-type]
                team=data["team"],
                account=data["account"],
                title=data["title"],
                description=data["description"],
                owner=data["owner"],
                due_on=data["due_on"] or services.due_on_for(data["severity"]),
                severity=data["severity"],
                source_kind=data["source_kind"],
                source_ref=data["source_ref"],
                source_url=data["source_url"] if data["source_url"].startswith("/") else "",
                metric=data["metric"],
                plan=data["plan"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Action opened and assigned to {action.owner}.")
            return redirect("actions:detail", pk=action.pk)
    return render(request, "actions/action_form.html", {"form": form})


def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_action(request.user, pk)
    may_manage = _may_manage(request, action.team_id)
    closure = LoopClosure.objects.filter(action=action).prefetch_related("contacts").first()
    context: dict[str, Any] = {
        "action": action,
        "events": list(action.events.select_related("actor")),
        "escalations": list(action.escalations.select_related("to_user")),
        "closure": closure,
        "effect": effect(action),
        "episode": selectors.episode_state(request.user, action),
        "may_manage": may_manage,
        "today": timezone.localdate(),
    }
    if may_manage:
        context["status_form"] = StatusForm(initial={"status": action.status})
        context["next_statuses"] = selectors.next_statuses(action)
        if action.account_id and action.status == ActionStatus.DONE and closure is None:
            context["loop_form"] = LoopClosureForm(account_id=action.account_id)
    return render(request, "actions/action_detail.html", context)


def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_action(request.user, pk)
    require(request.user, Capability.MANAGE_ACTIONS, action.team_id)
    initial = {
        "title": action.title,
        "description": action.description,
        "owner": action.owner_id,
        "severity": action.severity,
        "due_on": action.due_on,
        "metric": action.metric,
        "plan": action.plan_id,
    }
    form = ActionEditForm(request.POST or None, initial=initial, team_id=action.team_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_action(actor=request.user, action=action, changes=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Action saved.")
            return redirect("actions:detail", pk=action.pk)
    return render(request, "actions/action_edit.html", {"form": form, "action": action})


@require_POST
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_action(request.user, pk)
    require(request.user, Capability.MANAGE_ACTIONS, action.team_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_status(
                actor=request.user,
                action=action,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, "Status changed.")
    else:
        messages.error(request, "Choose a status.")
    return redirect("actions:detail", pk=action.pk)


@require_POST
def action_close_loop(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_action(request.user, pk)
    require(request.user, Capability.MANAGE_ACTIONS, action.team_id)
    if action.account_id is None:
        raise Http404("This action has no account.")
    form = LoopClosureForm(request.POST, account_id=action.account_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.close_loop(
                actor=request.user,
                action=action,
                told_what=data["told_what"],
                told_at=data["told_at"],
                channel=data["channel"],
                contacts=list(data["contacts"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Recorded: the customer was told, and it is in their log.")
            return redirect("actions:detail", pk=action.pk)
    context = {"action": action, "form": form}
    return render(request, "actions/loop_form.html", context, status=422)


def account_actions(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account(request.user, account_id)
    rows = (
        selectors.actions_for(request.user)
        .filter(account=account)
        .select_related("owner")
        .annotate(status_order=board.STATUS_ORDER)
        .order_by("status_order", "due_on", "pk")
    )
    context = {
        "account": account,
        "page": _page(request, rows),
        "today": timezone.localdate(),
        "may_open": _may_manage(request, account.team_id),
    }
    return render(request, "actions/account_actions.html", context)


def escalation_view(request: HttpRequest) -> HttpResponse:
    mine_only = request.GET.get("show", "") == "mine"
    rows = (
        selectors.escalations_for(request.user, mine_only=mine_only).filter(
            action__status__in=("open", "in_progress")
        )
        if request.GET.get("closed", "") != "1"
        else selectors.escalations_for(request.user, mine_only=mine_only)
    )
    context = {
        "page": _page(request, rows.order_by("-at", "-pk")),
        "mine_only": mine_only,
        "show_closed": request.GET.get("closed", "") == "1",
        "today": timezone.localdate(),
    }
    return render(request, "actions/escalations.html", context)


def loop_log(request: HttpRequest) -> HttpResponse:
    filters = board.LoopFilters.from_query(request.GET)
    rows = board.loop_log(request.user, filters).prefetch_related("contacts")
    page = _page(request, rows)
    for closure in page:
        # One rollup aggregate per row, bounded by the page (RAPPORT_PAGE_SIZE).
        closure.effect = effect(closure.action)
    context = {
        "page": page,
        "filters": filters,
        "teams": teams_where(request.user, Capability.VIEW),
        "accounts": accounts_for(request.user).order_by("name").only("pk", "name"),
        "channels": Channel.choices,
        "query": request.GET.urlencode(),
    }
    return render(request, "actions/loop_log.html", context)


def loop_log_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404("Unknown format.")
    filters = board.LoopFilters.from_query(request.GET)
    return exports.loops_download(board.loop_log(request.user, filters), fmt)
