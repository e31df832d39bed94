"""Charts as Vega-Lite specs (Altair) rendered to SVG on the server: same chart in page and PDF."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import vl_convert as vlc

from rapport.analytics.metrics import metric_def
from rapport.analytics.selectors import SeriesPoint

FONT = "system-ui, sans-serif"


def trend_chart(points: Sequence[SeriesPoint], *, metric: str, width: int = 640) -> str:
    """Line of the metric per period with its 95 % interval as a band.

    Periods below the minimum n are drawn as hollow grey points outside the line and band,
    labelled as too few responses, so nobody reads a trend into them.
    """
    definition = metric_def(metric)
    rows = [
        {
            "period": p.period_start.isoformat(),
            "value": p.value.value,
            "low": p.value.low,
            "high": p.value.high,
            "n": p.value.n,
            "status": "enough responses" if p.value.enough else "too few responses",
        }
        for p in points
        if p.value.value is not None
    ]
    if not rows:
        return ""
    data = alt.Data(values=rows)
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    title = f"{definition.label}{' (%)' if definition.unit == '%' else ''}"
    enough = alt.datum.status == "enough responses"
    band = (
        alt.Chart(data)
        .transform_filter(enough)
        .mark_area(opacity=0.18, color="#1f5fbf")
        .encode(x=x, y=alt.Y("low:Q", title=title), y2="high:Q")
    )
    line = (
        alt.Chart(data)
        .transform_filter(enough)
        .mark_line(color="#1f5fbf", point=True)
        .encode(
            x=x,
            y="value:Q",
            tooltip=[
                "period:T",
                alt.Tooltip("value:Q", format=".1f"),
                "n:Q",
                alt.Tooltip("low:Q", format=".1f"),
                alt.Tooltip("high:Q", format=".1f"),
            ],
        )
    )
    sparse = (
        alt.Chart(data)
        .transform_filter(~enough)
        .mark_point(color="#8a93a3", filled=False, size=40)
        .encode(
            x=x,
            y="value:Q",
            shape=alt.Shape("status:N", legend=alt.Legend(title=None, orient="bottom")),
        )
    )
    chart = (
        (band + line + sparse)
        .properties(width=width, height=220)
        .configure(font=FONT)
        .configure_view(strokeWidth=0)
    )
    svg: str = vlc.vegalite_to_svg(chart.to_dict())
    return svg
