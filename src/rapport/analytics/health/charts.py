"""Charts of the Health & profit tab: monthly margin (Altair → SVG, like the other charts)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import altair as alt

from rapport.analytics.charts import ACCENT, BAD, CACHED_CHARTS, _svg, responsive
from rapport.analytics.health.profitability import MonthMargin, Profitability
from rapport.core import formats


def margin_chart(profit: Profitability) -> str:
    """Bars of each month's margin (value − planned cost − that month's cost entries), red
    below zero, with the planned margin (no entries) as a dashed line; wide and narrow."""
    return _margin_svg(profit.months, currency=profit.currency)


@lru_cache(maxsize=CACHED_CHARTS)
def _margin_svg(months: tuple[MonthMargin, ...], *, currency: str) -> str:
    """Drawn from the (frozen) months alone, so the same figures are drawn once."""
    rows: list[dict[str, Any]] = [
        {
            "month": m.month.isoformat(),
            "margin": float(m.margin),
            "planned": float(m.value - m.planned_cost),
            "entries": float(m.entries),
        }
        for m in months
    ]
    if not rows:
        return ""
    money = f"Margin per month ({currency})"
    losing = sum(1 for r in rows if r["margin"] < 0)
    description = (
        f"{money} from {rows[0]['month'][:7]} to {rows[-1]['month'][:7]}: "
        f"{losing} of {len(rows)} months below zero; "
        f"latest {formats.money(rows[-1]['margin'], currency)}."
    )
    return responsive(lambda width: _margin_bars(rows, money, width, description))


def _margin_bars(rows: list[dict[str, Any]], money: str, width: int, description: str) -> str:
    data = alt.Data(values=rows)
    ticks = max(3, width // 100)
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=ticks))
    bars = (
        alt.Chart(data)
        .mark_bar(width=max(4, 0.6 * width / len(rows)))
        .encode(
            x=x,
            y=alt.Y("margin:Q", title=money),
            color=alt.condition(alt.datum.margin < 0, alt.value(BAD), alt.value(ACCENT)),
            tooltip=[
                alt.Tooltip("month:T", format="%B %Y"),
                alt.Tooltip("margin:Q", format=",.0f"),
                alt.Tooltip("entries:Q", title="cost entries", format=",.0f"),
            ],
        )
    )
    planned = (
        alt.Chart(data).mark_line(color="#5b6576", strokeDash=[4, 3]).encode(x=x, y="planned:Q")
    )
    return _svg((bars + planned).properties(width=width, height=200), description=description)
