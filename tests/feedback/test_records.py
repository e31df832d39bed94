"""Hostile CSV files: every record is imported or rejected with its row number, and a file
whose structure cannot be trusted fails before anything is written."""

from __future__ import annotations

import pytest

from rapport.feedback.models import ImportStatus, Response
from tests.feedback.helpers import HEADER, counts, csv_bytes, errors, import_bytes, import_lines


def _rows(count: int, comment=lambda n: f"comment {n}") -> list[str]:
    """`count` data rows r2…; row n (the file's row number, the header is row 1) is rn."""
    return [f"A-1,r{n},2025-03-04 10:00,9,4,6,{comment(n)}" for n in range(2, count + 2)]


def _stray_quote_at_row_3(closed_at: int | None):
    """Row 3's comment starts with a lone quote; row `closed_at`'s comment has the next quote
    (None: no other quote in the file)."""

    def comment(n: int) -> str:
        if n == 3:
            return '"this starts with a quote'
        if n == closed_at:
            return 'she said "fine'
        return f"comment {n}"

    return comment


@pytest.mark.parametrize(
    ("closed_at", "cell_limit"),
    [(101, None), (None, None), (None, 1000)],
    ids=["closed-later", "never-closed", "runs-past-the-parser-limit"],
)
def test_stray_quote_fails_the_import_before_any_batch_commits(
    accounts, world, settings, closed_at, cell_limit
):
    if cell_limit:
        settings.IMPORT_MAX_CELL_CHARS = cell_limit  # the parser stops at 16 000 characters
    lines = [HEADER, *_rows(1000, _stray_quote_at_row_3(closed_at))]
    job = import_lines(world.user, *lines, batch_rows=100)
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith("row 3 (line 3)"), job.error
    assert "nothing was imported" in job.error
    assert not Response.objects.exists()
    assert counts(job) == (0, 0, 0, 0, 0)


def test_stray_quote_error_names_the_column_and_the_swallowed_line(accounts, world):
    job = import_lines(world.user, HEADER, *_rows(1000, _stray_quote_at_row_3(101)))
    assert job.error.startswith(
        "row 3 (line 3), column 'comment': a quote opens a value that runs over the next "
        "lines, which read as rows of their own (line 4: 'A-1,r4,2025-03-04 10:00,9,4,6,"
        "comment 4'); a quote is probably stray or not closed."
    ), job.error


def test_the_corrected_file_accounts_for_every_record(accounts, world):
    """The 1,000-row file once its stray quote is doubled: 1,000 read, 1,000 inserted."""
    fixed = _stray_quote_at_row_3(101)
    lines = [HEADER, *_rows(1000, lambda n: '"""this starts with a quote"' if n == 3 else fixed(n))]
    job = import_lines(world.user, *lines, batch_rows=100)
    assert counts(job) == (1000, 1000, 0, 0, 0), job.error
    assert Response.objects.get(external_id="r3").comment == '"this starts with a quote'


def test_comments_with_quoted_line_breaks_still_import(accounts, world):
    """Legitimate multi-line values: every record counted once, however many lines."""

    def comment(n: int) -> str:
        if n % 10 == 0:
            return f'"line one of {n}\nline two, with a comma\r\n\nand a ""quote"""'
        return f"comment {n}"

    job = import_lines(world.user, HEADER, *_rows(1000, comment), batch_rows=100)
    assert counts(job) == (1000, 1000, 0, 0, 0), job.error
    assert Response.objects.count() == 1000
    assert Response.objects.get(external_id="r20").comment == (
        'line one of 20\nline two, with a comma\r\n\nand a "quote"'
    )


def test_text_in_another_encoding_far_down_fails_before_anything_is_written(accounts, world):
    """The first 64 kB decide the encoding; a bad byte after them used to fail the import
    after the batches before it had committed."""
    lines = [HEADER, *_rows(2000)]
    content = csv_bytes(*lines).replace(b"comment 1900", b"comment \xff1900")
    job = import_bytes(world.user, content, batch_rows=100)
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith("row 1900: the file is not valid UTF-8 text"), job.error
    assert not Response.objects.exists()


def test_nul_characters_reject_their_row_naming_the_column(accounts, world):
    job = import_bytes(
        world.user,
        csv_bytes(HEADER, "A-1,n1,2025-03-04,9,4,6,fine")
        + b"A-1,n2,2025-03-04,9,4,6,nul \x00 inside\n"
        + b"A-1,n\x003,2025-03-04,9,4,6,ok\n"
        + b"A-1,n4,2025-03-04,9\x00,4,6,ok\n",
    )
    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert counts(job) == (4, 1, 0, 0, 3)
    nul = "contains a NUL character (code 0), which cannot be stored; remove it"
    assert errors(job) == [
        (3, "comment", "nul \u2400 inside", nul),
        (4, "external_id", "n\u24003", nul),
        (5, "nps", "9\u2400", "NPS must be a whole number from 0 to 10"),  # not stored
    ]
    assert list(Response.objects.values_list("external_id", flat=True)) == ["n1"]


def test_over_long_field_after_a_committed_batch_rejects_its_row_and_a_fix_reconciles(
    accounts, world
):
    """A field longer than the cell limit (Python's old CSV field limit, 131,072) in the
    second batch: the row is rejected, the job succeeds; the corrected file, a new job,
    finds the other rows unchanged and inserts the fixed one."""
    lines = [HEADER, *_rows(6)]
    long_comment = "z" * 140_000
    lines[4] = f"A-1,r5,2025-03-04 10:00,9,4,6,{long_comment}"
    job = import_lines(world.user, *lines, batch_rows=2)
    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert counts(job) == (6, 5, 0, 0, 1)
    assert errors(job) == [
        (
            5,
            "comment",
            "z" * 200,
            "the cell holds 140,000 characters, more than the limit of 131,072 "
            "(RAPPORT_IMPORT_MAX_CELL_CHARS)",
        )
    ]
    lines[4] = "A-1,r5,2025-03-04 10:00,9,4,6,shorter"
    corrected = import_lines(world.user, *lines, batch_rows=2)
    assert counts(corrected) == (6, 1, 0, 5, 0), corrected.error
    assert Response.objects.count() == 6
    assert Response.objects.get(external_id="r5").comment == "shorter"
