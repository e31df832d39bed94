"""Notice templates: plain text with named placeholders in braces, filled safely.

Only the names in PLACEHOLDERS may appear, bare (no attribute, index, conversion or format
spec), so a template can never reach into Python objects the way `str.format` would let
"{contact.__class__}" do; `{{` and `}}` stand for literal braces. The result is plain text: the
e-mail is sent as text and pages show it escaped by Django's templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from django.core.exceptions import ValidationError

PLACEHOLDERS: dict[str, str] = {
    "contact_name": "the contact's name",
    "account_name": "the customer's account name",
    "incident_title": "the incident's title (or what changed, for an agreement change)",
    "start": "when it started (or takes effect)",
    "expected_end": "when it is expected to end ('not known yet' when not given)",
    "what_we_offer": "what we offer (or the new terms, for an agreement change)",
}


def check(text: str, *, field: str) -> None:
    """A ValidationError naming `field` when the text is not a valid template."""
    try:
        parts = list(Formatter().parse(text))
    except ValueError as error:  # a single "{" or "}"
        raise ValidationError(
            {field: f"{error}. Write {{{{ or }}}} for a brace, or a placeholder in braces."}
        ) from None
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            allowed = ", ".join(f"{{{key}}}" for key in PLACEHOLDERS)
            raise ValidationError({field: f"Unknown placeholder “{{{name}}}”: use only {allowed}."})


def render(text: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by its value (the text was checked when
    saved; check again, since a template may predate a placeholder's removal)."""
    check(text, field="body")
    out = []
    for literal, name, _spec, _conversion in Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(str(values.get(name, "")))
    return "".join(out)
