"""A report document rendered as a web fragment, a PDF (WeasyPrint), an XLSX workbook
(openpyxl) and CSV tables; every format shows the same document after `for_audience`."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from rapport.core.exports import NUMBER_FORMATS, XLSX_TYPE, safe_cell
from rapport.reports.document import Block, Column, Document, cell_text, for_audience

PDF_TYPE = "application/pdf"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class RenderedFile:
    format: str
    name: str
    content_type: str
    content: bytes


def organisation_name() -> str:
    return str(getattr(settings, "RAPPORT_ORGANISATION_NAME", "") or "Rapport")


def logo_svg_or_uri() -> str:
    """The organisation's logo as a data-free file URI WeasyPrint can read (a static SVG or
    PNG; RAPPORT_ORGANISATION_LOGO names a path), or "" when there is none."""
    configured = str(getattr(settings, "RAPPORT_ORGANISATION_LOGO", "") or "")
    path = Path(configured) if configured else None
    if path is None or not path.is_file():
        found = finders.find("reports/logo.svg")
        path = Path(found) if isinstance(found, str) else None
    return path.resolve().as_uri() if path is not None and path.is_file() else ""


def context_for(document: Document) -> dict[str, Any]:
    shown = for_audience(document)
    sections = []
    for section in shown.sections:
        blocks = [_block_context(block) for block in section.blocks]
        sections.append(
            {
                "key": section.key,
                "heading": section.heading,
                "blocks": blocks,
                "internal": section.internal,
            }
        )
    return {
        "doc": shown,
        "sections": sections,
        "organisation": organisation_name(),
        "as_of": datetime.fromisoformat(shown.as_of),
        "customer": shown.audience == "customer",
    }


# A table with more columns than this is printed on a landscape page of its own.
WIDE_TABLE = 8


def _block_context(block: Block) -> dict[str, Any]:
    data: dict[str, Any] = {"block": block, "kind": block.kind}
    if block.kind == "table":
        shown = [(i, c) for i, c in enumerate(block.columns) if c.screen]
        data["header"] = [(c.header, c.kind not in ("text", "date")) for _, c in shown]
        rows = block.rows[: block.screen_limit] if block.screen_limit else block.rows
        data["rows"] = [
            [(cell_text(row[i], c), c.kind not in ("text", "date")) for i, c in shown]
            for row in rows
        ]
        data["left_out"] = len(block.rows) - len(rows)
        data["wide"] = len(shown) > WIDE_TABLE
    return data


def render_fragment(document: Document) -> str:
    """The document's body for the run page (inside the shell)."""
    return render_to_string("reports/_document.html", context_for(document))


# The pages draw each time series twice (wide and narrow, for CSS to pick); print needs the
# wide one only, and parsing the other costs WeasyPrint a tenth of a second per chart.
NARROW_CHART = re.compile(r'<div class="chart-narrow">.*?</div>', re.DOTALL)


def render_print_html(document: Document) -> str:
    html = render_to_string(
        "reports/print.html",
        {**context_for(document), "logo": logo_svg_or_uri(), "css": _print_css()},
    )
    return NARROW_CHART.sub("", html)


def _print_css() -> str:
    found = finders.find("reports/print.css")
    return Path(found).read_text() if isinstance(found, str) else ""


def render_pdf(document: Document) -> bytes:
    from weasyprint import HTML

    html = render_print_html(document)
    pdf: bytes = HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf()
    return pdf


# --- XLSX and CSV -----------------------------------------------------------------------------


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]\*\?/\\:]", " ", title)[:28].strip() or "Table"
    name, n = base, 2
    while name.lower() in used:
        name = f"{base[:25]} {n}"
        n += 1
    used.add(name.lower())
    return name


def _xlsx_cell(value: Any, column: Column) -> tuple[Any, str]:
    """(value, number format) of a typed cell; text is neutralised against formulas."""
    if value is None or value == "":
        return None, ""
    if column.kind == "money" and isinstance(value, dict):
        return float(value["amount"]), f'#,##0 "{value["currency"]}"'
    if column.kind in ("int", "number", "ratio", "percent") and isinstance(value, (int, float)):
        if column.kind == "number" or column.kind == "percent":
            return value, "#,##0" if column.decimals == 0 else "#,##0." + "0" * column.decimals
        return value, NUMBER_FORMATS.get(column.kind, "")
    if column.kind == "date" and isinstance(value, date):
        return value, NUMBER_FORMATS["date"]
    return safe_cell(value), ""


def _exported(block: Block) -> Block:
    """The table with only its columns meant for files (typed figures rather than the
    combined text the page shows)."""
    keep = [i for i, c in enumerate(block.columns) if c.export]
    return Block(
        **{
            **block.__dict__,
            "columns": [block.columns[i] for i in keep],
            "rows": [[row[i] for i in keep] for row in block.rows],
        }
    )


def render_xlsx(document: Document) -> bytes:
    """One sheet for the figures and one per table: typed cells, number formats, a bold frozen
    header row, column widths; formula-like text neutralised (core.exports.safe_cell)."""
    shown = for_audience(document)
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "Summary"
    bold = Font(bold=True)
    summary.append([safe_cell(shown.title)])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([safe_cell(shown.subtitle)])
    summary.append(["Period", shown.period_start, shown.period_end])
    summary["B3"].number_format = summary["C3"].number_format = NUMBER_FORMATS["date"]
    summary.append(["Data as of", safe_cell(shown.as_of)])
    summary.append([])
    header = ["Section", "Figure", "Value", "95 % interval low", "95 % interval high", "n", "Note"]
    summary.append(header)
    for cell in summary[summary.max_row]:
        cell.font = bold
    summary.freeze_panes = "A7"
    for section in shown.sections:
        for block in section.blocks:
            if block.kind != "figures":
                continue
            for f in block.figures:
                summary.append(
                    [
                        safe_cell(section.heading),
                        safe_cell(f.label),
                        f.value,
                        f.low,
                        f.high,
                        f.n,
                        safe_cell(f.note or f.currency or f.unit),
                    ]
                )
                for col in "CDE":
                    summary[f"{col}{summary.max_row}"].number_format = (
                        "#,##0" if f.decimals == 0 else "#,##0." + "0" * f.decimals
                    )
    for letter, width in zip("ABCDEFG", (28, 34, 12, 12, 12, 8, 50), strict=True):
        summary.column_dimensions[letter].width = width
    used = {"summary"}
    for block in map(_exported, shown.tables()):
        sheet = workbook.create_sheet(_sheet_name(block.title or block.key, used))
        sheet.append([safe_cell(c.header) for c in block.columns])
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        # Row numbers counted here: openpyxl's max_row scans every cell (quadratic).
        for row_number, row in enumerate(block.rows, start=2):
            for index, (value, column) in enumerate(zip(row, block.columns, strict=True), 1):
                v, fmt = _xlsx_cell(value, column)
                cell = sheet.cell(row=row_number, column=index, value=v)
                if fmt:
                    cell.number_format = fmt
        for index, column in enumerate(block.columns, start=1):
            width = 40 if column.kind == "text" and index == 1 else 16
            sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv_values(value: Any, column: Column) -> list[Any]:
    if column.kind == "money":
        if isinstance(value, dict):
            return [f"{value['amount']:.2f}", value["currency"]]
        return ["", ""]
    if isinstance(value, date):
        return [value.isoformat()]
    return ["" if value is None else value]


def render_csvs(document: Document, stem: str) -> list[RenderedFile]:
    """One CSV per table (money as two columns: amount and currency), every cell neutralised."""
    shown = for_audience(document)
    files = []
    used: set[str] = set()
    for block in map(_exported, shown.tables()):
        header: list[str] = []
        for column in block.columns:
            header += (
                [column.header, f"{column.header} currency"]
                if column.kind == "money"
                else [column.header]
            )
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([safe_cell(h) for h in header])
        for row in block.rows:
            cells: list[Any] = []
            for value, column in zip(row, block.columns, strict=True):
                cells += _csv_values(value, column)
            writer.writerow([safe_cell(c) for c in cells])
        key = slugify(block.key or block.title) or "table"
        name = key
        n = 2
        while name in used:
            name = f"{key}-{n}"
            n += 1
        used.add(name)
        files.append(
            RenderedFile("csv", f"{stem}-{name}.csv", CSV_TYPE, out.getvalue().encode("utf-8"))
        )
    return files


def render_all(document: Document, formats: list[str], stem: str) -> list[RenderedFile]:
    """Every file the formats ask for (the web page needs none; e-mail attaches the PDF)."""
    files: list[RenderedFile] = []
    if "pdf" in formats or "email" in formats:
        files.append(RenderedFile("pdf", f"{stem}.pdf", PDF_TYPE, render_pdf(document)))
    if "xlsx" in formats:
        files.append(RenderedFile("xlsx", f"{stem}.xlsx", XLSX_TYPE, render_xlsx(document)))
    if "csv" in formats:
        files += render_csvs(document, stem)
    return files
