"""CSV downloads. Every cell goes through `safe_cell`, so a value such as =HYPERLINK(…) that
was stored exactly as imported cannot run as a formula when the export is opened."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from rapport.feedback.models import ImportRowError

# What spreadsheet programs read as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text, prefixed with a single quote when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """csv.writer target that hands back each line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_download(
    file_name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """A streamed CSV attachment: memory stays flat however many rows there are."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


ERROR_COLUMNS = ("row", "column", "value", "reason")


def import_error_rows(errors: QuerySet[ImportRowError]) -> Iterator[tuple[object, ...]]:
    """The rejected rows, in ERROR_COLUMNS order, streamed from the database."""
    return errors.values_list("row_number", "column", "value", "reason").iterator(chunk_size=2000)


def import_errors_csv(job_id: int, errors: QuerySet[ImportRowError]) -> StreamingHttpResponse:
    """The rejected rows of a job, from the selector that checked the job is visible."""
    return csv_download(f"import-{job_id}-errors.csv", ERROR_COLUMNS, import_error_rows(errors))
