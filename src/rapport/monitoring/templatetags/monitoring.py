"""Template filters of the monitoring pages."""

from __future__ import annotations

from django import template

from rapport.monitoring.recurrence import describe

register = template.Library()


@register.filter
def rrule_words(rule: str) -> str:
    """A recurrence rule in words: "every 3 months on the 1st"."""
    return describe(rule) if rule else ""


@register.filter
def person(user: object) -> str:
    """A user's full name, else the user name; "—" for nobody."""
    if user is None:
        return "—"
    full = getattr(user, "get_full_name", lambda: "")()
    return full or getattr(user, "username", "—")
