"""XLSX workbooks and Qualtrics exports through the same pipeline."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from datetime import UTC
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from rapport.feedback.models import ImportStatus, Response
from tests.feedback.helpers import assert_rollups_match, counts, errors, import_bytes

pytestmark = pytest.mark.django_db


def _workbook(*sheets: tuple[str, list[list[Any]]], epoch: dt.datetime | None = None) -> bytes:
    book = Workbook()
    if epoch is not None:
        book.epoch = epoch
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


# --- hostile workbooks ---------------------------------------------------------------------

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<workbook {_NS} xmlns:r="{_REL}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}


def _shared_strings_workbook(
    *rows: list[str], filler: bytes = b"", strings_part: str = "sharedStrings.xml"
) -> bytes:
    """A workbook as Excel writes it: every text cell an index into the shared strings
    (xl/sharedStrings.xml, or wherever the manifest says), which also hold `filler` as one
    more string (streamed in, as a hostile file would)."""
    strings = sorted({cell for row in rows for cell in row})
    index = {text: n for n, text in enumerate(strings)}
    sheet = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{chr(65 + c)}{r}" t="s"><v>{index[v]}</v></c>' for c, v in enumerate(row))
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in _PARTS.items():
            archive.writestr(name, xml.replace("sharedStrings.xml", strings_part))
        sheet_xml = f"<worksheet {_NS}><sheetData>{sheet}</sheetData></worksheet>"
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        with archive.open(f"xl/{strings_part}", "w") as part:
            part.write(f"<sst {_NS}>".encode())
            part.write("".join(f"<si><t>{text}</t></si>" for text in strings).encode())
            for start in range(0, len(filler), 1 << 20):
                part.write(b"<si><t>" + filler[start : start + (1 << 20)] + b"</t></si>")
            part.write(b"</sst>")
    return out.getvalue()


_SMALL = (["account", "external_id", "submitted_at"], ["A-1", "h1", "2025-03-04"])


def test_hand_made_workbook_imports(accounts, world):
    job = import_bytes(world.user, _shared_strings_workbook(*_SMALL), name="h.xlsx")
    assert counts(job) == (1, 1, 0, 0, 0), (job.error, errors(job))
    # The shared strings are wherever the manifest says, even among the sheets.
    content = _shared_strings_workbook(*_SMALL, strings_part="worksheets/notes.xml")
    job = import_bytes(world.user, content, name="h.xlsx")
    assert counts(job) == (1, 0, 0, 1, 0), (job.error, errors(job))


@pytest.mark.parametrize(
    ("limits", "filler", "message"),
    [
        (
            {"IMPORT_MAX_XLSX_STRINGS_BYTES": 100_000},
            bytes(range(48, 58)) * 20_000,  # 200 kB of text that does not compress away
            "the workbook's text cells take 0.2 MB unpacked, more than the limit of 0.1 MB "
            "(RAPPORT_IMPORT_MAX_XLSX_STRINGS_MB); save it as CSV and import that",
        ),
        (
            {"IMPORT_MAX_XLSX_STRINGS_BYTES": 100_000, "strings_part": "worksheets/notes.xml"},
            bytes(range(48, 58)) * 20_000,  # the same, where a sheet would be
            "the workbook's text cells take 0.2 MB unpacked, more than the limit of 0.1 MB ",
        ),
        (
            {"IMPORT_MAX_XLSX_BYTES": 150_000},
            bytes(range(48, 58)) * 20_000,
            "the workbook unpacks to 0.2 MB, more than the limit of 0.1 MB "
            "(RAPPORT_IMPORT_MAX_XLSX_MB); save it as CSV and import that",
        ),
        (
            {},  # within every size limit, but 3 MB from a few kilobytes
            b"x" * 3_000_000,
            "the workbook part xl/sharedStrings.xml unpacks to 2.9 MB from ",
        ),
    ],
    ids=["shared-strings", "shared-strings-elsewhere", "workbook", "zip-bomb"],
)
def test_xlsx_that_unpacks_too_large_is_refused_before_it_is_read(
    accounts, world, settings, limits, filler, message
):
    options = {"strings_part": limits.pop("strings_part")} if "strings_part" in limits else {}
    for name, value in limits.items():
        setattr(settings, name, value)
    content = _shared_strings_workbook(*_SMALL, filler=filler, **options)
    job = import_bytes(world.user, content, name="h.xlsx")
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith(message)
    assert not Response.objects.exists()


def test_xlsx_cell_longer_than_the_cell_limit_rejects_its_row(accounts, world, settings):
    settings.IMPORT_MAX_CELL_CHARS = 1000
    rows = [
        ["Account", "Response ID", "Submitted at", "Comment"],
        ["A-1", "c1", "2025-03-04", "fine"],
        ["A-1", "c2", "2025-03-05", "y" * 1001],
    ]
    job = import_bytes(world.user, _workbook(("S", rows)), name="c.xlsx")
    assert counts(job) == (2, 1, 0, 0, 1)
    assert errors(job) == [
        (
            3,
            "Comment",
            "y" * 200,
            "the cell holds 1,001 characters, more than the limit of 1,000 "
            "(RAPPORT_IMPORT_MAX_CELL_CHARS)",
        )
    ]


def _with_saved_value(content: bytes, formula: str, value: str) -> bytes:
    """The workbook with a saved value for one formula, as Excel would store it (openpyxl
    writes formulas without one)."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    f"<f>{formula}</f><v />".encode(), f"<f>{formula}</f><v>{value}</v>".encode()
                )
            target.writestr(item, data)
    return out.getvalue()


def test_formula_without_a_saved_value_is_rejected_and_never_blanks_a_stored_score(accounts, world):
    header = ["Account", "Response ID", "Submitted at", "NPS", "Total"]
    first = [header, ["A-1", "f1", "2025-03-04", 9, "=1+1"]]  # Total is not imported
    job = import_bytes(world.user, _workbook(("S", first)), name="f.xlsx")
    assert counts(job) == (1, 1, 0, 0, 0), errors(job)
    again = [
        header,
        ["A-1", "f1", "2025-03-04", "=4+5", None],  # no saved value
        ["A-1", "f2", "2025-03-04", "=3+4", None],  # saved value 7
        [None, None, None, "=2+2", None],  # nothing else: not a blank row
    ]
    content = _with_saved_value(_workbook(("S", again)), "3+4", "7")
    job = import_bytes(world.user, content, name="f.xlsx")
    assert counts(job) == (3, 1, 0, 0, 2)
    unread = (
        "formula without a saved value (the workbook was saved by a program that does not "
        "calculate): open and save it in Excel, or paste the values"
    )
    assert errors(job) == [(2, "NPS", "", unread), (4, "NPS", "", unread)]
    assert dict(Response.objects.values_list("external_id", "nps")) == {"f1": 9, "f2": 7}


@pytest.mark.parametrize(
    ("epoch", "offset"), [(None, 0), (CALENDAR_MAC_1904, 1462)], ids=["1900", "1904"]
)
def test_excel_serial_dates_in_general_cells_are_read_as_excel_does(accounts, world, epoch, offset):
    rows = [
        ["Account", "Response ID", "Submitted at"],
        ["A-1", "s1", 45678 - offset],
        ["A-1", "s2", 45678.75 - offset],
    ]
    if epoch is None:  # Excel counts a 29 February 1900 that never was: serial 60
        rows += [["A-1", "s3", 59], ["A-1", "s4", 61]]
    content = _workbook(("S", rows), epoch=epoch)
    job = import_bytes(world.user, content, name="d.xlsx", mapping={"timezone": "UTC"})
    assert counts(job)[4] == 0, errors(job)
    expected = {
        "s1": dt.datetime(2025, 1, 21, tzinfo=UTC),
        "s2": dt.datetime(2025, 1, 21, 18, tzinfo=UTC),
    }
    if epoch is None:
        expected |= {
            "s3": dt.datetime(1900, 2, 28, tzinfo=UTC),
            "s4": dt.datetime(1900, 3, 1, tzinfo=UTC),
        }
    assert dict(Response.objects.values_list("external_id", "submitted_at")) == expected


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
