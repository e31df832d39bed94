"""Read the sheet of an XLSX workbook as numbered rows of text cells.

A workbook is a zip of XML parts. openpyxl's read-only mode streams the sheet, but holds the
shared strings (every distinct text of the workbook) in memory and materialises each cell
whole, so a small file can unpack to gigabytes: the zip's declared sizes are checked before
anything is unpacked (zipfile enforces them while reading).

Formula cells are read through the value the spreadsheet saved with them. A formula saved
without one (written by a program that does not calculate) is not a blank cell: its row and
column are reported in `unread`, for the row to be rejected, never read as empty.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.packaging.manifest import Manifest
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser
from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS, WORKSHEET_TYPE
from openpyxl.xml.functions import fromstring

from rapport.feedback.importing import ImportFailed

# Spreadsheet XML compresses 5-20 times; a part that unpacks to hundreds of times its size
# is repetition built to exhaust memory (a "zip bomb"), however small the file.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM = 1024 * 1024  # bytes unpacked: small parts may compress as they like
_UNREAD: Any = object()  # a formula cell without a saved value


class _SavedValueParser(WorkSheetParser):
    """openpyxl's sheet parser reading saved values (data_only), which tells a formula
    without a saved value from a blank cell instead of reading both as None."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            cell["value"] = _UNREAD
        return cell


def check_sizes(path: Path) -> None:
    """Refuse a workbook whose parts would unpack beyond the limits, before reading it.

    Sheets are streamed; every other part (the shared strings above all, wherever the
    manifest puts them, as openpyxl looks them up) is read whole, so it has the lower limit."""
    whole_limit = settings.IMPORT_MAX_XLSX_STRINGS_BYTES
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            manifest = archive.getinfo(ARC_CONTENT_TYPES)
            if manifest.file_size > whole_limit:
                raise ImportFailed(f"the workbook's {ARC_CONTENT_TYPES} is too large")
            declared = {
                item.PartName.lstrip("/"): item.ContentType
                for item in Manifest.from_tree(fromstring(archive.read(manifest))).Override
            }
    except (zipfile.BadZipFile, OSError, KeyError, SyntaxError, TypeError, ValueError):
        raise ImportFailed(
            "the file is not an XLSX workbook (save it from Excel as .xlsx)"
        ) from None
    total_limit = settings.IMPORT_MAX_XLSX_BYTES
    total = sum(part.file_size for part in parts)
    if total > total_limit:
        raise ImportFailed(
            f"the workbook unpacks to {_mb(total)}, more than the limit of {_mb(total_limit)} "
            "(RAPPORT_IMPORT_MAX_XLSX_MB); save it as CSV and import that"
        )
    for part in parts:
        name, size = part.filename, part.file_size
        kind = declared.get(name)
        streamed = kind == WORKSHEET_TYPE or (kind is None and name.startswith("xl/worksheets/"))
        if not streamed and size > whole_limit:
            what = (
                "text cells take"
                if kind == SHARED_STRINGS
                else f"part {name}, which is read whole, takes"
            )
            raise ImportFailed(
                f"the workbook's {what} {_mb(size)} unpacked, more than the limit of "
                f"{_mb(whole_limit)} (RAPPORT_IMPORT_MAX_XLSX_STRINGS_MB); "
                "save it as CSV and import that"
            )
        if size > RATIO_CHECKED_FROM and size > MAX_COMPRESSION_RATIO * max(part.compress_size, 1):
            raise ImportFailed(
                f"the workbook part {name} unpacks to {_mb(size)} from "
                f"{part.compress_size:,} bytes: it is not a spreadsheet's content"
            )


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


class SheetReader:
    """The rows of one sheet as text, with the formula cells it could not read."""

    def __init__(self, path: Path, sheet: str) -> None:
        check_sizes(path)
        try:
            self.workbook = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
            raise ImportFailed(
                "the file is not an XLSX workbook (save it from Excel as .xlsx)"
            ) from None
        names = self.workbook.sheetnames
        if sheet and sheet not in names:
            self.workbook.close()
            raise ImportFailed(f"no sheet named {sheet!r}; the sheets are {names}")
        self.worksheet = self.workbook[sheet] if sheet else self.workbook.worksheets[0]
        self.total_rows: int = getattr(self.worksheet, "max_row", None) or 0
        self.rows_done = 0
        # row number → indexes of its formula cells without a saved value (taken by the
        # validator as it meets the row)
        self.unread: dict[int, list[int]] = {}

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Every row up to the last, blank and missing ones included (as no cells)."""
        workbook, worksheet, unread = self.workbook, self.worksheet, self.unread
        with worksheet._get_source() as source:
            parser = _SavedValueParser(
                source,
                worksheet._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            expected = 1
            parsed = parser.parse()
            while True:
                try:
                    number, cells = next(parsed)
                except StopIteration:
                    return
                except (IndexError, KeyError, ValueError, SyntaxError) as error:
                    # A part that does not say what it should (ParseError is a SyntaxError).
                    raise ImportFailed(
                        f"row {expected}: the workbook cannot be read ({error}); open and save "
                        "it in Excel, or save it as CSV"
                    ) from None
                for missing in range(expected, number):
                    yield missing, []
                expected = number + 1
                row = [""] * (cells[-1]["column"] if cells else 0)
                for cell in cells:
                    value = cell["value"]
                    if value is _UNREAD:
                        unread.setdefault(number, []).append(cell["column"] - 1)
                    else:
                        row[cell["column"] - 1] = cell_text(value)
                self.rows_done = number
                yield number, row

    def serial_moment(self, serial: float) -> datetime | None:
        """The moment an Excel serial number stands for (a date in a General cell), as Excel
        reads it: the workbook's 1900 or 1904 date system, 1900 counted as a leap year."""
        if serial < 1:  # 0 and fractions of a day are times, not dates
            return None
        try:
            moment = from_excel(serial, self.workbook.epoch)
        except (OverflowError, ValueError):  # past 9999
            return None
        return moment if isinstance(moment, datetime) else None

    def close(self) -> None:
        self.workbook.close()


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)
