"""CSV download of an import's rejected rows, through core.exports (which neutralises every
cell, so a value such as =HYPERLINK(…) stored exactly as imported cannot run as a formula)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from rapport.core.exports import csv_download
from rapport.feedback.models import ImportRowError

ERROR_COLUMNS = ("row", "column", "value", "reason")


def import_error_rows(errors: QuerySet[ImportRowError]) -> Iterator[tuple[object, ...]]:
    """The rejected rows, in ERROR_COLUMNS order, streamed from the database."""
    return errors.values_list("row_number", "column", "value", "reason").iterator(chunk_size=2000)


def import_errors_csv(job_id: int, errors: QuerySet[ImportRowError]) -> StreamingHttpResponse:
    """The rejected rows of a job, from the selector that checked the job is visible."""
    return csv_download(f"import-{job_id}-errors.csv", ERROR_COLUMNS, import_error_rows(errors))
