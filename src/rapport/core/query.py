"""Reading a page's enumerated query parameters: a value the page does not know is a 400 that
names the parameter and the values it takes (the error page shows the message), never a
silent fallback or a 404 for a page that exists."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.core.exceptions import BadRequest


def query_choice(
    query: Mapping[str, str], name: str, choices: Collection[str], default: str
) -> str:
    """The value of ?name= in `query` (request.GET), one of `choices`; absent or empty gives
    the default."""
    value = query.get(name, "") or default
    if value not in choices:
        allowed = ", ".join(sorted(c for c in choices if c))
        raise BadRequest(f"Unknown {name} “{value}”: {name} is one of {allowed}.")
    return value
