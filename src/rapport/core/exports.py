"""Table downloads, CSV and XLSX, for every app.

Every text cell goes through `safe_cell`, so a value such as =HYPERLINK(…) that was stored
exactly as typed or imported cannot run as a formula when the file is opened. XLSX cells keep
their type (numbers as numbers, dates as dates) with a number format, so a spreadsheet can sum
and sort them; only text cells are neutralised there, since a number cannot be a formula.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import NamedTuple, TypeVar

from django.http import FileResponse, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# What spreadsheet programs read as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# An export is a working list, not a backup: bounded so one request cannot run for ever.
EXPORT_ROW_LIMIT = 100_000
FORMATS = ("csv", "xlsx")
T = TypeVar("T")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Column kinds and their XLSX number formats ("" = text).
NUMBER_FORMATS = {
    "text": "",
    "int": "#,##0",
    "number": "#,##0.0",
    "money": "#,##0.00",
    "ratio": "0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


class Column(NamedTuple):
    header: str
    kind: str = "text"  # a key of NUMBER_FORMATS
    width: int = 14  # characters, for the XLSX column


def chunks(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """`rows` in lists of `size` (the last one shorter), for reading figures a chunk at a time."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


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


def _local(value: datetime) -> datetime:
    """Spreadsheets have no time zones: a moment is written as the local wall-clock time."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def _csv_value(value: object) -> object:
    if isinstance(value, datetime):
        return f"{_local(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _xlsx_value(value: object) -> object:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, (int, float, date)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return safe_cell(value)


def xlsx_download(
    file_name: str, columns: Sequence[Column], rows: Iterable[Sequence[object]]
) -> FileResponse:
    """An XLSX attachment built in openpyxl's write-only mode (rows go to disk as they come)
    with typed cells, number formats, a bold frozen header row and column widths."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(file_name.rsplit(".", 1)[0][:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=safe_cell(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [NUMBER_FORMATS[column.kind] for column in columns]
    for row in rows:
        cells = []
        for value, number_format in zip(row, formats, strict=True):
            cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
    spooled = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(spooled)
    spooled.seek(0)
    return FileResponse(spooled, as_attachment=True, filename=file_name, content_type=XLSX_TYPE)


def table_download(
    fmt: str,
    file_stem: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    *,
    limit: int = EXPORT_ROW_LIMIT,
) -> HttpResponseBase:
    """The rows as `file_stem`.csv (streamed) or .xlsx, at most `limit` of them."""
    bounded = islice(rows, limit)
    if fmt == "csv":
        header = [column.header for column in columns]
        typed = ([_csv_value(value) for value in row] for row in bounded)
        return csv_download(f"{file_stem}.csv", header, typed)
    if fmt == "xlsx":
        return xlsx_download(f"{file_stem}.xlsx", columns, bounded)
    return HttpResponse(
        f"format must be one of {', '.join(FORMATS)}, not {fmt!r}",
        status=400,
        content_type="text/plain; charset=utf-8",
    )
