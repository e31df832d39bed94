"""Import pages: upload, progress (HTMX polling while the worker runs), errors, resume."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rapport.core.access import Capability, scope_of
from rapport.feedback import selectors, services
from rapport.feedback.exports import import_errors_csv
from rapport.feedback.forms import ImportForm
from rapport.feedback.models import ImportJob, ImportStatus

ERRORS_PER_PAGE = 100


def imports(request: HttpRequest) -> HttpResponse:
    """The upload form and the imports this user may see, newest first."""
    can_import = scope_of(request.user).can(Capability.IMPORT_FEEDBACK, None)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied("You may not import feedback.")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.start_import(
                    actor=request.user,
                    file_name=upload.name,
                    upload=upload,
                    file_format=form.cleaned_data["file_format"] or None,
                    mapping=form.cleaned_data["mapping"],
                    dry_run=form.cleaned_data["dry_run"],
                    via="web",
                )
            except services.ImportRequestError as error:
                form.add_error(None, str(error))
            else:
                return redirect("feedback:import", job_id=job.pk)
    page = Paginator(selectors.imports_for(request.user), settings.RAPPORT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page_obj": page, "can_import": can_import}
    return render(request, "feedback/imports.html", context, status=400 if form.errors else 200)


def _job_context(job: ImportJob) -> dict[str, object]:
    stalled = services.stalled(job)
    return {
        "job": job,
        "summary": selectors.import_summary(job),
        "active": job.status == ImportStatus.PENDING
        or (job.status == ImportStatus.RUNNING and not stalled),
        "resumable": services.resumable(job),
        "stalled": stalled,
        "no_worker": selectors.waits_without_worker(job),
        "resume_possible_at": None if stalled else services.resume_possible_at(job),
    }


def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.get_import(request.user, job_id)
    errors = Paginator(selectors.import_errors(request.user, job_id), ERRORS_PER_PAGE)
    context = {**_job_context(job), "page_obj": errors.get_page(request.GET.get("page"))}
    return render(request, "feedback/import_detail.html", context)


def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The status card alone, polled by the page while the job is pending or running; when
    the job ends the whole page reloads so the error list appears."""
    job = selectors.get_import(request.user, job_id)
    context = _job_context(job)
    response = render(request, "feedback/_import_status.html", context)
    if not context["active"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def import_errors_download(request: HttpRequest, job_id: int) -> StreamingHttpResponse:
    return import_errors_csv(job_id, selectors.import_errors(request.user, job_id))


@require_POST
def import_resume(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.get_import(request.user, job_id)
    try:
        services.resume_import(actor=request.user, job=job)
    except services.ImportRequestError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The import will carry on from its last checkpoint.")
    return redirect("feedback:import", job_id=job.pk)
