"""Table downloads: every text cell neutralised; XLSX cells typed, formatted, header frozen."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from rapport.core import exports
from rapport.core.exports import Column


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+44 20", "'+44 20"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (7, "7"),
        (-3, "'-3"),
    ],
)
def test_safe_cell(value, shown):
    assert exports.safe_cell(value) == shown


def test_csv_lines_quote_and_neutralise_every_cell_including_the_header():
    lines = list(exports.csv_lines(["=h", "b"], [["=x", 'say "hi", then go'], [None, 2]]))
    assert lines == ["'=h,b\r\n", '\'=x,"say ""hi"", then go"\r\n', ",2\r\n"]


COLUMNS = (
    Column("Name", width=30),
    Column("Value", "money", 14),
    Column("Count", "int"),
    Column("Due", "date"),
    Column("At", "datetime"),
)
AT = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
ROWS = [
    ("=cmd|' /C calc'!A0", Decimal("1234.5"), -3, date(2026, 3, 4), AT),
    ("Plain Ltd", Decimal("0"), 7, None, None),
]


def _xlsx(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_xlsx_cells_are_typed_formatted_and_text_neutralised(settings):
    settings.TIME_ZONE = "Europe/London"
    sheet = _xlsx(exports.table_download("xlsx", "things", COLUMNS, iter(ROWS))).active
    assert [c.value for c in sheet[1]] == ["Name", "Value", "Count", "Due", "At"]
    assert all(c.font.bold for c in sheet[1])
    first = sheet[2]
    assert first[0].value == "'=cmd|' /C calc'!A0"
    assert first[0].data_type == "s"
    assert first[1].value == 1234.5
    assert first[1].number_format == "#,##0.00"
    assert first[2].value == -3
    assert first[2].data_type == "n"
    assert first[3].value == datetime(2026, 3, 4)
    assert first[3].number_format == "yyyy-mm-dd"
    assert first[4].value == datetime(2026, 3, 4, 9, 30)  # London is on UTC in March
    assert sheet[3][3].value is None
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 30
    assert sheet.max_row == 3


def test_csv_writes_dates_as_iso_and_local_times(settings):
    settings.TIME_ZONE = "Europe/Paris"
    response = exports.table_download("csv", "things", COLUMNS, iter(ROWS))
    assert response["Content-Disposition"] == 'attachment; filename="things.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "1234.5", "'-3", "2026-03-04", "2026-03-04 10:30"]
    assert rows[2] == ["Plain Ltd", "0", "7", "", ""]


def test_downloads_are_bounded():
    many = ((f"row {i}", Decimal(i), i, None, None) for i in range(100))
    response = exports.table_download("csv", "things", COLUMNS, many, limit=10)
    assert len(b"".join(response.streaming_content).decode().splitlines()) == 1 + 10


def test_unknown_format_is_400_naming_the_formats():
    response = exports.table_download("pdf", "things", COLUMNS, iter(ROWS))
    assert response.status_code == 400
    assert "format must be one of csv, xlsx" in response.content.decode()
