"""Pieces the report types share: figures from the apps' own values, in the pages' words."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from rapport.analytics.rollups.selectors import SnapshotView
from rapport.analytics.variance.channels import WINDOW_DAYS
from rapport.analytics.variance.targets import Target
from rapport.core import formats
from rapport.enrichment import public as enrichment
from rapport.reports.document import Figure
from rapport.stats.metrics import MetricValue, metric_def

SHOWN_METRICS = ("nps", "csat")

if TYPE_CHECKING:
    from rapport.enrichment.public import ThemeMovers


def metric_figure(
    value: MetricValue, *, label: str = "", note: str = "", internal: bool = False
) -> Figure:
    """A MetricValue as the pages show it: one decimal for percentages, none for NPS."""
    definition = metric_def(value.metric)
    decimals = 1 if definition.unit == "%" else 0
    return Figure(
        label=label or definition.label,
        value=value.value,
        low=value.low,
        high=value.high,
        n=value.n,
        unit=definition.unit,
        decimals=decimals,
        enough=value.enough,
        note=note,
        internal=internal,
    )


def target_note(target: Target | None, value: MetricValue) -> str:
    """The figure against its target, in words that do not over-claim: met or missed only
    when the whole interval lies on one side of the target."""
    if target is None:
        return ""
    definition = metric_def(value.metric)
    shown = formats.number(target.value, 1 if definition.unit == "%" else 0)
    text = f"target {shown}{' %' if definition.unit == '%' else ''}, {target.source}"
    if value.value is None or not value.enough or value.low is None or value.high is None:
        return f"{text}: too few responses to judge"
    if value.low >= target.value:
        return f"{text}: met"
    if value.high < target.value:
        return f"{text}: below target"
    return f"{text}: within the interval of the target"


def change_note(view: SnapshotView) -> str:
    return f"against the 90 days before: {view.change.label}"


def interval_text(value: MetricValue) -> str:
    if value.value is None or value.low is None or value.high is None:
        return ""
    decimals = 1 if metric_def(value.metric).unit == "%" else 0
    return formats.interval(value.low, value.high, decimals)


def figure_text(value: MetricValue | None) -> str:
    """One cell for the page and the PDF: "−20 (−64 to 34), n = 5"; greyed words below the
    minimum n."""
    if value is None or value.n == 0:
        return "no responses"
    if value.value is None:
        return f"n = {value.n}"
    decimals = 1 if metric_def(value.metric).unit == "%" else 0
    text = formats.number(value.value, decimals)
    interval = interval_text(value)
    few = "" if value.enough else ", too few responses"
    return f"{text} ({interval}), n = {value.n}{few}" if interval else f"{text}, n = {value.n}{few}"


def value_cell(value: MetricValue | None) -> float | None:
    if value is None or value.value is None or not value.enough:
        return None
    return round(value.value, 1)


def theme_movers(account_id: int, as_of: date) -> ThemeMovers:
    """The themes whose share of comments moved in the last 90 days against the 90 before —
    the same windows and reads as the account analytics page's "Themes that moved most"."""
    current_start = as_of - timedelta(days=WINDOW_DAYS - 1)
    window = enrichment.mover_window(
        "day", current_start - timedelta(days=WINDOW_DAYS), current_start, as_of
    )
    return enrichment.theme_movers_in(account_id, [window], limit=8)[0]


def movers_rows(movers: ThemeMovers) -> list[list[object]]:
    rows: list[list[object]] = []
    for move in movers.moves:
        current = move.current.value
        previous = move.previous.value
        rows.append(
            [
                move.name,
                None if current is None else round(100 * current, 1),
                None if previous is None else round(100 * previous, 1),
                None if move.difference is None else round(move.difference, 1),
                (
                    formats.interval(move.diff_low, move.diff_high, 1, signed=True)
                    if move.diff_low is not None and move.diff_high is not None
                    else ""
                ),
                move.label,
            ]
        )
    return rows


def join_names(names: Iterable[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
