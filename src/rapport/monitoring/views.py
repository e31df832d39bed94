"""Pages of monitoring plans: the plan and its versions, the editor (HTMX forms), sign-off,
change requests, the customer's view. The schedule pages are in schedule_views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.core.access import Capability, scope_of
from rapport.customers.selectors import get_account
from rapport.monitoring import diff as plan_diff
from rapport.monitoring import selectors, services
from rapport.monitoring.forms import (
    ITEM_FORMS,
    AgreeForm,
    ChangeRequestForm,
    DeclineForm,
    VersionForm,
)
from rapport.monitoring.models import (
    ChangeRequestStatus,
    Kpi,
    PlanMethod,
    PlanReport,
    PlanStatus,
    PlanVersion,
)

ITEM_MODELS: dict[str, type[models.Model]] = {
    "methods": PlanMethod,
    "kpis": Kpi,
    "reports": PlanReport,
}
ITEM_LABELS = {"methods": "method", "kpis": "KPI", "reports": "report"}
ITEM_SINGULAR = {"methods": "method", "kpis": "kpi", "reports": "report"}


def _can(request: HttpRequest, capability: Capability, team_id: int) -> bool:
    return scope_of(request.user).can(capability, team_id)


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


# --- the plan tab ---------------------------------------------------------------------------


def account_plan(request: HttpRequest, account_id: int) -> HttpResponse:
    """The account's plan: the version in force, the open draft or proposal, adherence."""
    account = get_account(request.user, account_id)
    plan = selectors.plan_for_account(request.user, account)
    context: dict[str, Any] = {
        "account": account,
        "plan": plan,
        "can_edit": _can(request, Capability.EDIT_PLANS, account.team_id),
        "template": selectors.template_for_tier(account.tier),
    }
    if plan is not None:
        versions = list(plan.versions.order_by("-number"))
        agreed = next((v for v in versions if v.status == PlanStatus.AGREED), None)
        context.update(
            versions=versions,
            agreed=selectors.version_contents(agreed.pk) if agreed else None,
            open_version=next(
                (v for v in versions if v.status in (PlanStatus.DRAFT, PlanStatus.PROPOSED)), None
            ),
            kpi_rows=selectors.kpi_rows(account=account, version=agreed) if agreed else [],
            open_requests=plan.changes.filter(status=ChangeRequestStatus.OPEN).count(),
        )
    return render(request, "monitoring/account_plan.html", context)


@require_POST
def start_plan(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account(request.user, account_id)
    try:
        version = services.start_plan(
            actor=request.user, account=account, use_template=request.POST.get("template") == "1"
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("monitoring:account-plan", account_id=account.pk)
    messages.success(request, "Draft v1 started.")
    return redirect("monitoring:version", pk=version.pk)


@require_POST
def new_version(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan(request.user, pk)
    ids = [int(i) for i in request.POST.getlist("change_requests") if i.isdigit()]
    requests = list(plan.changes.filter(pk__in=ids))
    try:
        version = services.new_version(actor=request.user, plan=plan, change_requests=requests)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("monitoring:account-plan", account_id=plan.account_id)
    messages.success(request, f"Draft v{version.number} started from the plan in force.")
    return redirect("monitoring:version", pk=version.pk)


# --- one version and its editor -------------------------------------------------------------


def _version_context(request: HttpRequest, version: PlanVersion) -> dict[str, Any]:
    account = version.plan.account
    can_edit = version.editable and _can(request, Capability.EDIT_PLANS, account.team_id)
    base = selectors.version_contents(version.based_on_id) if version.based_on_id else None
    return {
        "version": version,
        "plan": version.plan,
        "account": account,
        "can_edit": can_edit,
        "can_agree": _can(request, Capability.AGREE_PLANS, account.team_id),
        "form": VersionForm(instance=version) if can_edit else None,
        "sections": _sections(version, can_edit),
        "changes": plan_diff.diff_versions(base, version) if base else None,
        "base": base,
    }


def _section(
    version: PlanVersion, kind: str, can_edit: bool, form: Any = None, item: Any = None
) -> dict[str, Any]:
    """One kind of item of a version: its rows, and the open form if any."""
    singular = ITEM_SINGULAR[kind]
    add_url = reverse(f"monitoring:{singular}-add", args=[version.pk])
    return {
        "kind": kind,
        "label": ITEM_LABELS[kind],
        "items": list(getattr(version, kind).all()),
        "can_edit": can_edit,
        "version": version,
        "form": form,
        "item": item,
        "add_url": add_url,
        "form_action": reverse(f"monitoring:{singular}-edit", args=[item.pk]) if item else add_url,
    }


def _sections(version: PlanVersion, can_edit: bool) -> list[dict[str, Any]]:
    return [_section(version, kind, can_edit) for kind in ITEM_MODELS]


def version_page(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_contents(selectors.get_version(request.user, pk).pk)
    return render(request, "monitoring/version.html", _version_context(request, version))


@require_POST
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.get_version(request.user, pk)
    form = VersionForm(request.POST, instance=version)
    if form.is_valid():
        try:
            services.update_draft(
                actor=request.user,
                version=version,
                changes={name: form.cleaned_data[name] for name in form.fields},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Draft saved.")
            return redirect("monitoring:version", pk=version.pk)
    version = selectors.version_contents(version.pk)
    context = {**_version_context(request, version), "form": form}
    return render(request, "monitoring/version.html", context, status=422)


def _item_kind(kind: str) -> type[models.Model]:
    if kind not in ITEM_MODELS:
        raise Http404("Unknown plan item.")
    return ITEM_MODELS[kind]


def _item_visible(request: HttpRequest, model: type[models.Model], pk: int) -> Any:
    finders: dict[type[models.Model], Any] = {
        PlanMethod: selectors.methods_for,
        Kpi: selectors.kpis_visible,
        PlanReport: selectors.reports_visible,
    }
    item = finders[model](request.user).filter(pk=pk).first()
    if item is None:
        raise Http404("No such plan item.")
    return item


def _item_data(form: Any) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    for name, field in form.fields.items():
        if hasattr(field, "queryset") and name in data and hasattr(data[name], "__iter__"):
            data[name] = list(data[name])
    return data


def _section_response(
    request: HttpRequest, version: PlanVersion, kind: str, form: Any = None, item: Any = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    """The section of one kind (HTMX), or the whole version page with the form in place."""
    version = selectors.version_contents(version.pk)
    can_edit = version.editable and _can(request, Capability.EDIT_PLANS, version.plan.team_id)
    section = _section(version, kind, can_edit, form, item)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "monitoring/_items.html", {"section": section}, status=status)
    context = _version_context(request, version)
    context["sections"] = [section if s["kind"] == kind else s for s in context["sections"]]
    return render(request, "monitoring/version.html", context, status=status)


def item_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """GET: the form to add a method, KPI or report to a draft; POST: add it."""
    model = _item_kind(kind)
    version = selectors.get_version(request.user, pk)
    account = version.plan.account
    if not version.editable or not _can(request, Capability.EDIT_PLANS, account.team_id):
        raise Http404("This version cannot be changed.")
    form = ITEM_FORMS[kind](request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_item(
                actor=request.user, version=version, model=model, data=_item_data(form)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _section_response(request, version, kind)
    status = 422 if request.method == "POST" else 200
    return _section_response(request, version, kind, form=form, status=status)


def item_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _item_kind(kind)
    item = _item_visible(request, model, pk)
    version = item.version
    account = version.plan.account
    if not version.editable or not _can(request, Capability.EDIT_PLANS, account.team_id):
        raise Http404("This version cannot be changed.")
    form = ITEM_FORMS[kind](request.POST or None, instance=item, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_item(actor=request.user, item=item, data=_item_data(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _section_response(request, version, kind)
    status = 422 if request.method == "POST" else 200
    return _section_response(request, version, kind, form=form, item=item, status=status)


@require_POST
def item_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = _item_visible(request, _item_kind(kind), pk)
    version = item.version
    try:
        services.delete_item(actor=request.user, item=item)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return _section_response(request, version, kind)


# --- lifecycle ------------------------------------------------------------------------------


def _lifecycle(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    version = selectors.get_version(request.user, pk)
    try:
        action(actor=request.user, version=version)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done.format(n=version.number))
    if not PlanVersion.objects.filter(pk=version.pk).exists():
        return redirect("monitoring:account-plan", account_id=version.plan.account_id)
    return redirect("monitoring:version", pk=version.pk)


@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, services.propose, "Version {n} proposed to the customer.")


@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, services.withdraw, "Version {n} is a draft again.")


@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, services.discard_draft, "Draft v{n} discarded.")


def agree(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-off form: which contact agreed, when, and the evidence."""
    version = selectors.get_version(request.user, pk)
    account = version.plan.account
    if not _can(request, Capability.AGREE_PLANS, account.team_id):
        raise Http404("You may not record a sign-off here.")
    form = AgreeForm(request.POST or None, request.FILES or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notes = services.agree(
                actor=request.user,
                version=version,
                agreed_with=data["agreed_with"],
                agreed_at=data["agreed_at"] or None,
                evidence=data["evidence"],
                evidence_reference=data["evidence_reference"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Version {version.number} agreed with {data['agreed_with'].name}."
            )
            for note in notes:
                messages.warning(request, note)
            return redirect("monitoring:account-plan", account_id=account.pk)
    context = {"version": version, "account": account, "form": form, "now": timezone.now()}
    status = 422 if request.method == "POST" else 200
    return render(request, "monitoring/agree.html", context, status=status)


# --- versions, diff, customer view ----------------------------------------------------------


def versions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version of a plan, and the diff between any two (?old=&new=)."""
    plan = selectors.get_plan(request.user, pk)
    all_versions = list(plan.versions.select_related("agreed_by").order_by("-number"))
    by_pk = {v.pk: v for v in all_versions}

    def _pick(name: str, default: PlanVersion | None) -> PlanVersion | None:
        raw = request.GET.get(name, "")
        return by_pk.get(int(raw)) if raw.isdigit() else default

    new = _pick("new", all_versions[0] if all_versions else None)
    old = _pick("old", all_versions[1] if len(all_versions) > 1 else None)
    result = None
    if old is not None and new is not None and old.pk != new.pk:
        result = plan_diff.diff_versions(
            selectors.version_contents(old.pk), selectors.version_contents(new.pk)
        )
    context = {
        "plan": plan,
        "account": plan.account,
        "versions": all_versions,
        "old": old,
        "new": new,
        "diff": result,
    }
    return render(request, "monitoring/versions.html", context)


def customer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The version as the customer sees it: no cost, margin or internal notes."""
    version = selectors.version_contents(selectors.get_version(request.user, pk).pk)
    context = {
        "version": version,
        "account": version.plan.account,
        "customer": selectors.customer_plan(version),
    }
    return render(request, "monitoring/customer_view.html", context)


# --- change requests ------------------------------------------------------------------------


def change_requests(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's requests to change the plan; record one (POST)."""
    plan = selectors.get_plan(request.user, pk)
    account = plan.account
    can_edit = _can(request, Capability.EDIT_PLANS, account.team_id)
    if request.method == "POST" and not can_edit:
        raise Http404("You may not record change requests here.")
    form = ChangeRequestForm(
        request.POST or None, account=account, initial={"requested_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_change_request(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Change request recorded.")
            return redirect("monitoring:change-requests", pk=plan.pk)
    context = {
        "plan": plan,
        "account": account,
        "requests": list(
            plan.changes.select_related("requested_by", "version", "recorded_by").order_by(
                "-requested_on", "-pk"
            )
        ),
        "form": form if can_edit else None,
        "decline_form": DeclineForm() if can_edit else None,
        "has_open_version": plan.versions.filter(
            status__in=[PlanStatus.DRAFT, PlanStatus.PROPOSED]
        ).exists(),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "monitoring/change_requests.html", context, status=status)


@require_POST
def decline_change_request(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.get_change_request(request.user, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what the customer was told.")
    else:
        try:
            services.decline_change_request(
                actor=request.user, change_request=change, response=form.cleaned_data["response"]
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, "Change request declined.")
    return redirect("monitoring:change-requests", pk=change.plan_id)
