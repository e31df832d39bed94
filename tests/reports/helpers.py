"""Building and generating report runs in tests."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from rapport.core.models import User
from rapport.customers.models import Account
from rapport.reports import generation, services
from rapport.reports.models import ReportDefinition, ReportRun

ALL_FORMATS = ["web", "pdf", "xlsx", "csv", "email"]


def make_definition(
    user: User, account: Account, report_type: str, audience: str, **extra: Any
) -> ReportDefinition:
    related = extra.pop("related", {"accounts": [account.pk], "recipients": [user.pk]})
    return services.create_definition(
        actor=user,
        team_id=account.team_id,
        fields={
            "name": f"{report_type} for {audience}",
            "report_type": report_type,
            "audience": audience,
            "formats": extra.pop("formats", ALL_FORMATS),
            **extra,
        },
        related=related,
    )


def generated(definition: ReportDefinition, user: User) -> ReportRun:
    run = services.queue_run(actor=user, definition=definition)
    assert generation.generate_one(run.pk) == 1
    run.refresh_from_db()
    assert run.status != "failed", run.error
    return run


def output(run: ReportRun, fmt: str) -> list[tuple[str, bytes]]:
    return [(o.name, bytes(o.content)) for o in run.outputs.filter(format=fmt)]


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
        )
        return done.stdout.decode("utf-8", "replace")


def pdf_pages_non_blank(pdf: bytes) -> list[bool]:
    """Each page rendered to a PNG by pdftoppm, and whether it has some non-white pixels."""
    from PIL import Image

    assert shutil.which("pdftoppm")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "30", "-png", str(path), str(Path(tmp) / "p")], check=True
        )
        results = []
        for png in sorted(Path(tmp).glob("p-*.png")):
            with Image.open(png) as image:
                low, _high = image.convert("L").getextrema()
                results.append(low < 200)
        return results


def xlsx_cells(content: bytes) -> dict[str, list[list[Any]]]:
    workbook = load_workbook(io.BytesIO(content))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }
