"""Number formats of the analytics page: signed effects with intervals, percentages.

The formats themselves are core's (`rapport.core.formats`), shared with every page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from rapport.core import formats
from rapport.core.templatetags.rapport import ci_html

register = template.Library()


@register.filter
def effect(value: Any) -> SafeString:
    """An Effect: the shown (sum-preserving) figure and its 95 % interval, both signed."""
    if value is None:
        return format_html('<span class="muted">—</span>')
    return format_html(
        '<span class="metric"><span class="value">{}</span> {}</span>',
        formats.number(value.shown, 1, signed=True),
        mark_safe(ci_html(value.low, value.high, 1, signed=True)),  # noqa: S308 - numbers only
    )


@register.filter
def interval(value: Any, spec: str = "0") -> SafeString:
    """An Interval (value, low, high) as 'value (low to high)'; spec is 'decimals' or
    'decimals unit', e.g. "0 %"."""
    decimals, _, unit = str(spec).partition(" ")
    d = int(decimals)
    suffix = f" {unit}" if unit else ""
    return format_html(
        '<span class="metric"><span class="value">{}{}</span> {}</span>',
        formats.number(value.value, d),
        suffix,
        mark_safe(ci_html(value.low, value.high, d)),  # noqa: S308 - numbers only
    )
