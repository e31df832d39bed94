"""Open a CSV or XLSX file as a stream of numbered rows of text cells.

Memory stays flat as files grow: CSV is decoded and parsed as it is read, XLSX is read with
openpyxl's read-only mode. Row numbers are the ones a spreadsheet shows: the first header
row is row 1, and every record counts, blank ones included.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import chain, islice
from pathlib import Path

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

NumberedRows = Iterator[tuple[int, list[str]]]


@dataclass
class Table:
    """A file opened for import: its header rows, then its data rows as they are read."""

    header: list[list[str]]
    rows: NumberedRows
    # Bytes of the file consumed so far (includes the decoder's read-ahead; for progress).
    position: Callable[[], int]
    qualtrics: bool
    encoding: str = ""
    delimiter: str = ""


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
    with opener as (rows, position, encoding, delimiter):
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
            position=position,
            qualtrics=detected > 1,
            encoding=ENCODING_NAMES.get(encoding, encoding),
            delimiter=delimiter,
        )


@contextmanager
def _csv_rows(path: Path) -> Iterator[tuple[NumberedRows, Callable[[], int], str, str]]:
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
        yield _numbered(reader, path, encoding, delimiter), raw.tell, encoding, delimiter


def _numbered(
    reader: Iterator[list[str]], path: Path, encoding: str, delimiter: str
) -> NumberedRows:
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
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
        raise ImportFailed(f"row {number + 1}: the file cannot be read as CSV ({error})") from None


def _first_undecodable_row(path: Path, encoding: str, delimiter: str, *, after: int) -> int:
    with path.open(encoding=encoding, errors="replace", newline="") as text:
        for number, cells in enumerate(csv.reader(text, delimiter=delimiter), start=1):
            if number > after and any("\ufffd" in cell for cell in cells):
                return number
    return after + 1


@contextmanager
def _xlsx_rows(
    path: Path, sheet: str
) -> Iterator[tuple[NumberedRows, Callable[[], int], str, str]]:
    # Imported here: CSV imports (most of them) need not pay openpyxl's start-up time.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise ImportFailed(
            "the file is not an XLSX workbook (save it from Excel as .xlsx)"
        ) from None
    try:
        if sheet and sheet not in workbook.sheetnames:
            raise ImportFailed(f"no sheet named {sheet!r}; the sheets are {workbook.sheetnames}")
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        total_rows = getattr(worksheet, "max_row", None) or 0
        size = path.stat().st_size
        done = [0]

        def rows() -> NumberedRows:
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                done[0] = number
                yield number, [cell_text(value) for value in values]

        def position() -> int:
            # The sheet is compressed inside the file: estimate bytes from rows read.
            return size * min(done[0], total_rows) // total_rows if total_rows else 0

        yield rows(), position, "", ""
    finally:
        workbook.close()


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
