"""CSV downloads neutralise cells that a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io

import pytest

from rapport.feedback import exports, selectors
from rapport.feedback.models import ImportRowError, Response
from tests.feedback.helpers import errors, import_lines

pytestmark = pytest.mark.django_db


def test_errors_csv_of_an_import_neutralises_values_stored_exactly(accounts, world):
    job = import_lines(
        world.user,
        "account,external_id,submitted_at,nps,comment",
        '=HYPERLINK("http://evil.example"),r1,2025-03-04 10:00,9,x',
        "A-1,r2,2025-03-04 10:00,-1,x",
        "A-1,r3,2025-03-04 10:00,@SUM(A1),x",
        "A-1,r4,+2025-03-04,9,x",
        "A-1,r5,2025-03-04 10:00,9,=1+1",  # valid: its comment is stored as written
    )
    # Stored exactly as imported...
    assert errors(job) == [
        (
            2,
            "account",
            '=HYPERLINK("http://evil.example")',
            "no account with external id '=HYPERLINK(\"http://evil.example\")'",
        ),
        (3, "nps", "-1", "NPS -1 is out of range 0–10"),
        (4, "nps", "@SUM(A1)", "NPS must be a whole number from 0 to 10"),
        (
            5,
            "submitted_at",
            "+2025-03-04",
            "date '+2025-03-04' is not ISO 8601 (2025-03-04 14:30); set date_format in the mapping",
        ),
    ]
    assert Response.objects.get().comment == "=1+1"

    # ...and neutralised in the download.
    response = exports.import_errors_csv(job.pk, selectors.import_errors(world.user, job.pk))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.csv"'
    body = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    assert list(csv.reader(io.StringIO(body))) == [
        ["row", "column", "value", "reason"],
        [
            "2",
            "account",
            '\'=HYPERLINK("http://evil.example")',
            "no account with external id '=HYPERLINK(\"http://evil.example\")'",
        ],
        ["3", "nps", "'-1", "NPS -1 is out of range 0–10"],
        ["4", "nps", "'@SUM(A1)", "NPS must be a whole number from 0 to 10"],
        [
            "5",
            "submitted_at",
            "'+2025-03-04",
            "date '+2025-03-04' is not ISO 8601 (2025-03-04 14:30); set date_format in the mapping",
        ],
    ]


def test_long_values_are_cut_to_the_columns_size(accounts, world):
    long_value = "=" + "9" * 300
    job = import_lines(
        world.user, "account,external_id,submitted_at,nps", f"A-1,r1,2025-03-04,{long_value}"
    )
    error = ImportRowError.objects.get(job=job)
    assert error.value == long_value[:200]
    assert error.reason == "NPS must be a whole number from 0 to 10"
