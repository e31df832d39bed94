"""What the apps above feedback do when responses are written: filled by them at start-up.

Feedback sits below the apps that keep figures of its rows (analytics: rollups, snapshots and
health; enrichment: comment analysis), so it does not call them: they register here from their
`AppConfig.ready()` and feedback calls what is registered (decision 51).

- `on_rows_written(factory)`: a factory of `RowChanges`. Every transaction that writes
  responses makes one `BatchChanges`, hands it the old versions (sign -1) and new versions
  (+1) of its rows, a list of rows per call, and flushes it inside the same transaction —
  once per import batch, so the rollups commit with their rows at no extra cost.
- `on_accounts_changed(hook)`: after responses recorded, changed or deleted one by one (API),
  with the accounts whose figures moved.
- `on_import_finished(hook)`: when an import job ends, with its id and the accounts it wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """The part of a response that figures kept of it (rollups) depend on."""

    account_id: int
    submitted_at: datetime
    nps: int | None
    csat: int | None
    ces: int | None
    answers: dict[str, Any] | None


class Scored(Protocol):
    """Anything with a response's scores: a ScoreRow, or an import's validated row."""

    @property
    def account_id(self) -> int: ...
    @property
    def submitted_at(self) -> datetime: ...
    @property
    def nps(self) -> int | None: ...
    @property
    def csat(self) -> int | None: ...
    @property
    def ces(self) -> int | None: ...
    @property
    def answers(self) -> dict[str, Any] | None: ...


class RowChanges(Protocol):
    """Signed changes of rows, kept until `flush()` writes them in the caller's transaction;
    `accounts` are those whose figures moved."""

    accounts: set[int]

    def add_rows(self, rows: Iterable[Scored], sign: int = 1) -> None: ...
    def flush(self) -> None: ...


AccountsHook = Callable[[set[int]], object]
ImportHook = Callable[[int, set[int]], object]

H = TypeVar("H")
_row_writers: list[Callable[[], RowChanges]] = []
_accounts_changed: list[AccountsHook] = []
_import_finished: list[ImportHook] = []


def _register(hooks: list[H], hook: H) -> H:
    if hook not in hooks:  # ready() may run twice (tests that reload apps)
        hooks.append(hook)
    return hook


def on_rows_written(factory: Callable[[], RowChanges]) -> Callable[[], RowChanges]:
    return _register(_row_writers, factory)


def on_accounts_changed(hook: AccountsHook) -> AccountsHook:
    return _register(_accounts_changed, hook)


def on_import_finished(hook: ImportHook) -> ImportHook:
    return _register(_import_finished, hook)


class BatchChanges:
    """One transaction's changes, passed to every registered writer (a list of rows per call,
    never a call per row)."""

    def __init__(self) -> None:
        self._writers = [factory() for factory in _row_writers]

    def add_rows(self, rows: Iterable[Scored], sign: int = 1) -> None:
        rows = rows if isinstance(rows, list) else list(rows)
        for writer in self._writers:
            writer.add_rows(rows, sign)

    def flush(self) -> None:
        for writer in self._writers:
            writer.flush()

    @property
    def accounts(self) -> set[int]:
        return set().union(*(writer.accounts for writer in self._writers))


def write_changes(*, removed: Iterable[Scored] = (), added: Iterable[Scored] = ()) -> set[int]:
    """Move the figures from the old versions of rows to their new versions now (inside the
    caller's transaction); returns the accounts whose figures moved."""
    changes = BatchChanges()
    changes.add_rows(removed, -1)
    changes.add_rows(added, +1)
    changes.flush()
    return changes.accounts


def accounts_changed(account_ids: set[int]) -> None:
    for hook in _accounts_changed:
        hook(account_ids)


def import_finished(job_id: int, account_ids: set[int]) -> None:
    for hook in _import_finished:
        hook(job_id, account_ids)
