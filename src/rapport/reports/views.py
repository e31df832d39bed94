"""Report pages: definitions (list, form), runs (progress, preview, recommendations,
approval, files, deliveries). Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rapport.core.access import Capability, require, scope_of
from rapport.reports import selectors, services
from rapport.reports.forms import DefinitionForm
from rapport.reports.generation import document_for, ensure_outputs
from rapport.reports.models import Audience, ReportRun, RunStatus
from rapport.reports.registry import REPORT_TYPES
from rapport.reports.rendering import render_fragment


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


def definitions(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.definitions_for(request.user).order_by("name", "pk"), 50).get_page(
        request.GET.get("page")
    )
    for definition in page:
        known = REPORT_TYPES.get(definition.report_type)
        definition.type_label = known.label if known else definition.report_type
    waiting = selectors.runs_for(request.user, status=RunStatus.REVIEW).filter(
        audience=Audience.CUSTOMER
    )[:20]
    context = {
        "page": page,
        "types": REPORT_TYPES,
        "waiting": waiting,
        "recent": selectors.runs_for(request.user)[:10],
        "can_manage": scope_of(request.user).can(Capability.MANAGE_REPORTS, None),
    }
    return render(request, "reports/definitions.html", context)


def definition_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    definition = selectors.get_definition(request.user, pk) if pk else None
    require(request.user, Capability.MANAGE_REPORTS, definition.team_id if definition else None)
    form = DefinitionForm(request.POST or None, instance=definition, actor=request.user)
    if request.method == "POST" and form.is_valid():
        fields, related = form.split()
        try:
            if definition is None:
                definition = services.create_definition(
                    actor=request.user,
                    team_id=form.cleaned_data["team"].pk,
                    fields=fields,
                    related=related,
                )
                messages.success(request, f"Report “{definition.name}” created.")
            else:
                services.update_definition(
                    actor=request.user, definition=definition, changes=fields, related=related
                )
                messages.success(request, "Report saved.")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("reports:definition", pk=definition.pk)
    return render(
        request,
        "reports/definition_form.html",
        {"form": form, "definition": definition},
        status=400 if form.errors else 200,
    )


def definition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    definition = selectors.get_definition(request.user, pk)
    runs = Paginator(selectors.runs_for(request.user, definition_id=pk), 25).get_page(
        request.GET.get("page")
    )
    context = {
        "definition": definition,
        "type": REPORT_TYPES.get(definition.report_type),
        "accounts": list(definition.accounts.all()[:50]),
        "recipients": list(definition.recipients.all()),
        "contacts": list(definition.contact_recipients.select_related("account")),
        "runs": runs,
        "can_manage": scope_of(request.user).can(Capability.MANAGE_REPORTS, definition.team_id),
    }
    return render(request, "reports/definition_detail.html", context)


@require_POST
def definition_delete(request: HttpRequest, pk: int) -> HttpResponse:
    definition = selectors.get_definition(request.user, pk)
    services.delete_definition(actor=request.user, definition=definition)
    messages.success(request, "Report deleted, with its runs.")
    return redirect("reports:definitions")


@require_POST
def run_now(request: HttpRequest, pk: int) -> HttpResponse:
    definition = selectors.get_definition(request.user, pk)
    run = services.queue_run(actor=request.user, definition=definition)
    return redirect("reports:run", pk=run.pk)


def _run_context(request: HttpRequest, run: ReportRun) -> dict[str, object]:
    can_manage = scope_of(request.user).can(Capability.MANAGE_REPORTS, run.team_id)
    return {
        "run": run,
        "can_manage": can_manage,
        "may_approve": services.may_approve(request.user, run),
        "approver": services.approver_of(run),
        "editable": can_manage and run.status in (RunStatus.REVIEW, RunStatus.RETURNED),
    }


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.get_run(request.user, pk)
    context = _run_context(request, run)
    if run.document is not None:
        ensure_outputs(run)
        context["preview"] = render_fragment(document_for(run))
        context["outputs"] = list(selectors.outputs_of(run))
        context["recommendations"] = list(run.recommendations.all())
        context["deliveries"] = list(run.deliveries.select_related("email"))
    return render(request, "reports/run_detail.html", context)


def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.get_run(request.user, pk)
    response = render(request, "reports/_run_status.html", _run_context(request, run))
    if not run.active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the preview and files are ready: show the whole page
    return response


def run_file(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    run = selectors.get_run(request.user, pk)
    ensure_outputs(run)
    output = selectors.get_output(request.user, run.pk, name)
    response = HttpResponse(bytes(output.content), content_type=output.content_type)
    disposition = "inline" if output.format == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{output.name}"'
    return response


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    run = selectors.get_run(request.user, pk)
    try:
        if action == "approve":
            services.approve_run(actor=request.user, run=run)
            messages.success(request, "Approved: the report is being sent to its recipients.")
        elif action == "return":
            services.return_run(actor=request.user, run=run, note=request.POST.get("note", ""))
            messages.success(request, "Returned with your note.")
        elif action == "resubmit":
            services.resubmit_run(actor=request.user, run=run)
            messages.success(request, "Submitted again for approval.")
        elif action == "send":
            services.send_run(actor=request.user, run=run)
            messages.success(request, "The report is being sent to its recipients.")
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("reports:run", pk=run.pk)


@require_POST
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "approve")


@require_POST
def run_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "return")


@require_POST
def run_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "resubmit")


@require_POST
def run_send(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "send")


@require_POST
def run_delete(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.get_run(request.user, pk)
    definition_id = run.definition_id
    services.delete_run(actor=request.user, run=run)
    messages.success(request, "Run deleted.")
    return redirect("reports:definition", pk=definition_id)


@require_POST
def recommendation_edit(request: HttpRequest, pk: int, rec_id: int) -> HttpResponse:
    run = selectors.get_run(request.user, pk)
    recommendation = run.recommendations.filter(pk=rec_id).first()
    if recommendation is None:
        from django.http import Http404

        raise Http404("No such recommendation.")
    try:
        services.update_recommendation(
            actor=request.user,
            recommendation=recommendation,
            text=request.POST.get("text", recommendation.text),
            included=request.POST.get("included") == "on",
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect(f"/reports/runs/{run.pk}/#recommendations")


@require_POST
def recommendation_add(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.get_run(request.user, pk)
    try:
        services.add_recommendation(actor=request.user, run=run, text=request.POST.get("text", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect(f"/reports/runs/{run.pk}/#recommendations")
