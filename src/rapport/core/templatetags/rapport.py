"""Template helpers that keep figures honest: every metric with n and interval."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _fixed(number: float, decimals: int) -> str:
    return f"{number:.{decimals}f}"


@register.simple_tag
def metric(value: Any, *, unit: str = "", decimals: int | None = None) -> SafeString:
    """A MetricValue: figure, 95 % interval and n; greyed with 'too few' below minimum n.

    Built in Python rather than an included template: the portfolio shows a hundred of these
    and an inclusion tag's render was most of that page's time.
    """
    from rapport.analytics.metrics import metric_def

    if value is None or value.value is None:
        return mark_safe('<span class="metric too-few" title="no responses">—</span>')
    if decimals is None:
        decimals = 1 if metric_def(value.metric).headline == "mean" else 0
    figure = f"{_fixed(value.value, decimals)}{escape(unit)}"
    if not value.enough:
        return mark_safe(  # noqa: S308 - numbers and the escaped unit only
            '<span class="metric too-few" title="Fewer responses than the minimum: shown for '
            f'information only">{figure} <span class="n">n={value.n} · too few responses'
            "</span></span>"
        )
    return mark_safe(  # noqa: S308 - numbers and the escaped unit only
        f'<span class="metric"><span class="value">{figure}</span> <span class="ci">'
        f"[{_fixed(value.low, decimals)}–{_fixed(value.high, decimals)}]</span> "
        f'<span class="n">n={value.n:,}</span></span>'
    )


@register.simple_tag
def sparkline(points: Sequence[dict[str, Any]], width: int = 90, height: int = 22) -> SafeString:
    """A tiny inline SVG line of monthly values (no axis: the table cell gives the scale)."""
    values = [(i, p["value"]) for i, p in enumerate(points) if p.get("value") is not None]
    if len(values) < 2:
        return mark_safe('<span class="muted small">—</span>')
    ys = [v for _, v in values]
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0
    last = max(len(points) - 1, 1)
    coords = " ".join(
        f"{2 + (width - 4) * i / last:.1f},{height - 2 - (height - 4) * (v - low) / span:.1f}"
        for i, v in values
    )
    label = f"Monthly trend from {ys[0]:.0f} to {ys[-1]:.0f}"
    return format_html(
        '<svg class="spark" width="{}" height="{}" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}"><polyline fill="none" stroke="#1f5fbf" stroke-width="1.5" '
        'points="{}"/></svg>',
        width,
        height,
        width,
        height,
        label,
        coords,
    )


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], key: str, label: str) -> SafeString:
    """A column header that sorts by key, toggling direction when already sorted by it."""
    request = context["request"]
    params = request.GET.copy()
    current = params.get("sort", "name")
    descending = params.get("dir") == "desc"
    params["sort"] = key
    params["dir"] = (
        "asc" if current == key and descending else ("desc" if current == key else "asc")
    )
    params.pop("page", None)
    arrow = (" ▼" if descending else " ▲") if current == key else ""
    return format_html('<a href="?{}">{}{}</a>', params.urlencode(), label, arrow)


@register.simple_tag(takes_context=True)
def page_url(context: dict[str, Any], page: int) -> str:
    params = context["request"].GET.copy()
    params["page"] = page
    return "?" + params.urlencode()
