"""Turn a row's cells into a validated response, or into the problems that reject it.

This is the hot loop of an import, so each field has a parser built once per job (lookup
tables for scores and channels, ISO dates parsed in C) and the slow paths run only for
unusual cells. Every problem names the row, the column as the file names it, the value and
the reason.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings

from rapport.feedback.importing.mapping import FIELDS, ColumnPlan, Mapping
from rapport.feedback.models import CES_RANGE, CSAT_RANGE, NPS_RANGE, FeedbackChannel

SCORES = {"nps": ("NPS", NPS_RANGE), "csat": ("CSAT", CSAT_RANGE), "ces": ("CES", CES_RANGE)}
GENERATED_ID_PREFIX = "sha1:"
MAX_EXTERNAL_ID = 120
MAX_SOURCE_SYSTEM = 60
_MISSING: Any = object()
# Day and month as digits without a date_format: 03/04/2025 could be either.
_DAY_MONTH = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


class ValidRow(NamedTuple):
    row_number: int
    source_system: str
    external_id: str
    account_id: int  # below zero: an account this import will create
    submitted_at: datetime  # aware, UTC
    nps: int | None
    csat: int | None
    ces: int | None
    answers: dict[str, Any]
    comment: str
    channel: str
    contact_email: str  # casefolded; "" when none


class RowProblem(NamedTuple):
    row_number: int
    column: str
    value: str
    reason: str


# resolve_account(key) → the account id, or the reason the key names no account.
AccountResolver = Callable[[str], int | str]


def score_problem(field: str, value: object) -> str | None:
    """Why a value is not a valid score for the field, or None when it is."""
    label, (low, high) = SCORES[field]
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{label} must be a whole number from {low} to {high}"
    if not low <= value <= high:
        return f"{label} {value} is out of range {low}–{high}"
    return None


def parse_score(field: str, text: str) -> int | str | None:
    """The score in a cell (None when blank), or the reason it is not one."""
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return score_problem(field, text) or ""
    value: object = int(number) if math.isfinite(number) and number.is_integer() else text
    return score_problem(field, value) or value  # type: ignore[return-value]


def parse_answer(text: str) -> Any:
    """Numbers become numbers (so they can be averaged); other answers stay text."""
    stripped = text.strip()
    if "_" not in stripped:
        try:
            return int(stripped)
        except ValueError:
            pass
        try:
            number = float(stripped)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    return text


SerialMoment = Callable[[float], datetime | None]


class MomentParser:
    """submitted_at cells → aware UTC datetimes. ISO 8601 is always accepted; other forms need
    the mapping's date_format, except day/month dates that can be read only one way, and, in
    a workbook, numbers (a date in a General cell is its serial number: `serial_moment`)."""

    def __init__(
        self, *, date_format: str, zone: ZoneInfo, serial_moment: SerialMoment | None = None
    ) -> None:
        self.date_format = date_format
        self.zone = zone
        self.serial_moment = serial_moment

    def __call__(self, text: str) -> datetime | str:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            parsed = self._other(text.strip())
            if isinstance(parsed, str):
                return parsed
            moment = parsed
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment if moment.tzinfo is UTC else moment.astimezone(UTC)

    def _other(self, text: str) -> datetime | str:
        if not text:
            return "submitted_at is empty"
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
        if self.serial_moment is not None and (serial := _number(text)) is not None:
            moment = self.serial_moment(serial)
            if moment is not None:
                return moment
        if self.date_format:
            try:
                return datetime.strptime(text, self.date_format)
            except ValueError:
                return f"date {text!r} does not match date_format {self.date_format!r} or ISO 8601"
        match = _DAY_MONTH.match(text)
        if match is None:
            return (
                f"date {text!r} is not ISO 8601 (2025-03-04 14:30); set date_format in the mapping"
            )
        first, second, year = (int(g) for g in match.groups()[:3])
        hour, minute, second_of_minute = (int(g or 0) for g in match.groups()[3:])
        readings = []
        for day, month in ((first, second), (second, first)):
            try:
                readings.append(datetime(year, month, day, hour, minute, second_of_minute))
            except ValueError:
                continue
        readings = list(dict.fromkeys(readings))
        if len(readings) == 1:
            return readings[0]
        if not readings:
            return f"date {text!r} is not a valid date"
        a, b = (f"{r.day} {r:%B %Y}" for r in readings)
        return (
            f"ambiguous date {text!r}: {a} or {b}? "
            "Set date_format in the mapping (e.g. %d/%m/%Y) or use ISO 8601"
        )


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _channel_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in FeedbackChannel.choices:
        for name in (value, str(label), value.replace("_", " ")):
            table[name] = table[name.casefold()] = value
    return table


CHANNEL_BY_NAME = _channel_table()


def generated_external_id(row: ValidRow, account_key: str) -> str:
    """A stable id for a row without one, so importing the same file again changes nothing."""
    text = "\x1f".join(
        (
            account_key.casefold(),
            row.submitted_at.isoformat(),
            str(row.nps),
            str(row.csat),
            str(row.ces),
            json.dumps(row.answers, sort_keys=True),
            row.comment,
            row.channel,
            row.contact_email,
        )
    )
    return GENERATED_ID_PREFIX + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class RowValidator:
    """Validates rows of one file under one mapping."""

    def __init__(
        self,
        plan: ColumnPlan,
        mapping: Mapping,
        *,
        width: int,
        accounts: dict[str, int],
        resolve_account: AccountResolver,
        default_source: str,
        unread: dict[int, list[int]] | None = None,
        serial_moment: SerialMoment | None = None,
    ) -> None:
        self.plan = plan
        self.mapping = mapping
        self.width = width
        self.accounts = accounts
        self.resolve_account = resolve_account
        self.default_source = default_source
        # Formula cells without a saved value, by row (the reader adds, this takes them).
        self.unread = unread if unread is not None else {}
        self.max_chars: int = settings.IMPORT_MAX_CELL_CHARS
        self.moment = MomentParser(
            date_format=mapping.date_format, zone=mapping.zone, serial_moment=serial_moment
        )
        # The columns whose cells are read: (index, name as the file shows it)
        self.used_columns = sorted(
            {*plan.fields.values(), *((index, name) for _, index, name in plan.answers)}
        )
        # Absent fields read the empty cell appended to every row at index `width`.
        self.fields = itemgetter(
            *(plan.fields[name][0] if name in plan.fields else width for name in FIELDS)
        )
        self.column = {name: plan.fields.get(name, (0, name))[1] for name in FIELDS}
        self.score_tables = {
            name: {str(v): v for v in range(low, high + 1)} | {"": None}
            for name, (_, (low, high)) in SCORES.items()
        }

    def validate(
        self, rows: list[tuple[int, list[str]]]
    ) -> tuple[list[ValidRow], list[RowProblem]]:
        """Valid rows in file order, and every problem of the others."""
        valid: list[ValidRow] = []
        problems: list[RowProblem] = []
        width, fields, column = self.width, self.fields, self.column
        accounts, moment = self.accounts, self.moment
        tables = self.score_tables
        nps_table, csat_table, ces_table = tables["nps"], tables["csat"], tables["ces"]
        _new = tuple.__new__
        channels, default_channel = CHANNEL_BY_NAME, self.mapping.channel
        default_account, default_source = self.mapping.account, self.default_source
        answer_columns, unread, max_chars = self.plan.answers, self.unread, self.max_chars
        for number, cells in rows:
            if len(cells) != width:
                extra = next((cell for cell in cells[width:] if cell.strip()), None)
                if extra is not None:  # dropping it would lose data, often half a value
                    reason = (
                        f"the row has {len(cells)} cells but the header has {width} columns; "
                        "quote values that contain the delimiter"
                    )
                    problems.append(RowProblem(number, "", extra, reason))
                    continue
                cells = (cells + [""] * width)[:width]
            cells.append("")
            (account_key, external_id, submitted, nps, csat, ces, comment, channel, email,
             source) = fields(cells)  # fmt: skip
            answers = {}
            long_or_nul = False
            for key, index, _ in answer_columns:
                if (text := cells[index]).strip():
                    answers[key] = parse_answer(text)
                    long_or_nul = long_or_nul or "\x00" in text or len(text) > max_chars
            # Rejected before anything is looked up: a value that could not be read must not
            # be taken as blank, and PostgreSQL refuses text with NUL in any statement.
            if (
                long_or_nul
                or len(comment) > max_chars
                or "\x00" in comment
                or "\x00" in account_key
                or "\x00" in external_id
                or "\x00" in source
                or "\x00" in email
                or (unread and number in unread)
            ) and (unreadable := self._unreadable(number, cells)):
                problems.extend(unreadable)
                continue
            row_problems: list[RowProblem] = []
            account_key = account_key.strip() or default_account
            account_id = accounts.get(account_key.casefold()) if account_key else None
            if not account_id:
                resolved = self.resolve_account(account_key) if account_key else "account is empty"
                if isinstance(resolved, str):
                    row_problems.append(
                        RowProblem(number, column["account"], account_key, resolved)
                    )
                else:
                    account_id = resolved
            when = moment(submitted)
            if isinstance(when, str):
                row_problems.append(RowProblem(number, column["submitted_at"], submitted, when))
            # A lookup for the usual cells; parse_score for the others ("9.0", " 7", "eleven").
            if (nps_value := nps_table.get(nps, _MISSING)) is _MISSING:
                nps_value = self._score("nps", number, nps, row_problems)
            if (csat_value := csat_table.get(csat, _MISSING)) is _MISSING:
                csat_value = self._score("csat", number, csat, row_problems)
            if (ces_value := ces_table.get(ces, _MISSING)) is _MISSING:
                ces_value = self._score("ces", number, ces, row_problems)
            channel_value = channels.get(channel) if channel else default_channel
            if channel_value is None:
                channel_value = channels.get(channel.strip().casefold())
                if channel_value is None:
                    reason = f"unknown channel; use one of {', '.join(FeedbackChannel.values)}"
                    row_problems.append(RowProblem(number, column["channel"], channel, reason))
            external_id = external_id.strip()
            source = source.strip() or default_source
            if len(external_id) > MAX_EXTERNAL_ID:
                reason = f"external id is longer than {MAX_EXTERNAL_ID} characters"
                row_problems.append(RowProblem(number, column["external_id"], external_id, reason))
            if len(source) > MAX_SOURCE_SYSTEM:
                reason = f"source system is longer than {MAX_SOURCE_SYSTEM} characters"
                row_problems.append(RowProblem(number, column["source_system"], source, reason))
            if row_problems:
                problems.extend(row_problems)
                continue
            # No problem was found, so account, time and channel are set. tuple.__new__ is
            # ValidRow(...) without the Python-level __new__ of a NamedTuple (a third of a µs).
            row = _new(ValidRow, (
                number, source, external_id, account_id, when, nps_value, csat_value, ces_value,
                answers, comment, channel_value, email.strip().casefold(),
            ))  # fmt: skip
            if not external_id:
                row = row._replace(external_id=generated_external_id(row, account_key))
            valid.append(row)
        return valid, problems

    def _unreadable(self, number: int, cells: list[str]) -> list[RowProblem]:
        """The used cells of a row that cannot be taken as they are: a formula without a
        saved value, a NUL character, or more characters than a cell may hold."""
        unread = set(self.unread.pop(number, ()))
        problems = []
        for index, name in self.used_columns:
            text = cells[index]
            if index in unread:
                reason = (
                    "formula without a saved value (the workbook was saved by a program that "
                    "does not calculate): open and save it in Excel, or paste the values"
                )
                problems.append(RowProblem(number, name, "", reason))
            elif "\x00" in text:
                reason = "contains a NUL character (code 0), which cannot be stored; remove it"
                problems.append(RowProblem(number, name, text[:200], reason))
            elif len(text) > self.max_chars:
                reason = (
                    f"the cell holds {len(text):,} characters, more than the limit of "
                    f"{self.max_chars:,} (RAPPORT_IMPORT_MAX_CELL_CHARS)"
                )
                problems.append(RowProblem(number, name, text[:200], reason))
        return problems

    def _score(self, name: str, number: int, text: str, problems: list[RowProblem]) -> Any:
        score = parse_score(name, text)
        if isinstance(score, str):
            problems.append(RowProblem(number, self.column[name], text, score))
        return score
