"""Pages: the alert inbox, an alert, the rules (list, form, dry run) and the account's tab."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from rapport.actions.models import Severity
from rapport.alerts import selectors, services
from rapport.alerts.forms import CloseForm, RuleForm, manageable_teams
from rapport.alerts.kinds import KIND_HELP, KIND_PARAMS, clean_params, describe_params
from rapport.alerts.models import AlertStatus, Rule, RuleKind, RuleScope
from rapport.core.access import Capability, require, scope_of
from rapport.core.models import Team
from rapport.customers.selectors import get_account, portfolio_choices


def _kind(value: str) -> str:
    if value not in RuleKind.values:
        raise BadRequest(f"Unknown kind “{value}”: kind is one of {', '.join(RuleKind.values)}.")
    return value


def action_url(action: Any) -> str:
    """The action's page, when the actions app names one."""
    if action is None:
        return ""
    try:
        return reverse("actions:detail", args=[action.pk])
    except NoReverseMatch:
        return ""


def inbox(request: HttpRequest) -> HttpResponse:
    try:
        filters = selectors.InboxFilters.from_query(request.GET)
    except ValueError as error:
        raise BadRequest(str(error)) from None
    rows = selectors.inbox(request.user, filters)
    page_obj = Paginator(rows, settings.RAPPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    choices = portfolio_choices(request.user)
    account = get_account(request.user, filters.account) if filters.account is not None else None
    context = {
        "filters": filters,
        "page_obj": page_obj,
        "open_count": selectors.open_alert_count(user=request.user),
        "statuses": AlertStatus.choices,
        "severities": Severity.choices,
        "kinds": RuleKind.choices,
        "teams": choices["teams"],
        "account": account,
    }
    return render(request, "alerts/inbox.html", context)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.get_alert(request.user, pk)
    can_close = alert.status == AlertStatus.OPEN and scope_of(request.user).can(
        Capability.CLOSE_ALERTS, alert.team_id
    )
    form = CloseForm(request.POST or None) if can_close else None
    context = {
        "alert": alert,
        "events": list(alert.events.select_related("by")),
        "form": form,
        "action_url": action_url(alert.action),
        "rule_params": describe_params(alert.rule.kind, alert.rule.params),
    }
    return render(request, "alerts/detail.html", context)


@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.get_alert(request.user, pk)
    require(request.user, Capability.CLOSE_ALERTS, alert.team_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close_alert(
                actor=request.user, alert=alert, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Alert closed.")
            return redirect("alerts:detail", pk=alert.pk)
    context = {
        "alert": alert,
        "events": list(alert.events.select_related("by")),
        "form": form,
        "action_url": action_url(alert.action),
        "rule_params": describe_params(alert.rule.kind, alert.rule.params),
    }
    return render(request, "alerts/detail.html", context)


def account_alerts(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account(request.user, account_id)
    context = {
        "account": account,
        "open_alerts": list(selectors.open_alerts(user=request.user, account=account)[:100]),
        "closed": list(
            selectors.alerts_visible(request.user)
            .filter(account=account, status=AlertStatus.CLOSED)
            .select_related("rule")
            .order_by("-closed_at", "-pk")[:10]
        ),
    }
    return render(request, "alerts/account.html", context)


# --- rules -----------------------------------------------------------------------------------


def rules(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.rules_visible(request.user).select_related("plan_version__plan__account"))
    for rule in rows:
        rule.params_text = describe_params(rule.kind, rule.params)  # type: ignore[attr-defined]
        rule.editable = _may_manage(request.user, rule)  # type: ignore[attr-defined]
    context = {
        "rules": rows,
        "kinds": [(k, label, KIND_HELP[k]) for k, label in RuleKind.choices],
        "teams": manageable_teams(request.user),
        "evaluations": selectors.recent_evaluations(request.user),
    }
    return render(request, "alerts/rules.html", context)


def _save_rule(request: HttpRequest, form: RuleForm, rule: Rule | None) -> Rule | None:
    try:
        if rule is None:
            return services.create_rule(actor=request.user, fields=form.values())
        changes = form.values()
        changes.pop("kind")
        services.update_rule(actor=request.user, rule=rule, changes=changes)
        return rule
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_service_error(field, message)
    return None


def rule_create(request: HttpRequest) -> HttpResponse:
    kind = _kind(request.GET.get("kind", "") or RuleKind.TARGET_BREACHED)
    if not manageable_teams(request.user):
        raise Http404("You manage no team's rules.")
    form = RuleForm(
        request.POST or None,
        user=request.user,
        kind=kind,
        initial={"name": RuleKind(kind).label, "severity": Severity.MEDIUM, "active": True},
    )
    if request.method == "POST" and form.is_valid():
        rule = _save_rule(request, form, None)
        if rule is not None:
            messages.success(request, f"Rule “{rule.name}” created.")
            return redirect("alerts:rules")
    context = {"form": form, "kind": kind, "kind_label": RuleKind(kind).label,
               "kind_help": KIND_HELP[kind], "rule": None}  # fmt: skip
    return render(request, "alerts/rule_form.html", context)


def _may_manage(user: Any, rule: Rule) -> bool:
    actor_scope = scope_of(user)
    if rule.scope == RuleScope.GLOBAL:
        return actor_scope.all_teams
    return actor_scope.can(Capability.MANAGE_RULES, rule.team_id)


def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.get_rule(request.user, pk)
    if not _may_manage(request.user, rule):
        raise PermissionDenied("You may not change this rule.")
    form = RuleForm.for_rule(rule, user=request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid() and _save_rule(request, form, rule) is not None:
        messages.success(request, f"Rule “{rule.name}” saved.")
        return redirect("alerts:rules")
    context = {"form": form, "kind": rule.kind, "kind_label": rule.get_kind_display(),
               "kind_help": KIND_HELP[rule.kind], "rule": rule}  # fmt: skip
    return render(request, "alerts/rule_form.html", context)


@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.get_rule(request.user, pk)
    try:
        services.delete_rule(actor=request.user, rule=rule)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Rule “{rule.name}” deleted.")
    return redirect("alerts:rules")


def _draft(request: HttpRequest) -> Rule:
    """An unsaved rule from the form's values in the query (the form's Test button)."""
    kind = _kind(request.GET.get("kind", ""))
    params = {spec.name: request.GET.get(f"param_{spec.name}", "") for spec in KIND_PARAMS[kind]}
    try:
        cleaned = clean_params(kind, params)
    except ValidationError as error:
        raise BadRequest(" ".join(error.messages)) from None
    scope = request.GET.get("scope", RuleScope.TEAM)
    team_text = request.GET.get("team", "")
    team_id = int(team_text) if team_text.isdigit() else None
    if scope != RuleScope.GLOBAL and team_id is not None:
        actor_scope = scope_of(request.user)
        if not (actor_scope.all_teams or team_id in actor_scope.team_ids):
            raise Http404("No such team.")
    plan_text = request.GET.get("plan_version", "")
    return Rule(
        name=request.GET.get("name", "") or RuleKind(kind).label,
        kind=kind,
        params=cleaned,
        scope=scope if scope in RuleScope.values else RuleScope.TEAM,
        team_id=team_id if scope != RuleScope.GLOBAL else None,
        plan_version_id=int(plan_text) if plan_text.isdigit() and scope == RuleScope.PLAN else None,
        severity=request.GET.get("severity", Severity.MEDIUM),
    )


def rule_test(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Dry run: what the rule would open now, over the accounts you can see. Writes nothing."""
    rule = selectors.get_rule(request.user, pk) if pk else _draft(request)
    result = selectors.dry_run(request.user, rule)
    context = {
        "rule": rule,
        "result": result,
        "params_text": describe_params(rule.kind, rule.params),
        "team": Team.objects.filter(pk=rule.team_id).first() if rule.team_id else None,
    }
    return render(request, "alerts/rule_test.html", context)


@require_POST
def evaluate(request: HttpRequest) -> HttpResponse:
    """Run the rules over one team's accounts now."""
    team_text = request.POST.get("team", "")
    team = Team.objects.filter(pk=int(team_text) if team_text.isdigit() else 0).first()
    actor_scope = scope_of(request.user)
    if team is None or not (actor_scope.all_teams or team.pk in actor_scope.team_ids):
        raise Http404("No such team.")
    result = services.evaluate_team(actor=request.user, team=team)
    messages.success(
        request,
        f"Rules evaluated over {team.name}'s accounts: {len(result.opened)} alert"
        f"{'s' if len(result.opened) != 1 else ''} opened, {result.closed} closed.",
    )
    return redirect("alerts:rules")
