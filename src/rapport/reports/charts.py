"""The report's own small charts (Vega-Lite via Altair → SVG with vl-convert), drawn as
analytics/charts.py draws the pages' charts; the account charts themselves are the pages'."""

from __future__ import annotations

import html
from typing import Any

import altair as alt
import vl_convert as vlc

from rapport.analytics.charts import FONT

BAND_COLOURS = {"green": "#1a7f4b", "amber": "#9a6700", "red": "#b3261e", "not scored": "#8a93a3"}


def svg(chart: alt.TopLevelMixin, *, description: str) -> str:
    spec = (
        chart.configure(font=FONT, aria=False)
        .configure_mark(aria=False)
        .configure_view(strokeWidth=0)
    )
    drawn: str = vlc.vegalite_to_svg(spec.to_dict(validate=False))
    label = html.escape(description, quote=True)
    return drawn.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def stacked_bars(
    rows: list[dict[str, Any]],
    *,
    x: str,
    colour: str,
    x_title: str,
    description: str,
    colours: dict[str, str] | None = None,
    width: int = 560,
) -> str:
    """Counts per category, stacked by a second category (e.g. accounts per tier by health
    band)."""
    if not rows:
        return ""
    scale = (
        alt.Scale(domain=list(colours), range=list(colours.values())) if colours else alt.Undefined
    )
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:N", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="Accounts"),
            color=alt.Color(
                f"{colour}:N", scale=scale, legend=alt.Legend(title=None, orient="bottom")
            ),
            tooltip=[f"{x}:N", f"{colour}:N", "count:Q"],
        )
        .properties(width=width, height=200)
    )
    return svg(chart, description=description)


def horizontal_bars(
    rows: list[dict[str, Any]],
    *,
    label: str,
    value: str,
    title: str,
    description: str,
    width: int = 520,
    colour: str = "#1f5fbf",
) -> str:
    """One bar per row (e.g. share of planned activities done on time per account)."""
    if not rows:
        return ""
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(color=colour)
        .encode(
            y=alt.Y(f"{label}:N", title=None, sort=None),
            x=alt.X(f"{value}:Q", title=title),
            tooltip=[f"{label}:N", f"{value}:Q"],
        )
        .properties(width=width, height=max(60, 18 * len(rows)))
    )
    return svg(chart, description=description)
