"""Every write to feedback: import jobs, and responses recorded through the API.

Access is checked here: importing needs IMPORT_FEEDBACK, recording or changing a response
needs RECORD_FEEDBACK in the account's team. Rollups move in the transaction that writes the
rows; the accounts' snapshots are refreshed at the end (both registered by analytics in
feedback.hooks).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from rapport.core import workers
from rapport.core.access import Actor, Capability, require, scope_of
from rapport.core.models import AuditAction
from rapport.core.services import record_audit
from rapport.customers.models import Account
from rapport.feedback import hooks, tasks
from rapport.feedback.hooks import ScoreRow
from rapport.feedback.importing import ImportFailed
from rapport.feedback.importing.items import validate_items
from rapport.feedback.importing.mapping import MappingError, load_mapping, parse_mapping
from rapport.feedback.importing.pipeline import BATCH_ROWS, ImportRun, ProgressCallback, file_sha256
from rapport.feedback.importing.rows import RowProblem
from rapport.feedback.importing.store import (
    CHECKPOINT_FIELDS,
    existing_response,
    find_existing,
    write_rows,
)
from rapport.feedback.models import ImportJob, ImportStatus, Response
from rapport.feedback.selectors import import_summary

log = logging.getLogger(__name__)

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx"}
MAX_BULK_ITEMS = 1000


class ImportRequestError(ValueError):
    """The request to import is wrong (file, format, mapping, size): nothing was started."""


class ItemsRejected(Exception):
    """Some API items are invalid; nothing was written. Not a ValueError: it carries a
    problem per item, which callers report in full rather than as one message."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__(
            f"{len({p.row_number for p in problems})} item(s) rejected; nothing was written"
        )


# --- import jobs ----------------------------------------------------------------------------


def _teams_with(actor: Actor, capability: Capability) -> list[int] | None:
    """The teams where the actor holds the capability (None: every team)."""
    actor_scope = scope_of(actor)
    if actor_scope.all_teams:
        return None
    return sorted(t for t in actor_scope.team_ids if actor_scope.can(capability, t))


def file_format_for(file_name: str, requested: str | None) -> str:
    if requested:
        if requested not in ("csv", "xlsx"):
            raise ImportRequestError(f"format must be csv or xlsx, not {requested!r}")
        return requested
    found = FORMATS.get(Path(file_name).suffix.lower())
    if found is None:
        raise ImportRequestError(
            f"cannot tell the format of {file_name!r} from its name; choose csv or xlsx"
        )
    return found


def _save_upload(upload: UploadedFile, file_format: str) -> tuple[Path, int, str]:
    """Copy the upload under MEDIA_ROOT/imports with a generated name; enforce the size limit."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ImportRequestError(f"the file is larger than the limit of {limit // 2**20} MB")
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.{file_format}"
    digest, size = hashlib.sha256(), 0
    with path.open("wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink()
                raise ImportRequestError(
                    f"the file is larger than the limit of {limit // 2**20} MB"
                )
            digest.update(chunk)
            out.write(chunk)
    return path, size, digest.hexdigest()


def _local_file(path: Path) -> tuple[Path, int, str]:
    if not path.is_file():
        raise ImportRequestError(f"no such file: {path}")
    return path.resolve(), path.stat().st_size, file_sha256(path)


def start_import(
    *,
    actor: Actor,
    file_name: str,
    upload: UploadedFile | None = None,
    path: Path | None = None,
    file_format: str | None = None,
    mapping: str | bytes | dict[str, Any] | None = None,
    dry_run: bool = False,
    via: str = "web",
    background: bool = True,
) -> ImportJob:
    """Create an import job for an upload (kept under MEDIA_ROOT) or a local file (the CLI).

    With background=True the job is queued for `rapport worker` once the job row commits.
    """
    require(actor, Capability.IMPORT_FEEDBACK, None)
    chosen_format = file_format_for(file_name, file_format)
    try:
        mapping_data = mapping if isinstance(mapping, dict) else load_mapping(mapping)
        parse_mapping(mapping_data)
    except MappingError as error:
        raise ImportRequestError(str(error)) from None
    if upload is not None:
        stored, size, sha256 = _save_upload(upload, chosen_format)
    elif path is not None:
        stored, size, sha256 = _local_file(path)
    else:
        raise ImportRequestError("no file was given")
    team_ids = _teams_with(actor, Capability.IMPORT_FEEDBACK)
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=actor if actor.is_authenticated else None,
            file_name=Path(file_name).name[:255],
            file_path=str(stored),
            file_size=size,
            file_sha256=sha256,
            file_format=chosen_format,
            mapping=mapping_data,
            dry_run=dry_run,
            via=via,
            team_ids=team_ids or [],
            all_teams=team_ids is None,
        )
        if background:
            transaction.on_commit(lambda: tasks.run_import.enqueue(job.pk))
    return job


def resume_possible_at(job: ImportJob) -> datetime | None:
    """When a running job counts as stopped if nothing more is heard from it (None when it is
    not running). With a worker id, when that worker's beats go silent for
    RAPPORT_WORKER_LOST_SECONDS; without one, RAPPORT_IMPORT_STALLED_MINUTES after the last
    checkpoint."""
    if job.status != ImportStatus.RUNNING:
        return None
    if job.worker_id:
        seen = workers.last_seen(job.worker_id)
        return (seen + workers.lost_after()) if seen else (job.heartbeat_at or job.created_at)
    last = job.heartbeat_at or job.started_at or job.created_at
    return last + timedelta(minutes=settings.RAPPORT_IMPORT_STALLED_MINUTES)


def stalled(job: ImportJob, *, now: datetime | None = None) -> bool:
    """Running, but the worker running it has stopped (killed, out of memory, machine gone)."""
    possible_at = resume_possible_at(job)
    return possible_at is not None and (now or timezone.now()) >= possible_at


def resumable(job: ImportJob) -> bool:
    """A failed job, or a running one whose worker stopped, can be resumed while its file is
    kept."""
    return (
        job.file_format != "api"
        and job.file_removed_at is None
        and (job.status == ImportStatus.FAILED or stalled(job))
    )


def why_not_resumable(job: ImportJob, *, now: datetime | None = None) -> str:
    """What stops a resume now, and when it becomes possible if it will."""
    now = now or timezone.now()
    prefix = f"import {job.pk} is {job.get_status_display().lower()}"
    if job.file_removed_at is not None:
        return (
            f"import {job.pk} cannot be resumed: its uploaded file was removed on "
            f"{timezone.localtime(job.file_removed_at):%-d %b %Y} "
            f"(files are kept {settings.RAPPORT_IMPORT_KEEP_UPLOADS_DAYS} days)"
        )
    possible_at = resume_possible_at(job)
    if possible_at is None:
        return f"{prefix}: there is nothing to resume"
    wait = max(1, round((possible_at - now).total_seconds()))
    if job.worker_id:
        seen = workers.last_seen(job.worker_id) or now
        return (
            f"{prefix}: the worker running it was last seen "
            f"{max(0, round((now - seen).total_seconds()))} s ago; wait for it to finish, or "
            f"resume at {timezone.localtime(possible_at):%H:%M:%S} (in {wait} s) if that worker "
            "has stopped"
        )
    return (
        f"{prefix} and checkpointed at {timezone.localtime(job.heartbeat_at or now):%H:%M:%S}; "
        f"wait for it to finish, or resume at {timezone.localtime(possible_at):%H:%M:%S} "
        f"(in {wait} s) if its process has stopped"
    )


def fail_stalled_imports() -> int:
    """Periodic (`rapport worker`): mark imports whose worker stopped failed with the reason,
    so their page offers to resume them. Returns how many."""
    failed = 0
    for job in ImportJob.objects.filter(status=ImportStatus.RUNNING):
        if not stalled(job):
            continue
        last = timezone.localtime(job.heartbeat_at or job.started_at or job.created_at)
        error = (
            f"stalled: no progress since {last:%-d %b %Y %H:%M:%S} (the worker running it "
            "stopped); rows up to the last checkpoint are saved, resume it"
        )
        # Only if it is still the same run: the job may have been resumed meanwhile.
        failed += ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.RUNNING, worker_id=job.worker_id
        ).update(status=ImportStatus.FAILED, error=error, finished_at=timezone.now())
        log.warning("import %s %s", job.pk, error)
    return failed


def resume_import(*, actor: Actor, job: ImportJob) -> ImportJob:
    """Queue a failed or killed job again; it carries on after its last checkpoint."""
    require(actor, Capability.IMPORT_FEEDBACK, None)
    if not resumable(job):
        raise ImportRequestError(why_not_resumable(job))
    with transaction.atomic():
        job.status, job.error = ImportStatus.PENDING, ""
        job.save(update_fields=["status", "error"])
        transaction.on_commit(lambda: tasks.run_import.enqueue(job.pk))
    return job


def delete_old_uploads(*, now: datetime | None = None) -> int:
    """Periodic: delete the uploaded files of jobs that ended more than
    RAPPORT_IMPORT_KEEP_UPLOADS_DAYS ago. The jobs keep their counts and rejected rows; a file
    the CLI imported from its own place is never touched. Returns how many files."""
    ended_before = (now or timezone.now()) - timedelta(
        days=settings.RAPPORT_IMPORT_KEEP_UPLOADS_DAYS
    )
    uploads = Path(settings.MEDIA_ROOT).resolve() / "imports"
    ended = ImportJob.objects.filter(
        status__in=(ImportStatus.SUCCEEDED, ImportStatus.FAILED),
        finished_at__lt=ended_before,
        file_removed_at__isnull=True,
    ).exclude(file_path="")
    removed = 0
    for job in ended.only("pk", "file_path", "team_ids"):
        path = Path(job.file_path).resolve()
        if path.parent != uploads:
            continue
        with transaction.atomic():
            job.file_path, job.file_removed_at = "", timezone.now()
            job.save(update_fields=["file_path", "file_removed_at"])
            record_audit(
                actor=None,
                action=AuditAction.DELETE,
                instance=job,
                changed_fields=["file_path", "file_removed_at"],
                team_id=job.team_ids[0] if len(job.team_ids) == 1 else None,
                via="worker",
                detail=f"uploaded file removed after "
                f"{settings.RAPPORT_IMPORT_KEEP_UPLOADS_DAYS} days",
            )
            path.unlink(missing_ok=True)
        removed += 1
    return removed


def run_import_job(
    *, job_id: int, batch_rows: int = BATCH_ROWS, on_progress: ProgressCallback | None = None
) -> ImportJob:
    """Run or resume a job. Not one transaction: each batch commits with its checkpoint, so a
    failure keeps what was written and a resume carries on from there."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == ImportStatus.SUCCEEDED:
        return job
    resumed = job.checkpoint_row > 0
    job.status, job.error, job.finished_at = ImportStatus.RUNNING, "", None
    job.started_at = job.started_at or timezone.now()
    job.heartbeat_at = timezone.now()
    job.worker_id = workers.current_worker_id()
    job.save(
        update_fields=["status", "error", "finished_at", "started_at", "heartbeat_at", "worker_id"]
    )
    run = ImportRun(job, batch_rows=batch_rows, on_progress=on_progress)
    try:
        run.execute()
    except ImportFailed as failure:
        _finish(job, run, resumed=resumed, error=str(failure))
    except Exception as error:
        log.exception("import %s failed", job.pk)
        _finish(job, run, resumed=resumed, error=f"unexpected error: {error}")
    except BaseException:
        _finish(job, run, resumed=resumed, error="the import was interrupted; resume it")
        raise
    else:
        _finish(job, run, resumed=resumed, error="")
    return job


@transaction.atomic
def _finish(job: ImportJob, run: ImportRun, *, resumed: bool, error: str) -> None:
    if error:  # the counts of the batches that committed, not of the one that failed
        job.refresh_from_db(fields=CHECKPOINT_FIELDS)
    else:
        job.bytes_done = job.file_size
    job.status = ImportStatus.FAILED if error else ImportStatus.SUCCEEDED
    job.error = error
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "bytes_done"])
    if not job.dry_run:
        accounts = set(run.touched)
        if resumed:  # accounts written before the interruption need their snapshots too
            accounts.update(
                Response.objects.filter(import_job=job)
                .order_by()
                .values_list("account_id", flat=True)
                .distinct()
            )
        hooks.import_finished(job.pk, accounts)  # snapshots, health, comment analysis
    record_audit(
        actor=job.created_by,
        action=AuditAction.IMPORT,
        instance=job,
        team_id=job.team_ids[0] if len(job.team_ids) == 1 else None,
        via=job.via,
        detail=f"{job.file_name}: {import_summary(job)}",
    )


# --- responses through the API --------------------------------------------------------------


@dataclass(frozen=True)
class RecordedResponses:
    inserted: int
    updated: int
    skipped: int
    ids: list[int]  # in the order of the items
    job: ImportJob | None


def _write_items(
    *,
    actor: Actor,
    items: list[dict[str, Any]],
    job: ImportJob | None = None,
    updating: Response | None = None,
) -> RecordedResponses:
    """Validate every item first; write all of them or none (the caller holds the transaction).

    `updating` is the one response the single item changes, found by its id."""
    valid, problems = validate_items(items, team_ids=_teams_with(actor, Capability.RECORD_FEEDBACK))
    if problems:
        raise ItemsRejected(problems)
    existing = contacts = None
    if updating is not None:
        # Without an external id the validator generated one: keep the stored identity, and
        # find the row by its id, or the update would insert a second response.
        row = valid[0] = valid[0]._replace(external_id=updating.external_id)
        existing = {(row.source_system, row.external_id): existing_response(updating.pk)}
        contact = updating.respondent_contact
        if (row.account_id, row.contact_email) == (
            updating.account_id,
            contact.email.casefold() if contact else "",
        ):  # unchanged: keep the contact, even one without an e-mail to find it by
            contacts = {(row.account_id, row.contact_email): updating.respondent_contact_id}
    outcome = write_rows(
        valid, job_id=job.pk if job else None, dry_run=False, existing=existing, contacts=contacts
    )
    if outcome.accounts:
        hooks.accounts_changed(outcome.accounts)
    if updating is not None:
        ids = [updating.pk]
    else:
        stored = find_existing(valid)
        ids = [stored[(row.source_system, row.external_id)].pk for row in valid]
    return RecordedResponses(
        inserted=outcome.inserted,
        updated=outcome.updated,
        skipped=outcome.skipped,
        ids=ids,
        job=job,
    )


@transaction.atomic
def record_responses(
    *, actor: Actor, items: list[dict[str, Any]], via: str = "api"
) -> RecordedResponses:
    """Bulk: up to 1,000 items, all or nothing, idempotent by (source_system, external_id).

    The call is kept as an import job (format "api") so it has counts and one audit event.
    """
    require(actor, Capability.RECORD_FEEDBACK, None)
    if len(items) > MAX_BULK_ITEMS:
        raise ImportRequestError(f"at most {MAX_BULK_ITEMS} items per request")
    now = timezone.now()
    job = ImportJob.objects.create(
        created_by=actor if actor.is_authenticated else None,
        started_at=now,
        finished_at=now,
        status=ImportStatus.SUCCEEDED,
        file_name=f"API request ({len(items)} items)",
        file_path="",
        file_format="api",
        via=via,
    )
    result = _write_items(actor=actor, items=items, job=job)
    job.rows_read = len(items)
    job.rows_inserted, job.rows_updated, job.rows_skipped = (
        result.inserted,
        result.updated,
        result.skipped,
    )
    job.save(update_fields=["rows_read", "rows_inserted", "rows_updated", "rows_skipped"])
    record_audit(
        actor=actor,
        action=AuditAction.IMPORT,
        instance=job,
        via=via,
        detail=f"{result.inserted} inserted, {result.updated} updated, {result.skipped} unchanged",
    )
    return result


@transaction.atomic
def create_response(
    *, actor: Actor, item: dict[str, Any], via: str = "api"
) -> tuple[Response, bool]:
    """One response; an existing (source_system, external_id) is updated instead.
    Returns the response and whether it was created."""
    require(actor, Capability.RECORD_FEEDBACK, None)
    result = _write_items(actor=actor, items=[item])
    response = Response.objects.get(pk=result.ids[0])
    if result.inserted or result.updated:
        record_audit(
            actor=actor,
            action=AuditAction.CREATE if result.inserted else AuditAction.UPDATE,
            instance=response,
            changed_fields=[k for k in item if item[k] not in (None, "", {})],
            team_id=response.account.team_id,
            via=via,
        )
    return response, bool(result.inserted)


def _as_item(response: Response) -> dict[str, Any]:
    contact = response.respondent_contact
    return {
        "account": response.account_id,
        "external_id": response.external_id,
        "submitted_at": response.submitted_at,
        "nps": response.nps,
        "csat": response.csat,
        "ces": response.ces,
        "comment": response.comment,
        "channel": response.channel,
        "contact_email": contact.email if contact else "",
        "source_system": response.source_system,
        "answers": response.answers,
    }


@transaction.atomic
def update_response(
    *, actor: Actor, response: Response, changes: dict[str, Any], via: str = "api"
) -> list[str]:
    """Change a response; source_system and external_id identify it and cannot change."""
    require(actor, Capability.RECORD_FEEDBACK, response.account.team_id)
    current = _as_item(response)
    fixed = [
        k for k in ("source_system", "external_id") if k in changes and changes[k] != current[k]
    ]
    if fixed:
        raise ImportRequestError(f"{' and '.join(fixed)} identify a response and cannot change")
    changed = [k for k, v in changes.items() if current.get(k) != v]
    if changed:
        _write_items(actor=actor, items=[{**current, **changes}], updating=response)
        record_audit(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=response,
            changed_fields=changed,
            team_id=response.account.team_id,
            via=via,
        )
        response.refresh_from_db()
    return changed


def follow_account_team(account: Account) -> None:
    """An account has moved to another team: its responses move with it (registered in
    customers' ACCOUNT_MOVED_HOOKS), unless one of their external ids is taken in that team,
    which refuses the move."""
    taken = Response.objects.filter(
        team_id=account.team_id,
        source_system=OuterRef("source_system"),
        external_id=OuterRef("external_id"),
    ).exclude(account=account)
    clash = (
        Response.objects.filter(account=account)
        .exclude(external_id="")
        .filter(Exists(taken))
        .values_list("external_id", flat=True)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"team": f"that team already has a response with this account's external id {clash!r}"}
        )
    Response.objects.filter(account=account).update(team_id=account.team_id)


@transaction.atomic
def delete_response(*, actor: Actor, response: Response, via: str = "api") -> None:
    team_id = response.account.team_id
    require(actor, Capability.RECORD_FEEDBACK, team_id)
    record_audit(
        actor=actor, action=AuditAction.DELETE, instance=response, team_id=team_id, via=via
    )
    old = ScoreRow(
        response.account_id,
        response.submitted_at,
        response.nps,
        response.csat,
        response.ces,
        response.answers,
    )
    response.delete()
    hooks.accounts_changed(hooks.write_changes(removed=[old]))
