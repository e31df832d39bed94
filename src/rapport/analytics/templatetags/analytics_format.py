"""Number formats of the analytics page: signed effects with intervals, percentages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def _signed(value: float, decimals: int = 1) -> str:
    if round(value, decimals) == 0:
        return f"{0:.{decimals}f}"
    return f"{value:+.{decimals}f}".replace("-", "−")


@register.filter
def signed(value: float | None, decimals: int = 1) -> str:
    return "—" if value is None else _signed(float(value), int(decimals))


@register.filter
def effect(value: Any) -> SafeString:
    """An Effect: the shown (sum-preserving) figure and its 95 % interval."""
    if value is None:
        return format_html('<span class="muted">—</span>')
    return format_html(
        '<span class="metric"><span class="value">{}</span> <span class="ci">[{} to {}]</span>'
        "</span>",
        _signed(value.shown),
        _signed(value.low),
        _signed(value.high),
    )


@register.filter
def interval(value: Any, spec: str = "0") -> SafeString:
    """An Interval (value, low, high) as 'value [low–high]'; spec is 'decimals' or
    'decimals unit', e.g. "0 %"."""
    decimals, _, unit = str(spec).partition(" ")
    d = int(decimals)

    def fmt(x: float) -> str:
        return f"{x:.{d}f}".replace("-", "−")

    suffix = f" {unit}" if unit else ""
    return format_html(
        '<span class="metric"><span class="value">{}{}</span> <span class="ci">[{}–{}]</span>'
        "</span>",
        fmt(value.value),
        suffix,
        fmt(value.low),
        fmt(value.high),
    )
