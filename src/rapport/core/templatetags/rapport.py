"""Template helpers that keep figures honest: every metric with n and interval."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus, urlencode

from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from rapport.core import formats
from rapport.core.registries import ACCOUNT_TABS, LINE_ACTIONS, NAV_ITEMS
from rapport.stats.metrics import metric_def

register = template.Library()


@register.simple_tag
def metric(value: Any, *, unit: str = "", decimals: int | None = None) -> SafeString:
    """A MetricValue: figure, 95 % interval and n; greyed with 'too few' below minimum n.

    Built in Python rather than an included template: the portfolio shows a hundred of these
    and an inclusion tag's render was most of that page's time.
    """
    if value is None or value.value is None:
        return mark_safe('<span class="metric too-few" title="no responses">—</span>')
    if decimals is None:
        decimals = 1 if metric_def(value.metric).headline == "mean" else 0
    figure = f"{formats.number(value.value, decimals)}{html.escape(unit)}"
    if not value.enough:
        return mark_safe(  # noqa: S308 - numbers and the escaped unit only
            '<span class="metric too-few" title="Fewer responses than the minimum: shown for '
            f'information only">{figure} <span class="n">n={value.n} · too few responses'
            "</span></span>"
        )
    return mark_safe(  # noqa: S308 - numbers and the escaped unit only
        f'<span class="metric"><span class="value">{figure}</span> '
        f'{ci_html(value.low, value.high, decimals)} <span class="n">n={value.n:,}</span></span>'
    )


def ci_html(low: float, high: float, decimals: int, *, signed: bool = False) -> str:
    """The interval beside its figure, in the one format (core.formats): "(62.4 to 85.1)"."""
    text = formats.interval(low, high, decimals, signed=signed)
    return f'<span class="ci" title="95 % interval">({text})</span>'


@register.simple_tag
def ci(
    low: Any, high: Any, decimals: int = 0, *, signed: bool = False, scale: float = 1
) -> SafeString:
    """An interval's ends as the interval span (times `scale`, e.g. 100 for shares); nothing
    when either end is missing."""
    if low is None or high is None:
        return mark_safe("")
    ends = (float(low) * scale, float(high) * scale)
    return mark_safe(ci_html(*ends, int(decimals), signed=signed))  # noqa: S308 - numbers only


@register.filter
def signed(value: float | None, decimals: int = 1) -> str:
    """A difference with its sign and a true minus: "+2.5", "−1.0", "0.0"."""
    return "—" if value is None else formats.number(float(value), int(decimals), signed=True)


@register.filter
def money(amount: Any, currency: str) -> str:
    """An amount with its currency: "GBP 1,250,000" (autoescaped like any text)."""
    return "—" if amount is None else formats.money(amount, currency)


@lru_cache(maxsize=64)
def _spark_xs(width: int, last: int) -> tuple[str, ...]:
    """A sparkline's x coordinates, formatted once per width and number of points."""
    return tuple(f"{2 + (width - 4) * i / last:.1f}" for i in range(last + 1))


@register.simple_tag
def sparkline(points: Sequence[dict[str, Any]], width: int = 90, height: int = 22) -> SafeString:
    """A tiny inline SVG line of monthly values (no axis: the table cell gives the scale).

    Plain string formatting: the portfolio draws fifty of these, and everything in the markup
    is a number (arithmetic on anything else fails before it), so there is nothing to escape.
    """
    values = [(i, v) for i, p in enumerate(points) if (v := p.get("value")) is not None]
    if len(values) < 2:
        return mark_safe('<span class="muted small">—</span>')
    ys = [v for _, v in values]
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0
    xs = _spark_xs(width, max(len(points) - 1, 1))
    coords = " ".join(
        [f"{xs[i]},{height - 2 - (height - 4) * (v - low) / span:.1f}" for i, v in values]
    )
    return mark_safe(  # noqa: S308 - numbers only
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Monthly trend from {ys[0]:.0f} to {ys[-1]:.0f}">'
        f'<polyline fill="none" stroke="#1f5fbf" stroke-width="1.5" points="{coords}"/></svg>'
    )


@dataclass(frozen=True, slots=True)
class _SortQuery:
    """The page's query string for its sort links, encoded once for all of them: without the
    page number, with {0} and {1} where the link's sort key and direction go (where setting
    them on a copy of request.GET would put them; encoded text never holds a brace)."""

    current: str
    descending: bool
    template: str


def _sort_query(query: QueryDict) -> _SortQuery:
    pieces = []
    # Assigning to a QueryDict keeps a key's place, or appends it (sort first, then dir).
    keys = [*(k for k in query if k != "page"), *(k for k in ("sort", "dir") if k not in query)]
    for key in keys:
        if key == "sort":
            pieces.append("sort={0}")
        elif key == "dir":
            pieces.append("dir={1}")
        else:
            encoded = key.encode(query.encoding)
            pieces.extend(
                urlencode({encoded: str(v).encode(query.encoding)}) for v in query.getlist(key)
            )
    return _SortQuery(query.get("sort", "name"), query.get("dir") == "desc", "&".join(pieces))


@register.simple_tag(takes_context=True)
def sort_link(context: Any, key: str, label: str) -> SafeString:
    """A column header that sorts by key, toggling direction when already sorted by it."""
    query = context.render_context.get(_SortQuery)
    if query is None:
        query = context.render_context[_SortQuery] = _sort_query(context["request"].GET)
    current, descending = query.current, query.descending
    direction = "asc" if current == key and descending else ("desc" if current == key else "asc")
    arrow = (" ▼" if descending else " ▲") if current == key else ""
    href = query.template.format(quote_plus(key), direction)
    return format_html('<a href="?{}">{}{}</a>', href, label, arrow)


@register.simple_tag(takes_context=True)
def page_url(context: dict[str, Any], page: int, param: str = "page", anchor: str = "") -> str:
    """This page's URL with the page number set (under `param` where a page pages two lists),
    keeping the other query parameters."""
    params = context["request"].GET.copy()
    params[param] = page
    return "?" + params.urlencode() + (f"#{anchor}" if anchor else "")


@register.inclusion_tag("core/includes/registered_nav.html", takes_context=True)
def registered_nav(context: Any) -> dict[str, Any]:
    """The navigation links of the apps above analytics (core.registries.NAV_ITEMS)."""
    request = context["request"]
    items = []
    for item in NAV_ITEMS.in_order():
        url = reverse(item.url_name)
        items.append(
            {
                "label": item.label,
                "url": url,
                "current": request.path.startswith(item.current_prefix),
                "count": item.count(request) if item.count else 0,
            }
        )
    return {"items": items}


@register.inclusion_tag("core/includes/account_tabs.html")
def account_tabs(account: Any, current: str) -> dict[str, Any]:
    """The account page's tabs, as the apps registered them (core.registries.ACCOUNT_TABS)."""
    tabs = [
        {
            "label": tab.label,
            "url": reverse(tab.url_name, args=[account.pk]),
            "current": tab.key == current,
        }
        for tab in ACCOUNT_TABS.in_order()
    ]
    return {"tabs": tabs}


@register.simple_tag(takes_context=True)
def line_actions(
    context: Any,
    kind: str,
    *,
    team_id: int | None,
    title: str,
    account_id: int | None = None,
    metric: str = "",
    ref: str = "",
    url: str = "",
) -> SafeString:
    """Links the apps above offer beside a line of this page (core.registries.LINE_ACTIONS),
    each prefilled with the line's facts; nothing for a user who may not use them."""
    request = context["request"]
    links = []
    for item in LINE_ACTIONS.in_order():
        if kind not in item.kinds or not item.allowed(request, team_id):
            continue
        params = {"source_kind": kind, "team": team_id or "", "title": title[:200]}
        params |= {"account": account_id or "", "metric": metric, "source_ref": ref[:200]}
        params |= {"source_url": url or request.get_full_path()}
        query = urlencode({k: v for k, v in params.items() if v not in ("", None)})
        links.append(
            format_html(
                '<a class="line-action" href="{}?{}">{}</a>',
                reverse(item.url_name),
                query,
                item.label,
            )
        )
    return mark_safe(" ".join(links))  # noqa: S308 - each link built by format_html
