"""`rapport import feedback FILE …`: run an import in this process, with a progress line.

Exit status: 0 when the import finished (rejected rows included), 1 when it failed, 2 when
the arguments are wrong (no such file, bad mapping, unknown user, nothing to resume).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from rapport.core import workers
from rapport.core.access import scope
from rapport.core.exports import csv_lines
from rapport.core.models import Team, User
from rapport.feedback import selectors, services
from rapport.feedback.exports import ERROR_COLUMNS, import_error_rows
from rapport.feedback.importing.pipeline import file_sha256
from rapport.feedback.models import ImportJob, ImportStatus


class _Usage(Exception):
    """Wrong arguments: reported on stderr with exit status 2."""


class ProgressLine:
    """Rewrites one stderr line on a terminal; elsewhere prints every ten seconds."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.last = 0.0

    def __call__(self, job: ImportJob) -> None:
        line = f"import {job.pk}: {job.progress_percent:3d}%  {job.rows_read:,} rows read"
        if self.interactive:
            self.stream.write(f"\r{line}")
        elif time.monotonic() - self.last >= 10:
            self.stream.write(f"{line}\n")
            self.last = time.monotonic()
        self.stream.flush()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")


def _user(username: str | None) -> User:
    users = User.objects.filter(is_active=True)
    user = (
        users.filter(username=username).first()
        if username
        else users.filter(is_superuser=True).order_by("pk").first()
    )
    if user is None:
        raise _Usage(f"no active user {username!r}" if username else "no superuser: pass --user")
    return user


def _job(args: argparse.Namespace, user: User) -> ImportJob:
    if args.resume is not None:
        try:
            job = selectors.get_import(user, args.resume)
        except Http404:
            raise _Usage(f"no import {args.resume} that {user.username} may see") from None
        if not services.resumable(job):
            raise _Usage(services.why_not_resumable(job))
        if args.file.is_file() and file_sha256(args.file) != job.file_sha256:
            raise _Usage(f"{args.file} is not the file of import {job.pk}")
        return job
    mapping = None
    if args.mapping is not None:
        try:
            mapping = args.mapping.read_bytes()
        except OSError as error:
            raise _Usage(f"cannot read the mapping: {error}") from None
    try:
        return services.start_import(
            actor=user,
            file_name=args.file.name,
            path=args.file,
            file_format=args.format,
            mapping=mapping,
            dry_run=args.dry_run,
            via="cli",
            background=False,
        )
    except (services.ImportRequestError, PermissionDenied) as error:
        raise _Usage(str(error)) from None


def _where_errors_are(job: ImportJob) -> str:
    try:
        page = reverse("feedback:import", args=[job.pk])
        download = reverse("feedback:import-errors-csv", args=[job.pk])
    except NoReverseMatch:
        return f"GET /api/v1/imports/{job.pk}/errors.csv"
    return f"{page} (CSV: {download}, or GET /api/v1/imports/{job.pk}/errors.csv)"


def _write_errors(path: Path, job: ImportJob, user: User) -> None:
    """The rejected rows as the web's CSV download writes them (formulas neutralised)."""
    rows = import_error_rows(selectors.import_errors(user, job.pk))
    with path.open("w", encoding="utf-8", newline="") as out:
        out.writelines(csv_lines(ERROR_COLUMNS, rows))
    print(f"{job.rows_rejected:,} rejected row(s) written to {path}")


def run_import(args: argparse.Namespace) -> int:
    try:
        if args.errors is not None and not args.errors.parent.is_dir():
            raise _Usage(f"--errors: no folder {args.errors.parent}")
        user = _user(args.user)
        job = _job(args, user)
    except _Usage as problem:
        print(f"rapport import: {problem}", file=sys.stderr)
        return 2
    progress = ProgressLine(sys.stderr)
    try:
        with workers.Beating():  # a killed terminal import can be resumed within seconds
            job = services.run_import_job(job_id=job.pk, on_progress=progress)
    finally:
        progress.close()
    print(f"Import {job.pk} ({job.file_name}): {selectors.import_summary(job)}")
    if args.errors is not None:
        _write_errors(args.errors, job, user)
    elif job.rows_rejected:
        print(f"Rejected rows are listed at {_where_errors_are(job)}")
    if job.status == ImportStatus.FAILED and services.resumable(job) and job.checkpoint_row:
        print(f"Resume with: rapport import feedback {args.file} --resume {job.pk}")
    return 0 if job.status == ImportStatus.SUCCEEDED else 1


def list_teams(args: argparse.Namespace) -> int:
    """`rapport teams`: the slugs a mapping's default_team may name, for the user importing."""
    try:
        user = _user(args.user)
    except _Usage as problem:
        print(f"rapport teams: {problem}", file=sys.stderr)
        return 2
    for slug, name in scope(Team.objects.all(), user, team_field="pk").values_list("slug", "name"):
        print(f"{slug}\t{name}")
    return 0
