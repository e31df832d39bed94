"""Run imports the way the web and the CLI do, and check what they left in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.analytics.models import MetricRollup
from rapport.core.dates import bucket_starts
from rapport.feedback import services
from rapport.feedback.importing.pipeline import BATCH_ROWS, ProgressCallback
from rapport.feedback.models import ImportJob, ImportRowError, Response

HEADER = "account,external_id,submitted_at,nps,csat,ces,comment"
SOME_ROWS = (  # for accounts of the `accounts` fixture
    HEADER,
    "A-1,r1,2025-03-04 10:00,9,4,6,fine",
    "A-2,r2,2025-03-05 11:00,3,2,,slow",
    "A-1,r3,2025-03-06 12:00,,5,7,",
)
METRICS = ("nps", "csat", "ces")
PERIODS = ("day", "week", "month")


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def start(
    actor: Any,
    content: bytes,
    *,
    name: str = "responses.csv",
    mapping: dict[str, Any] | str | None = None,
    dry_run: bool = False,
) -> ImportJob:
    """An uploaded file as the web page starts it (saved under MEDIA_ROOT), not yet run."""
    return services.start_import(
        actor=actor,
        file_name=name,
        upload=SimpleUploadedFile(name, content),
        mapping=mapping,
        dry_run=dry_run,
        via="test",
        background=False,
    )


def run(
    job: ImportJob, *, batch_rows: int = BATCH_ROWS, on_progress: ProgressCallback | None = None
) -> ImportJob:
    services.run_import_job(job_id=job.pk, batch_rows=batch_rows, on_progress=on_progress)
    job.refresh_from_db()
    assert_reconciles(job)
    return job


def import_bytes(
    actor: Any,
    content: bytes,
    *,
    name: str = "responses.csv",
    mapping: dict[str, Any] | str | None = None,
    dry_run: bool = False,
    batch_rows: int = BATCH_ROWS,
) -> ImportJob:
    return run(
        start(actor, content, name=name, mapping=mapping, dry_run=dry_run), batch_rows=batch_rows
    )


def import_lines(actor: Any, *lines: str, **options: Any) -> ImportJob:
    return import_bytes(actor, csv_bytes(*lines), **options)


def assert_reconciles(job: ImportJob) -> None:
    """rows_read = inserted + updated + skipped + rejected, and each rejected row has errors."""
    assert job.rows_read == (
        job.rows_inserted + job.rows_updated + job.rows_skipped + job.rows_rejected
    ), counts(job)
    rejected_rows = ImportRowError.objects.filter(job=job).values("row_number").distinct().count()
    assert job.rows_rejected == rejected_rows


def counts(job: ImportJob) -> tuple[int, int, int, int, int]:
    """(read, inserted, updated, skipped, rejected)."""
    return (
        job.rows_read,
        job.rows_inserted,
        job.rows_updated,
        job.rows_skipped,
        job.rows_rejected,
    )


def errors(job: ImportJob) -> list[tuple[int, str, str, str]]:
    return list(
        ImportRowError.objects.filter(job=job)
        .order_by("row_number", "pk")
        .values_list("row_number", "column", "value", "reason")
    )


def stored() -> list[tuple[Any, ...]]:
    """Every response's identity and content, in a stable order (no ids, no import job)."""
    return sorted(
        Response.objects.values_list(
            "source_system",
            "external_id",
            "account__external_id",
            "submitted_at",
            "nps",
            "csat",
            "ces",
            "comment",
            "channel",
            "answers",
            "respondent_contact_id",
        ),
        key=lambda row: (row[0], row[1]),
    )


def direct_rollups(metric: str, period: str) -> dict[tuple[int, Any], tuple[int, float, float]]:
    """Sums per (account, bucket) computed straight from the responses."""
    index = PERIODS.index(period)
    result: dict[tuple[int, Any], tuple[int, float, float]] = {}
    for r in Response.objects.all():
        value = getattr(r, metric) if metric in METRICS else r.answers.get(metric)
        if value is None:
            continue
        key = (r.account_id, bucket_starts(r.submitted_at)[index])
        n, total, sq = result.get(key, (0, 0.0, 0.0))
        result[key] = (n + 1, total + value, sq + value * value)
    return result


def stored_rollups(metric: str, period: str) -> dict[tuple[int, Any], tuple[int, float, float]]:
    return {
        (r.account_id, r.period_start): (r.n, r.total, r.total_sq)
        for r in MetricRollup.objects.filter(metric=metric, period=period)
        if r.n
    }


def assert_rollups_match(*answer_keys: str) -> None:
    for metric in (*METRICS, *answer_keys):
        for period in PERIODS:
            assert stored_rollups(metric, period) == direct_rollups(metric, period), (
                metric,
                period,
            )


def rollup_state() -> list[tuple[Any, ...]]:
    return sorted(
        MetricRollup.objects.values_list(
            "account_id", "metric", "period", "period_start", "n", "total", "total_sq"
        )
    )


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
