"""Every route of the URL conf, for the tests that must cover each page (sweeps, forms, a11y)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def url_routes(
    patterns: Any = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(route, "namespace:name") of every URL pattern, nested includes flattened."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}"
