"""Open a CSV or XLSX file as a stream of numbered rows of text cells.

Memory stays flat as files grow: CSV is decoded and parsed as it is read, XLSX is read with
openpyxl's read-only mode (workbook.py). Row numbers are the ones a spreadsheet shows: the
first header row is row 1, and every record counts, blank ones included.

A CSV record that spans lines is checked as it is read, so that a stray quote, which makes
the parser swallow the lines after it into one value, fails the import naming where it
starts instead of losing rows; the pipeline reads a CSV file through once before writing.
"""

from __future__ import annotations

import _csv
import codecs
import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, islice
from pathlib import Path

from django.conf import settings

from rapport.feedback.importing import ImportFailed

SAMPLE_BYTES = 64 * 1024
# Every .xlsx is a ZIP archive, which starts with these bytes.
WORKBOOK_MAGIC = b"PK\x03\x04"
DELIMITERS = (",", ";", "\t")
# UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252",
}
QUALTRICS_IMPORT_ID = '{"ImportId"'

# csv stops at a field this many times the cell limit (the row of a longer cell is rejected).
FIELD_LIMIT_FACTOR = 16
UNTRUSTED = (
    "nothing was imported, because the rows from there on cannot be told apart; "
    'fix the quoting (a quote inside a quoted value is doubled: "") and import the file again'
)

NumberedRows = Iterator[tuple[int, list[str]]]


@dataclass
class TableExtras:
    """What a reader tells besides the rows."""

    # Bytes of the file consumed so far (includes the decoder's read-ahead; for progress).
    position: Callable[[], int]
    encoding: str = ""
    delimiter: str = ""
    # XLSX: row number → indexes of formula cells without a saved value (see workbook.py)
    unread: dict[int, list[int]] = field(default_factory=dict)
    # XLSX: the moment an Excel serial number stands for (None: not a date)
    serial_moment: Callable[[float], datetime | None] | None = None


@dataclass
class Table:
    """A file opened for import: its header rows, then its data rows as they are read."""

    header: list[list[str]]
    rows: NumberedRows
    qualtrics: bool
    extras: TableExtras

    @property
    def position(self) -> Callable[[], int]:
        return self.extras.position


def detect_encoding(sample: bytes) -> str:
    """A byte order mark decides; otherwise UTF-8 if the sample decodes, else Windows-1252."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if sample.startswith(mark):
            return encoding
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def detect_delimiter(header_line: str) -> str:
    """The candidate that occurs most often outside quotes in the header line (comma on ties)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return max(DELIMITERS, key=counts.__getitem__)


def detect_header_rows(first_rows: list[list[str]]) -> int:
    """3 for a Qualtrics export (ImportId row), 2 for a legacy one (V1… then labels), else 1."""
    if len(first_rows) >= 3:
        third = [cell for cell in first_rows[2] if cell]
        if third and all(cell.startswith(QUALTRICS_IMPORT_ID) for cell in third):
            return 3
    if (
        len(first_rows) >= 2
        and first_rows[0][:1] == ["V1"]
        and any(cell.strip().lower() == "responseid" for cell in first_rows[1])
    ):
        return 2
    return 1


@contextmanager
def open_table(
    path: Path, file_format: str, *, header_rows: int | None = None, sheet: str = ""
) -> Iterator[Table]:
    """Open the file; the header rows are read, the data rows are left to stream."""
    opener = _xlsx_rows(path, sheet) if file_format == "xlsx" else _csv_rows(path)
    with opener as (rows, extras):
        first = list(islice(rows, 3))
        if not first or not any(cell.strip() for _, cells in first for cell in cells):
            raise ImportFailed("the file is empty")
        if not any(cell.strip() for cell in first[0][1]):
            raise ImportFailed("row 1 should hold the column names but it is blank")
        detected = detect_header_rows([cells for _, cells in first])
        count = header_rows or detected
        if len(first) < count:
            raise ImportFailed(f"the header should have {count} rows but the file has {len(first)}")
        yield Table(
            header=[[cell.strip() for cell in cells] for _, cells in first[:count]],
            rows=chain(first[count:], rows),
            qualtrics=detected > 1,
            extras=extras,
        )


@contextmanager
def _csv_rows(path: Path) -> Iterator[tuple[NumberedRows, TableExtras]]:
    # A field this much longer than a cell may be is no value but a quote that swallowed the
    # lines after it; the parser stops there (its buffer holds 4 bytes a character).
    csv.field_size_limit(settings.IMPORT_MAX_CELL_CHARS * FIELD_LIMIT_FACTOR)
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
        if sample.startswith(WORKBOOK_MAGIC):
            raise ImportFailed(
                "the file is an Excel workbook (.xlsx), not a CSV file; import it as xlsx"
            )
        encoding = detect_encoding(sample)
        text_sample = sample.decode(encoding, errors="replace").lstrip("\ufeff")
        if not text_sample.strip():
            raise ImportFailed("the file is empty")
        delimiter = detect_delimiter(text_sample.splitlines()[0])
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter)
        extras = TableExtras(
            raw.tell, encoding=ENCODING_NAMES.get(encoding, encoding), delimiter=delimiter
        )
        yield _numbered(reader, path, encoding, delimiter), extras


def _numbered(reader: _csv.Reader, path: Path, encoding: str, delimiter: str) -> NumberedRows:
    """The records with their numbers. A record over several lines is checked: its line
    breaks must all be inside quoted values, and none may be followed by what reads as a
    record of its own (a stray quote swallows lines until the next quote)."""
    number = lines = width = 0
    header: list[str] = []
    try:
        for number, cells in enumerate(reader, start=1):
            end = reader.line_num
            if end - lines > 1:
                _check_spanning_record(
                    cells, number=number, first_line=lines + 1, last_line=end,
                    header=header, delimiter=delimiter,
                )  # fmt: skip
            lines = end
            if not width:
                header, width = cells, len(cells)
            yield number, cells
    except UnicodeDecodeError:
        # The decoder reads ahead, so the failing row is found by reading again leniently.
        bad_row = _first_undecodable_row(path, encoding, delimiter, after=number)
        name = ENCODING_NAMES.get(encoding, encoding)
        raise ImportFailed(
            f"row {bad_row}: the file is not valid {name} text from this row on; "
            "save it as UTF-8 and import it again"
        ) from None
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ImportFailed(
                f"row {number + 1} (line {lines + 1}): a value runs on for more than "
                f"{csv.field_size_limit():,} characters, so a quote is probably not closed; "
                f"{UNTRUSTED}"
            ) from None
        raise ImportFailed(f"row {number + 1}: the file cannot be read as CSV ({error})") from None


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _check_spanning_record(
    cells: list[str],
    *,
    number: int,
    first_line: int,
    last_line: int,
    header: list[str],
    delimiter: str,
) -> None:
    """Fail when a record's lines cannot all be line breaks inside its quoted values, or
    when a value holds a line that reads as a whole record of the header's width."""
    breaks = sum(_line_breaks(cell) for cell in cells)
    where = f"row {number} (line {first_line})"
    if breaks != last_line - first_line:
        raise ImportFailed(
            f"{where}: the record runs to line {last_line} but its quoted values hold "
            f"{breaks} line breaks; {UNTRUSTED}"
        )
    for index, cell in enumerate(cells):
        if len(header) < 2 or not _line_breaks(cell):
            continue
        for line in cell.splitlines()[1:]:
            if len(next(csv.reader([line], delimiter=delimiter), [])) >= len(header):
                column = header[index] if index < len(header) else f"column {index + 1}"
                raise ImportFailed(
                    f"{where}, column {column!r}: a quote opens a value that runs over the "
                    f"next lines, which read as rows of their own (line "
                    f"{first_line + 1}: {line[:60]!r}); a quote is probably stray or not "
                    f"closed. {UNTRUSTED}"
                )


def _first_undecodable_row(path: Path, encoding: str, delimiter: str, *, after: int) -> int:
    with path.open(encoding=encoding, errors="replace", newline="") as text:
        for number, cells in enumerate(csv.reader(text, delimiter=delimiter), start=1):
            if number > after and any("\ufffd" in cell for cell in cells):
                return number
    return after + 1


@contextmanager
def _xlsx_rows(path: Path, sheet: str) -> Iterator[tuple[NumberedRows, TableExtras]]:
    # Imported here: CSV imports (most of them) need not pay openpyxl's start-up time.
    from rapport.feedback.importing.workbook import SheetReader

    reader = SheetReader(path, sheet)
    try:
        size, total_rows = path.stat().st_size, reader.total_rows

        def position() -> int:
            # The sheet is compressed inside the file: estimate bytes from rows read.
            return size * min(reader.rows_done, total_rows) // total_rows if total_rows else 0

        extras = TableExtras(position, unread=reader.unread, serial_moment=reader.serial_moment)
        yield reader.rows(), extras
    finally:
        reader.close()
