"""Charts as Vega-Lite specs (Altair) rendered to SVG on the server: same chart in page and PDF."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import altair as alt
import vl_convert as vlc

from rapport.analytics.control.charts import AccountControlChart, LimitsInfo, bucket_floor
from rapport.analytics.drivers.key_drivers import KeyDrivers
from rapport.analytics.rollups.selectors import SeriesPoint
from rapport.analytics.variance.channels import ChannelVariance
from rapport.core import formats
from rapport.stats.metrics import metric_def

FONT = "system-ui, sans-serif"

# Altair checks every spec against the Vega-Lite JSON schema, which costs more than drawing
# it; the specs are built here, so tests validate them (tests/analytics/test_charts.py) and
# pages do not.
VALIDATE_SPECS = False
# The account analytics charts are pure functions of their (frozen, hashable) data, so a page
# seen again before its data change is drawn from memory: drawing is most of its time.
CACHED_CHARTS = 64


# Server-drawn SVGs cannot know their card's width, so each time series is drawn twice and
# CSS shows the one that fits (rapport.css: .chart-wide, .chart-narrow): scaled to the card,
# the wide one fills a desktop card and the narrow one keeps 11 px labels on a 390 px phone.
WIDE, NARROW = 1100, 330


def responsive(draw: Callable[[int], str]) -> str:
    """`draw(width)` at the desktop and the phone width, for CSS to pick from."""
    wide, narrow = draw(WIDE), draw(NARROW)
    if not wide:
        return ""
    return f'<div class="chart-wide">{wide}</div><div class="chart-narrow">{narrow}</div>'


def _time_axis(first: date, last: date, *, period: str, width: int) -> alt.X:
    """Ticks on month (or quarter) boundaries, a few per 120 px: a count alone puts several
    ticks in one month on a short series, each labelled with the same month."""
    step_months = 3 if period == "quarter" else 1
    periods = ((last.year - first.year) * 12 + last.month - first.month) // step_months + 1
    most = max(2, width // 120)
    ticks = {"interval": "month", "step": step_months * max(1, -(-periods // most))}
    label = "Q%q %Y" if period == "quarter" else "%b %Y"
    return alt.X("period:T", title=None, axis=alt.Axis(format=label, labelAngle=0, tickCount=ticks))


def trend_chart(points: Sequence[SeriesPoint], *, metric: str, period: str = "month") -> str:
    """Line of the metric per period with its 95 % interval as a band, wide and narrow.

    Periods below the minimum n are drawn as hollow grey points outside the line and band,
    labelled as too few responses, so nobody reads a trend into them.
    """
    return _trend_svg(tuple(points), metric=metric, period=period)


@lru_cache(maxsize=CACHED_CHARTS)
def _trend_svg(points: tuple[SeriesPoint, ...], *, metric: str, period: str) -> str:
    """Drawn from the (frozen) points alone: a page seen again before its data change is
    drawn from memory (decision 71)."""
    definition = metric_def(metric)
    rows: list[dict[str, Any]] = [
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
    title = f"{definition.label}{' (%)' if definition.unit == '%' else ''}"
    judged = [r for r in rows if r["status"] == "enough responses"]
    latest = (
        f"; latest judged value {formats.number(judged[-1]['value'], 1)} (95 % interval "
        f"{formats.interval(judged[-1]['low'], judged[-1]['high'], 1)}, n = {judged[-1]['n']})"
        if judged
        else "; no period has enough responses to be judged"
    )
    description = (
        f"Trend of {title} by {period} from {rows[0]['period']} to {rows[-1]['period']}, "
        f"{len(rows)} periods{latest}."
    )
    first, last = points[0].period_start, points[-1].period_start

    def draw(width: int) -> str:
        data = alt.Data(values=rows)
        x = _time_axis(first, last, period=period, width=width)
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
        # A layer with no data and a legend gives Vega infinite bounds: the too-few points
        # are drawn only when there are some.
        layers = [band, line, sparse] if len(judged) < len(rows) else [band, line]
        layered = alt.layer(*layers).properties(width=width, height=220)
        return _svg(layered, description=description)

    return responsive(draw)


# --- control charts, variance waterfall, key drivers -----------------------------------------

ACCENT, BAD, GOOD, GREY, LIMIT = "#1f5fbf", "#b3261e", "#1a7f4b", "#8a93a3", "#9a6700"
STATUS_DOMAIN = ["within limits", "signal (rule break)", "too few responses, not judged"]
STATUS_RANGE = [ACCENT, BAD, GREY]


def _svg(chart: alt.TopLevelMixin, *, description: str) -> str:
    """The chart as SVG that screen readers announce as one image with `description` as its
    text alternative (Vega's own per-mark ARIA roles are switched off: unlabelled, they made
    every mark an image without a name)."""
    spec = (
        chart.configure(font=FONT, aria=False)
        .configure_mark(aria=False)
        .configure_view(strokeWidth=0)
    )
    svg: str = vlc.vegalite_to_svg(spec.to_dict(validate=VALIDATE_SPECS))
    label = html.escape(description, quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _halfway(starts: Sequence[date], period: str) -> list[tuple[str, str]]:
    """Each point's span, from half-way after the previous point to half-way to the next,
    so per-point limits draw as steps that meet between points."""
    typical = timedelta(days=7 if period == "week" else 30)
    spans = []
    for i, start in enumerate(starts):
        before = start - (start - starts[i - 1]) / 2 if i else start - typical / 2
        after = start + (starts[i + 1] - start) / 2 if i + 1 < len(starts) else start + typical / 2
        spans.append((before.isoformat(), after.isoformat()))
    return spans


@lru_cache(maxsize=CACHED_CHARTS)
def control_chart_svg(chart: AccountControlChart) -> str:
    """p-chart: points per period, centre line, stepped UCL/LCL, signals in red, small periods
    hollow grey without limits, and the baseline window shaded; wide and narrow."""
    if not chart.points or chart.limits is None:
        return ""
    limits = chart.limits
    return responsive(lambda width: _control_chart(chart, limits, width=width))


def _control_chart(chart: AccountControlChart, limits: LimitsInfo, *, width: int) -> str:
    spans = _halfway([p.period_start for p in chart.points], chart.period)
    rows: list[dict[str, Any]] = [
        {
            "period": p.period_start.isoformat(),
            "x0": x0,
            "x1": x1,
            "value": p.value,
            "lcl": p.lcl,
            "ucl": p.ucl,
            "status": STATUS_DOMAIN[1] if p.rules else STATUS_DOMAIN[0 if p.enough else 2],
        }
        for p, (x0, x1) in zip(chart.points, spans, strict=True)
    ]
    data = alt.Data(values=rows)
    shown = [v for r in rows for v in (r["value"], r["lcl"], r["ucl"]) if v is not None]
    low = max(0.0, min([*shown, limits.centre]) - 5)
    high = min(100.0, max([*shown, limits.centre]) + 5)
    x = alt.X(
        "period:T",
        title=None,
        axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=max(3, width // 90), grid=False),
        scale=alt.Scale(domain=[rows[0]["x0"], rows[-1]["x1"]]),
    )
    y = alt.Y(
        "value:Q",
        title=f"% {chart.metric.short.lower() if chart.metric.key == 'nps' else 'of responses'}",
        scale=alt.Scale(domain=[low, high], nice=False),
    )
    status = alt.Color(
        "status:N",
        scale=alt.Scale(domain=STATUS_DOMAIN, range=STATUS_RANGE),
        legend=alt.Legend(
            title=None, orient="bottom", direction="horizontal", columnPadding=24, labelLimit=320
        ),
    )
    first = bucket_floor(chart.period, limits.baseline_start).isoformat()
    baseline = (
        alt.Chart(alt.Data(values=[{"start": first, "end": limits.baseline_end.isoformat()}]))
        .mark_rect(color=ACCENT, opacity=0.07)
        .encode(x="start:T", x2="end:T")
    )
    baseline_label = (
        alt.Chart(alt.Data(values=[{"start": first, "label": "baseline"}]))
        .mark_text(align="left", baseline="top", dx=4, dy=4, color=ACCENT, fontSize=11)
        .encode(x="start:T", y=alt.value(0), text="label:N")
    )
    judged = alt.Chart(data).transform_filter(alt.datum.ucl != None)  # noqa: E711 (Vega null)
    limit_lines = judged.mark_rule(color=LIMIT, strokeDash=[4, 3], strokeWidth=1.3)
    ucl = limit_lines.encode(x="x0:T", x2="x1:T", y="ucl:Q")
    lcl = limit_lines.encode(x="x0:T", x2="x1:T", y="lcl:Q")
    centre = (
        alt.Chart(alt.Data(values=[{"centre": limits.centre}]))
        .mark_rule(color="#5b6577", strokeWidth=1.2)
        .encode(y="centre:Q")
    )
    line = judged.mark_line(color=ACCENT, strokeWidth=1, opacity=0.6).encode(x=x, y=y)
    dots = judged.mark_point(filled=True, size=34, opacity=1).encode(
        x=x, y=y, color=status, shape=alt.value("circle")
    )
    signals = (
        alt.Chart(data)
        .transform_filter(alt.datum.status == STATUS_DOMAIN[1])
        .mark_point(filled=False, size=190, strokeWidth=2, color=BAD)
        .encode(x=x, y=y)
    )
    sparse = (
        alt.Chart(data)
        .transform_filter(alt.datum.status == STATUS_DOMAIN[2])
        .mark_point(filled=False, size=30, strokeWidth=1.2)
        .encode(x=x, y=y, color=status)
    )
    last = next((r for r in reversed(rows) if r["ucl"] is not None), None)
    labels = []
    if last is not None:
        # At the right edge, with the limits of the latest judged point.
        edge = rows[-1]["x1"]
        ends = [
            {"x": edge, "y": last["ucl"], "t": f"UCL {last['ucl']:.0f} %"},
            {"x": edge, "y": limits.centre, "t": f"CL {limits.centre:.0f} %"},
            {"x": edge, "y": last["lcl"], "t": f"LCL {last['lcl']:.0f} %"},
        ]
        labels.append(
            alt.Chart(alt.Data(values=ends))
            .mark_text(align="left", dx=4, fontSize=11, color="#5b6577")
            .encode(x="x:T", y="y:Q", text="t:N")
        )
    layered = alt.layer(
        baseline, baseline_label, centre, ucl, lcl, line, sparse, dots, signals, *labels
    ).properties(width=width, height=250)
    signalled = sum(1 for r in rows if r["status"] == STATUS_DOMAIN[1])
    description = (
        f"Control chart (p-chart) of {chart.metric.title} per {chart.period}, {len(rows)} points, "
        f"centre line {limits.centre:.1f} %, {signalled} signalled; the signals are listed "
        "below the chart."
    )
    return _svg(layered, description=description)


@lru_cache(maxsize=CACHED_CHARTS)
def waterfall_svg(variance: ChannelVariance, *, width: int = 620) -> str:
    """Previous 90 days → channel mix → each channel's rate → last 90 days, as floating bars."""
    if not variance.enough or variance.mix is None:
        return ""
    unit = " %" if variance.unit == "%" else ""
    previous = round(variance.previous.value or 0.0, 1)
    steps: list[tuple[str, float]] = [("Channel mix", variance.mix.shown)]
    steps += [(f"Rate: {row.label}", row.rate.shown) for row in variance.channels]
    rows: list[dict[str, Any]] = [
        {"step": "Previous 90 days", "start": 0.0, "end": previous, "kind": "level"}
    ]
    level = previous
    for label, delta in steps:
        rows.append({"step": label, "start": level, "end": level + delta, "kind": _kind(delta)})
        level = round(level + delta, 1)
    rows.append({"step": "Last 90 days", "start": 0.0, "end": level, "kind": "level"})
    for r in rows:
        delta = r["end"] - r["start"]
        r["text"] = (
            f"{r['end']:.1f}{unit}"
            if r["kind"] == "level"
            else formats.number(delta, 1, signed=True)
        )
        r["tx"] = max(r["start"], r["end"])
    span = [v for r in rows if r["kind"] != "level" for v in (r["start"], r["end"])]
    span += [previous, level]
    lo, hi = min(span), max(span)
    pad = max(2.0, (hi - lo) * 0.35)
    scale = alt.Scale(domain=[lo - pad, hi + pad], nice=False, clamp=True)
    order = [r["step"] for r in rows]
    y = alt.Y("step:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelPadding=6))
    colour = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=["level", "up", "down", "none"], range=[GREY, GOOD, BAD, GREY]),
        legend=None,
    )
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar(height=16).encode(
        y=y,
        x=alt.X(
            "start:Q",
            scale=scale,
            title=f"{variance.label}: levels and changes in points",
            axis=alt.Axis(tickCount=8, format=".0f"),
        ),
        x2="end:Q",
        color=colour,
    )
    text = base.mark_text(align="left", dx=5, fontSize=11, color="#1d2430").encode(
        y=y, x=alt.X("tx:Q", scale=scale), text="text:N"
    )
    chart = (bars + text).properties(
        width=width, height=28 * len(rows), padding={"left": 24, "bottom": 10, "right": 10}
    )
    description = f"Waterfall of {variance.label}: " + "; ".join(
        f"{r['step']} {r['text']}" for r in rows
    )
    return _svg(chart, description=description)


def _kind(delta: float) -> str:
    return "up" if delta > 0 else "down" if delta < 0 else "none"


@lru_cache(maxsize=CACHED_CHARTS)
def drivers_svg(analysis: KeyDrivers, *, width: int = 520) -> str:
    """Share of explained variance per aspect, with its bootstrap 95 % interval as whiskers."""
    if not analysis.enough or not analysis.drivers:
        return ""
    rows: list[dict[str, Any]] = [
        {
            "aspect": d.label,
            "share": d.share.value,
            "low": d.share.low,
            "high": d.share.high,
            "text": f"{d.share.value:.0f} %",
        }
        for d in analysis.drivers
    ]
    order = [r["aspect"] for r in rows]
    y = alt.Y("aspect:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    scale = alt.Scale(domain=[0, 100])
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar(color=ACCENT, height=18, opacity=0.85).encode(
        y=y, x=alt.X("share:Q", scale=scale, title="% of explained variance (R²)")
    )
    whiskers = base.mark_rule(color="#1d2430", strokeWidth=1.5).encode(
        y=y, x=alt.X("low:Q", scale=scale), x2="high:Q"
    )
    caps = [
        base.mark_tick(color="#1d2430", thickness=1.5, size=12).encode(
            y=y, x=alt.X(f"{end}:Q", scale=scale)
        )
        for end in ("low", "high")
    ]
    text = base.mark_text(align="left", dx=4, dy=-11, fontSize=11).encode(
        y=y, x=alt.X("high:Q", scale=scale), text="text:N"
    )
    chart = alt.layer(bars, whiskers, *caps, text).properties(
        width=width, height=42 * len(rows), padding={"left": 24}
    )
    description = "Share of explained variance by aspect: " + "; ".join(
        f"{r['aspect']} {r['share']:.0f} % (95 % interval {formats.interval(r['low'], r['high'])})"
        for r in rows
    )
    return _svg(chart, description=description)
