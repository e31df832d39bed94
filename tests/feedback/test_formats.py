"""XLSX workbooks and Qualtrics exports through the same pipeline."""

from __future__ import annotations

import datetime as dt
import io
from datetime import UTC
from typing import Any

import pytest
from openpyxl import Workbook

from rapport.feedback.models import ImportStatus, Response
from tests.feedback.helpers import assert_rollups_match, counts, errors, import_bytes

pytestmark = pytest.mark.django_db


def _workbook(*sheets: tuple[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX_ROWS: list[list[Any]] = [
    ["Account", "Response ID", "Submitted at", "NPS", "CSAT", "CES", "Comment", "Ease"],
    ["A-1", "x1", dt.datetime(2025, 3, 4, 14, 30), 9, 4.0, 6, "café", 3.5],
    ["A-2", 1002, dt.date(2025, 3, 5), 10.0, None, None, None, 4],
    [None, None, None, None, None, None, None, None],  # blank rows are not data
    ["A-1", 1003.0, "2025-03-06T08:15:00+01:00", 7.5, 5, 1, "+44 20 7946 0000", None],
    ["A-1", "x4", "06/03/2025", 3, 2, 7, "ok", None],
]


def test_xlsx_with_date_and_numeric_cells(accounts, world):
    job = import_bytes(
        world.user,
        _workbook(("Responses", XLSX_ROWS)),
        name="responses.xlsx",
        mapping={"answers": {"ease": "Ease"}},
    )
    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert job.file_format == "xlsx"
    assert errors(job) == [
        (5, "NPS", "7.5", "NPS must be a whole number from 0 to 10"),
        (
            6,
            "Submitted at",
            "06/03/2025",
            "ambiguous date '06/03/2025': 6 March 2025 or 3 June 2025? "
            "Set date_format in the mapping (e.g. %d/%m/%Y) or use ISO 8601",
        ),
    ]
    assert counts(job) == (4, 2, 0, 0, 2)  # the blank row 4 is not counted
    rows = {r.external_id: r for r in Response.objects.all()}
    assert set(rows) == {"x1", "1002"}  # a whole-number cell is its digits, not "1002.0"
    x1 = rows["x1"]
    assert (x1.submitted_at, x1.nps, x1.csat, x1.ces) == (
        dt.datetime(2025, 3, 4, 14, 30, tzinfo=UTC),  # GMT in March
        9,
        4,
        6,
    )
    assert (x1.comment, x1.answers) == ("café", {"ease": 3.5})
    n2 = rows["1002"]
    assert (n2.submitted_at, n2.nps, n2.csat, n2.comment, n2.answers) == (
        dt.datetime(2025, 3, 5, tzinfo=UTC),
        10,
        None,
        "",
        {"ease": 4},
    )
    assert_rollups_match("ease")


def test_xlsx_text_cells_that_look_like_formulas_stay_text(accounts, world):
    book = Workbook()
    sheet = book.active
    sheet.append(["account", "external_id", "submitted_at", "nps", "comment"])
    sheet.append(["A-1", "r1", "2025-03-04 10:00", 9, "placeholder"])
    cell = sheet.cell(row=2, column=5)
    cell.value, cell.data_type = "=1+1", "s"  # a string cell, not a formula
    out = io.BytesIO()
    book.save(out)
    job = import_bytes(world.user, out.getvalue(), name="f.xlsx")
    assert counts(job) == (1, 1, 0, 0, 0), errors(job)
    assert Response.objects.get().comment == "=1+1"


def test_xlsx_sheet_option_and_unknown_sheet(accounts, world):
    content = _workbook(("Notes", [["read me"]]), ("Data", XLSX_ROWS[:2]))
    job = import_bytes(world.user, content, name="r.xlsx", mapping={"sheet": "Data"})
    assert counts(job) == (1, 1, 0, 0, 0)
    missing = import_bytes(world.user, content, name="r.xlsx", mapping={"sheet": "Other"})
    assert missing.status == ImportStatus.FAILED
    assert missing.error == "no sheet named 'Other'; the sheets are ['Notes', 'Data']"


def test_a_file_named_xlsx_that_is_not_a_workbook_fails(accounts, world):
    job = import_bytes(world.user, b"account,submitted_at\nA-1,2025-03-04\n", name="fake.xlsx")
    assert job.status == ImportStatus.FAILED
    assert job.error == "the file is not an XLSX workbook (save it from Excel as .xlsx)"
    assert not Response.objects.exists()


def test_an_empty_workbook_is_an_empty_file(accounts, world):
    job = import_bytes(world.user, _workbook(("Sheet", [])), name="empty.xlsx")
    assert (job.status, job.error) == (ImportStatus.FAILED, "the file is empty")


# --- Qualtrics ---------------------------------------------------------------------------------

QUALTRICS_MAPPING = {
    # The exports have no account column: every row is for one account.
    "account": "A-1",
    "columns": {"comment": "Q2"},
    "answers": {"q1": "Q1"},
    "timezone": "UTC",
}
QUALTRICS_RESPONSE = (
    "qualtrics",
    "R_2YPOQ602ER1jkf1",
    dt.datetime(2017, 7, 18, 8, 28, 48, tzinfo=UTC),
    "Hello World!",
    {"q1": 2},
)


def _qualtrics_rows() -> list[tuple[Any, ...]]:
    return list(
        Response.objects.values_list(
            "source_system", "external_id", "submitted_at", "comment", "answers"
        )
    )


@pytest.mark.reference
def test_qualtrics_export_with_three_header_rows(accounts, world, reference_dir):
    content = (reference_dir / "qualtrics" / "sample.csv").read_bytes()
    job = import_bytes(world.user, content, name="sample.csv", mapping=QUALTRICS_MAPPING)
    assert job.status == ImportStatus.SUCCEEDED, job.error
    # Header rows 1-3 (names, labels, ImportIds) are not data: the one response is row 4.
    assert counts(job) == (1, 1, 0, 0, 0), errors(job)
    assert _qualtrics_rows() == [QUALTRICS_RESPONSE]
    assert Response.objects.get().account == accounts["A-1"]


@pytest.mark.reference
def test_qualtrics_legacy_export_is_the_same_response(accounts, world, reference_dir):
    folder = reference_dir / "qualtrics"
    legacy = import_bytes(
        world.user,
        (folder / "sample_legacy.csv").read_bytes(),
        name="sample_legacy.csv",
        mapping=QUALTRICS_MAPPING,
    )
    assert counts(legacy) == (1, 1, 0, 0, 0), (legacy.error, errors(legacy))
    assert _qualtrics_rows() == [QUALTRICS_RESPONSE]
    # The current-format export of the same survey finds that response unchanged.
    current = import_bytes(
        world.user,
        (folder / "sample.csv").read_bytes(),
        name="sample.csv",
        mapping=QUALTRICS_MAPPING,
    )
    assert counts(current) == (1, 0, 0, 1, 0)
    assert Response.objects.count() == 1


@pytest.mark.reference
def test_qualtrics_export_without_an_account_fails_naming_the_column(world, reference_dir):
    content = (reference_dir / "qualtrics" / "sample.csv").read_bytes()
    job = import_bytes(world.user, content, name="sample.csv")
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith(
        "missing required column(s): account. The file's columns are: 'StartDate', 'EndDate'"
    )
