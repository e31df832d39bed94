"""Every read of feedback and imports, limited to what the actor may see.

Responses are visible through their account's team. An import job (and its row errors) is
visible to the person who started it and to administrators.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.http import Http404

from rapport.core import workers
from rapport.core.access import Actor, scope, scope_of
from rapport.core.dates import local_midnight
from rapport.feedback.models import ImportJob, ImportRowError, ImportStatus, Response


def imports_for(user: Actor) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by").order_by("-created_at", "-pk")
    if scope_of(user).all_teams:
        return jobs
    if not user.is_authenticated:
        return jobs.none()
    return jobs.filter(created_by_id=user.pk)


def get_import(user: Actor, job_id: int) -> ImportJob:
    job = imports_for(user).filter(pk=job_id).first()
    if job is None:
        raise Http404("No such import.")
    return job


def import_errors(user: Actor, job_id: int) -> QuerySet[ImportRowError]:
    """The rejected rows of a visible job, in file order."""
    job = get_import(user, job_id)
    return ImportRowError.objects.filter(job=job).order_by("row_number", "pk")


def responses_for(
    user: Actor,
    *,
    account: int | None = None,
    channel: str | None = None,
    start: date | None = None,
    end: date | None = None,
    has_comment: bool | None = None,
) -> QuerySet[Response]:
    """Responses of the accounts the actor may see, newest first; dates are local days."""
    responses = scope(Response.objects.all(), user, team_field="account__team")
    if account is not None:
        responses = responses.filter(account_id=account)
    if channel:
        responses = responses.filter(channel=channel)
    if start is not None:
        responses = responses.filter(submitted_at__gte=local_midnight(start))
    if end is not None:
        responses = responses.filter(submitted_at__lt=local_midnight(end + timedelta(days=1)))
    if has_comment is not None:
        responses = responses.exclude(comment="") if has_comment else responses.filter(comment="")
    return responses.order_by("-submitted_at", "-pk")


def get_response(user: Actor, response_id: int) -> Response:
    found = responses_for(user).select_related("account").filter(pk=response_id).first()
    if found is None:
        raise Http404("No such response.")
    return found


def import_summary(job: ImportJob) -> str:
    """One sentence for the CLI, the page, the API and the audit trail."""
    if job.status == ImportStatus.PENDING:
        return "Waiting for a worker to start the import."
    if job.status == ImportStatus.RUNNING:
        return f"Running: {job.rows_read:,} rows read so far."
    if job.dry_run:
        counts = (
            f"{job.rows_read:,} rows read; would insert {job.rows_inserted:,}, update "
            f"{job.rows_updated:,}, leave {job.rows_skipped:,} unchanged and reject "
            f"{job.rows_rejected:,}"
        )
    else:
        counts = (
            f"{job.rows_read:,} rows read: {job.rows_inserted:,} inserted, "
            f"{job.rows_updated:,} updated, {job.rows_skipped:,} unchanged, "
            f"{job.rows_rejected:,} rejected"
        )
    if job.accounts_created:
        verb = "would be created" if job.dry_run else "created"
        counts += f"; {job.accounts_created:,} accounts {verb}"
    if job.status == ImportStatus.FAILED:
        saved = f" Before it stopped, {counts}." if job.rows_read else ""
        return f"Failed: {job.error}.{saved}"
    if job.rows_read == 0:
        return "The file has a header but no data rows: nothing to import."
    return f"Dry run, nothing was written: {counts}." if job.dry_run else f"{counts}."


def waits_without_worker(job: ImportJob) -> bool:
    """Queued while no worker process is alive to run it: nothing will happen until one starts."""
    return job.status == ImportStatus.PENDING and not workers.any_alive()
