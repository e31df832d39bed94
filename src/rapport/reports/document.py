"""A report as a structured document: sections of headings, paragraphs, figures with their
intervals, tables and charts. Every report type builds one; the web page, PDF, XLSX, CSV and
e-mail are renderings of it. It is stored on the run as JSON, so a run reads and renders again
exactly as it was generated.

Anything marked `internal` (a section, a block, a table column) is for our own staff only:
`for_audience` removes it from a customer-facing document, whichever type built it (decision
131); the types also leave such figures out when they build for the customer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from rapport.core import formats

CellKind = Literal["text", "int", "number", "money", "ratio", "date", "percent"]


@dataclass
class Column:
    key: str
    header: str
    kind: CellKind = "text"
    internal: bool = False
    decimals: int = 0
    screen: bool = True  # shown on the page and in the PDF
    export: bool = True  # written to XLSX and CSV


@dataclass
class Figure:
    """A figure as the pages show it: value with its 95 % interval and n, or a count."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int | None = None
    unit: str = ""
    decimals: int = 0
    enough: bool = True
    note: str = ""  # target, change, source
    internal: bool = False
    currency: str = ""  # money: the value is an amount in this currency

    @property
    def shown(self) -> str:
        if self.value is None:
            return "no data"
        if self.currency:
            return formats.money(self.value, self.currency)
        text = formats.number(self.value, self.decimals)
        return f"{text} {self.unit}".rstrip()

    @property
    def interval(self) -> str:
        if self.low is None or self.high is None or self.value is None:
            return ""
        return formats.interval(self.low, self.high, self.decimals)

    @property
    def detail(self) -> str:
        parts = []
        if self.interval:
            parts.append(f"95 % interval {self.interval}")
        if self.n is not None:
            parts.append(f"n = {self.n:,}")
        if not self.enough and self.value is not None:
            parts.append("too few responses")
        return ", ".join(parts)


@dataclass
class Block:
    kind: Literal["paragraph", "figures", "table", "chart", "list"]
    text: str = ""
    title: str = ""
    key: str = ""  # tables: the sheet / CSV name
    figures: list[Figure] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    html: str = ""  # charts: the SVG markup (the same as the page draws)
    note: str = ""
    internal: bool = False
    # Tables: at most this many rows on the page and in the PDF (0: all); XLSX and CSV have all.
    screen_limit: int = 0

    @property
    def visible_columns(self) -> list[tuple[int, Column]]:
        return list(enumerate(self.columns))


@dataclass
class Section:
    key: str
    heading: str
    blocks: list[Block] = field(default_factory=list)
    internal: bool = False

    def paragraph(self, text: str, *, internal: bool = False) -> None:
        self.blocks.append(Block("paragraph", text=text, internal=internal))

    def bullet_list(self, items: list[str], *, title: str = "", internal: bool = False) -> None:
        self.blocks.append(Block("list", items=items, title=title, internal=internal))

    def figures(self, figures: list[Figure], *, title: str = "") -> None:
        self.blocks.append(Block("figures", figures=figures, title=title))

    def table(
        self,
        key: str,
        title: str,
        columns: list[Column],
        rows: list[list[Any]],
        *,
        note: str = "",
        internal: bool = False,
        screen_limit: int = 0,
    ) -> None:
        self.blocks.append(
            Block(
                "table",
                key=key,
                title=title,
                columns=columns,
                rows=rows,
                note=note,
                internal=internal,
                screen_limit=screen_limit,
            )
        )

    def chart(self, title: str, svg_html: str, *, note: str = "") -> None:
        if svg_html:
            self.blocks.append(Block("chart", title=title, html=svg_html, note=note))


@dataclass
class Document:
    title: str
    subtitle: str
    report_type: str
    audience: str
    period_start: date
    period_end: date
    as_of: str  # ISO moment the data were read
    sections: list[Section] = field(default_factory=list)

    def section(self, key: str, heading: str, *, internal: bool = False) -> Section:
        found = Section(key, heading, internal=internal)
        self.sections.append(found)
        return found

    def tables(self) -> list[Block]:
        return [b for s in self.sections for b in s.blocks if b.kind == "table"]

    # --- storage ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["period_start"] = self.period_start.isoformat()
        data["period_end"] = self.period_end.isoformat()
        for section in data["sections"]:
            for block in section["blocks"]:
                block["rows"] = [[_cell_json(v) for v in row] for row in block["rows"]]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        sections = []
        for s in data["sections"]:
            blocks = []
            for b in s["blocks"]:
                columns = [Column(**c) for c in b.get("columns", [])]
                rows = [
                    [_cell_value(v, c.kind) for v, c in zip(row, columns, strict=True)]
                    for row in b.get("rows", [])
                ]
                blocks.append(
                    Block(
                        **{
                            **b,
                            "figures": [Figure(**f) for f in b.get("figures", [])],
                            "columns": columns,
                            "rows": rows,
                        }
                    )
                )
            sections.append(Section(s["key"], s["heading"], blocks, s.get("internal", False)))
        return cls(
            title=data["title"],
            subtitle=data["subtitle"],
            report_type=data["report_type"],
            audience=data["audience"],
            period_start=date.fromisoformat(data["period_start"]),
            period_end=date.fromisoformat(data["period_end"]),
            as_of=data["as_of"],
            sections=sections,
        )


def _cell_json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _cell_value(value: Any, kind: str) -> Any:
    if kind == "date" and isinstance(value, str) and value:
        return date.fromisoformat(value)
    return value


def money_cell(amount: Any, currency: str) -> dict[str, Any]:
    """A money cell: the amount with its currency (money is never shown without it)."""
    return {"amount": float(amount), "currency": currency}


def cell_text(value: Any, column: Column) -> str:
    """How a cell reads on the page and in the PDF (the same words as the pages use)."""
    if value is None or value == "":
        return "—"
    if column.kind == "money" and isinstance(value, dict):
        return formats.money(value["amount"], value["currency"])
    if column.kind in ("int",) and isinstance(value, (int, float)):
        return f"{int(value):,}"
    if column.kind in ("number", "ratio") and isinstance(value, (int, float)):
        return formats.number(float(value), column.decimals)
    if column.kind == "percent" and isinstance(value, (int, float)):
        return f"{formats.number(float(value), column.decimals)} %"
    if column.kind == "date" and isinstance(value, date):
        return f"{value:%-d %b %Y}"
    return str(value)


def for_audience(document: Document) -> Document:
    """The document without what its audience may not see: for the customer, every section,
    block, figure and column marked internal is removed (the rows lose those cells)."""
    if document.audience != "customer":
        return document
    sections = []
    for section in document.sections:
        if section.internal:
            continue
        blocks = []
        for block in section.blocks:
            if block.internal:
                continue
            if block.kind == "table":
                keep = [i for i, c in enumerate(block.columns) if not c.internal]
                block = Block(
                    **{
                        **block.__dict__,
                        "columns": [block.columns[i] for i in keep],
                        "rows": [[row[i] for i in keep] for row in block.rows],
                    }
                )
            elif block.kind == "figures":
                block = Block(
                    **{**block.__dict__, "figures": [f for f in block.figures if not f.internal]}
                )
            blocks.append(block)
        sections.append(Section(section.key, section.heading, blocks))
    return Document(**{**document.__dict__, "sections": sections})
