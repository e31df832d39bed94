"""Which file column feeds which response field, and the import options (docs/imports.md).

A mapping is JSON. Fields not named under "columns" are looked up by their default names,
case-insensitively and ignoring spaces and punctuation ("Response ID" finds external_id).
A column may be named by the text of any header row, the first row taking precedence, or
by its letter or position when names repeat (SurveyMonkey's sub-questions share one text).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from rapport.feedback.importing import ImportFailed
from rapport.feedback.models import FeedbackChannel

FIELDS = (
    "account",
    "external_id",
    "submitted_at",
    "nps",
    "csat",
    "ces",
    "comment",
    "channel",
    "contact_email",
    "source_system",
)
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "account": ("account", "account_id", "account_external_id"),
    "external_id": ("external_id", "response_id", "id"),
    "submitted_at": ("submitted_at", "date", "timestamp"),
    "nps": ("nps",),
    "csat": ("csat",),
    "ces": ("ces",),
    "comment": ("comment",),
    "channel": ("channel",),
    "contact_email": ("contact_email",),
    "source_system": ("source_system",),
}
# Names Qualtrics gives these fields, used only when a Qualtrics export is recognised.
QUALTRICS_NAMES: dict[str, tuple[str, ...]] = {
    "submitted_at": ("recorded_date", "end_date"),
    "contact_email": ("recipient_email", "email_address"),
}
ACCOUNT_MATCHES = ("external_id", "name", "id")
OPTIONS = (
    "columns",
    "answers",
    "source_system",
    "date_format",
    "timezone",
    "account_match",
    "create_missing_accounts",
    "default_team",
    "channel",
    "account",
    "header_rows",
    "sheet",
)
ANSWER_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
COLUMN_LETTERS = re.compile(r"^[A-Z]{1,3}$")
COLUMN_POSITION = re.compile(r"^#([1-9][0-9]{0,4})$")
DEFAULT_SOURCE_SYSTEM = "import"


class MappingError(ValueError):
    """The mapping itself is wrong (bad JSON, unknown field, bad option)."""


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    source_system: str = ""
    date_format: str = ""
    timezone: str = ""
    account_match: str = "external_id"
    create_missing_accounts: bool = False
    default_team: str = ""
    channel: str = FeedbackChannel.SURVEY
    account: str = ""  # one account for every row (when the file has no account column)
    header_rows: int | None = None
    sheet: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or settings.TIME_ZONE)


def load_mapping(text: str | bytes | None) -> dict[str, Any]:
    """The JSON text of a mapping file or form field, as a dict ({} when empty)."""
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise MappingError(f"the mapping is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise MappingError("the mapping must be a JSON object")
    return data


def parse_mapping(data: dict[str, Any]) -> Mapping:
    """Check every option; the messages say what is wrong and what is allowed."""
    unknown = sorted(set(data) - set(OPTIONS))
    if unknown:
        raise MappingError(f"unknown mapping option(s) {unknown}; options are {list(OPTIONS)}")
    columns = _names(data, "columns")
    bad_fields = sorted(set(columns) - set(FIELDS))
    if bad_fields:
        raise MappingError(f"unknown field(s) {bad_fields} in columns; fields are {list(FIELDS)}")
    answers = _names(data, "answers")
    for key in answers:
        if not ANSWER_KEY.match(key) or key in FIELDS:
            raise MappingError(
                f"answer key {key!r} must be lower case letters, digits and _ "
                "(starting with a letter) and not a field name"
            )
    text = {name: _text(data, name) for name in ("source_system", "date_format", "timezone")}
    if text["timezone"]:
        try:
            ZoneInfo(text["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise MappingError(f"unknown timezone {text['timezone']!r}") from None
    if len(text["source_system"]) > 60:
        raise MappingError("source_system is longer than 60 characters")
    account_match = _text(data, "account_match") or "external_id"
    if account_match not in ACCOUNT_MATCHES:
        raise MappingError(f"account_match must be one of {list(ACCOUNT_MATCHES)}")
    channel = _text(data, "channel") or FeedbackChannel.SURVEY
    if channel not in FeedbackChannel.values:
        raise MappingError(f"channel {channel!r} is not one of {FeedbackChannel.values}")
    create = data.get("create_missing_accounts", False)
    if not isinstance(create, bool):
        raise MappingError("create_missing_accounts must be true or false")
    default_team = _text(data, "default_team")
    if create and not default_team:
        raise MappingError("create_missing_accounts needs default_team (the team's slug)")
    header_rows = data.get("header_rows")
    if header_rows is not None and (
        not isinstance(header_rows, int)
        or isinstance(header_rows, bool)
        or not 1 <= header_rows <= 10
    ):
        raise MappingError("header_rows must be a whole number from 1 to 10")
    return Mapping(
        columns=columns,
        answers=answers,
        source_system=text["source_system"],
        date_format=text["date_format"],
        timezone=text["timezone"],
        account_match=account_match,
        create_missing_accounts=create,
        default_team=default_team,
        channel=channel,
        account=_text(data, "account"),
        header_rows=header_rows,
        sheet=_text(data, "sheet"),
    )


def _names(data: dict[str, Any], option: str) -> dict[str, str]:
    value = data.get(option, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise MappingError(f"{option} must map names to column names (text)")
    return {k: v.strip() for k, v in value.items()}


def _text(data: dict[str, Any], option: str) -> str:
    value = data.get(option, "")
    if not isinstance(value, str):
        raise MappingError(f"{option} must be text")
    return value.strip()


def normalise(name: str) -> str:
    """Compare column names ignoring case, spaces and punctuation."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


@dataclass(frozen=True)
class ColumnPlan:
    """Where each field is in a row: its index and the column's name as the file shows it."""

    fields: dict[str, tuple[int, str]]
    answers: list[tuple[str, int, str]]
    # Mapped names that match more than one column (the first is used), for the job's page.
    warnings: list[str] = field(default_factory=list)


def resolve_columns(mapping: Mapping, header: list[list[str]], *, qualtrics: bool) -> ColumnPlan:
    """Find each field's column; a missing required or mapped column fails the import.

    A mapped column is found by name (exact, then ignoring case and punctuation), else by
    letter ("C", "AB") or 1-based position ("#3"), which reach columns that share a name."""
    exact, loose = _column_index(header)
    width = max(len(row) for row in header)
    warnings: list[str] = []

    def find(reference: str, used_for: str) -> tuple[int, str] | None:
        matches = exact.get(reference) or loose.get(normalise(reference))
        if not matches:
            return _by_position(reference, header[0], width)
        if len(matches) > 1:
            letters = ", ".join(column_letter(index) for index, _ in matches)
            other = matches[1][0]
            warnings.append(
                f"{reference!r} (for {used_for}) names columns {letters}; column "
                f"{column_letter(matches[0][0])} is used. To use another, map it by letter or "
                f'position (e.g. "{column_letter(other)}" or "#{other + 1}")'
            )
        return matches[0]

    fields: dict[str, tuple[int, str]] = {}
    not_found: list[str] = []
    for name in FIELDS:
        if name in mapping.columns:
            found = find(mapping.columns[name], name)
            if found is None:
                not_found.append(f"{mapping.columns[name]!r} (for {name})")
        else:
            aliases = DEFAULT_NAMES[name] + (QUALTRICS_NAMES.get(name, ()) if qualtrics else ())
            found = next((c[0] for a in aliases if (c := loose.get(normalise(a)))), None)
        if found is not None:
            fields[name] = found
    answers = []
    for key, column in mapping.answers.items():
        found = find(column, f"answer {key}")
        if found is None:
            not_found.append(f"{column!r} (for answer {key})")
        else:
            answers.append((key, *found))
    required = ["submitted_at"] + ([] if mapping.account else ["account"])
    missing = [name for name in required if name not in fields and name not in mapping.columns]
    if missing or not_found:
        problems = []
        if missing:
            problems.append(f"missing required column(s): {', '.join(missing)}")
        if not_found:
            problems.append(f"mapped column(s) not found: {', '.join(not_found)}")
        names = ", ".join(repr(name) for name in header[0] if name)
        hint = (
            f' (a column may also be named by its letter, "C", or its position, "#3", up to '
            f"{column_letter(width - 1)} and #{width})"
            if not_found
            else ""
        )
        raise ImportFailed(f"{'; '.join(problems)}. The file's columns are: {names}{hint}")
    return ColumnPlan(fields=fields, answers=answers, warnings=warnings)


ColumnIndex = dict[str, list[tuple[int, str]]]


def _column_index(header: list[list[str]]) -> tuple[ColumnIndex, ColumnIndex]:
    """The columns (position, name) of each exact and of each normalised name, earlier rows
    and columns first."""
    exact: ColumnIndex = {}
    loose: ColumnIndex = {}
    for row in header:
        for index, name in enumerate(row):
            if name:
                for key, index_of in ((name, exact), (normalise(name), loose)):
                    found = index_of.setdefault(key, [])
                    if all(index != other for other, _ in found):
                        found.append((index, name))
    return exact, loose


def _by_position(reference: str, names: list[str], width: int) -> tuple[int, str] | None:
    """The column a letter ("AB") or 1-based position ("#3") names, within the file's width."""
    if match := COLUMN_POSITION.match(reference):
        index = int(match[1]) - 1
    elif COLUMN_LETTERS.match(reference):
        index = -1
        for letter in reference:
            index = (index + 1) * 26 + ord(letter) - ord("A")
    else:
        return None
    if index >= width:
        return None
    letter = column_letter(index)
    name = names[index] if index < len(names) else ""
    return index, f"{name} ({letter})" if name else letter


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
