"""Responses sent one by one or in bulk through the API, validated exactly like file rows.

Each item becomes a row of text cells under a header of field names, so the API and the file
import share one set of rules and messages; the "row" of a problem is the item's index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from rapport.feedback.importing.accounts import AccountDirectory
from rapport.feedback.importing.dedupe import split_repeats
from rapport.feedback.importing.mapping import FIELDS, parse_mapping, resolve_columns
from rapport.feedback.importing.rows import RowProblem, RowValidator, ValidRow

API_SOURCE_SYSTEM = "api"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _account_id(value: Any) -> int | None:
    """The id an item names; None when it is no id (the validator then says so for the row)."""
    try:
        pk = int(str(value).strip())
    except ValueError:
        return None
    return pk if 0 < pk < 2**63 else None  # larger ones overflow the database's integers


def validate_items(
    items: Sequence[dict[str, Any]], *, team_ids: list[int] | None
) -> tuple[list[ValidRow], list[RowProblem]]:
    """Items name their account by id; only accounts in team_ids (None: all) are found."""
    answer_keys = sorted({key for item in items for key in (item.get("answers") or {})})
    mapping = parse_mapping(
        {
            "columns": {name: name for name in FIELDS},
            "answers": {key: f"answers.{key}" for key in answer_keys},
            "account_match": "id",
            "source_system": API_SOURCE_SYSTEM,
        }
    )
    header = [*FIELDS, *(f"answers.{key}" for key in answer_keys)]
    plan = resolve_columns(mapping, [header], qualtrics=False)
    account_ids = sorted({pk for item in items if (pk := _account_id(item.get("account")))})
    directory = AccountDirectory(match="id", team_ids=team_ids, only=account_ids)
    validator = RowValidator(
        plan,
        mapping,
        width=len(header),
        accounts=directory.ids,
        resolve_account=directory.resolve,
        default_source=API_SOURCE_SYSTEM,
    )
    rows = [
        (
            index,
            [_cell(item.get(name)) for name in FIELDS]
            + [_cell((item.get("answers") or {}).get(key)) for key in answer_keys],
        )
        for index, item in enumerate(items)
    ]
    valid, problems = validator.validate(rows)
    valid, repeats = split_repeats(valid, earlier={}, column="external_id")
    return valid, sorted(problems + repeats)
