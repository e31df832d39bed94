"""External ids met earlier in the same file, so a repeated id is rejected naming the first row.

An import finds most of them in the database (see `pipeline`): every row it inserts or
updates records the job and its row number, so `store.find_existing`, which looks up each
chunk's ids anyway, tells which of them an earlier row of this job wrote, and `split_repeats`
finds the repeats inside a chunk with a dict. What the database cannot tell is an id whose
row was unchanged (a re-import: nothing is written) or any id of a dry run; those are kept
in `SeenIds`, so a fresh file costs no memory per row and a re-import 12 bytes per unchanged
row.

A set of strings would grow by ~100 bytes a row; this keeps a 64-bit hash of each
(source_system, external_id) with the row that first had it (32 bits: files of fewer than
two billion rows), 12 bytes a row, in sorted runs
merged as they grow (lookups are binary searches). Two different ids share a hash with
probability about n²/2⁶⁵ (3 in a million for ten million rows), which would reject one row
as a duplicate. Hashes are Python's own: they only need to be stable within one process,
and a resumed import rebuilds them by reading the rows before its checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from rapport.feedback.importing.rows import GENERATED_ID_PREFIX, RowProblem, ValidRow

Key = tuple[str, str]  # (source_system, external_id)


def split_repeats(
    rows: list[ValidRow], *, earlier: Mapping[Key, int], column: str
) -> tuple[list[ValidRow], list[RowProblem]]:
    """Rows whose id is new, and a problem for each repeat: of an id that `earlier` gives the
    first row of, or of an earlier row in `rows`."""
    keys = [(row.source_system, row.external_id) for row in rows]
    # Reversed, the first row of each id is the one assigned last.
    first = dict(zip(reversed(keys), [row.row_number for row in reversed(rows)], strict=True))
    if len(first) == len(rows) and (not earlier or earlier.keys().isdisjoint(first)):
        return rows, []
    kept: list[ValidRow] = []
    problems: list[RowProblem] = []
    for key, row in zip(keys, rows, strict=True):
        at = earlier.get(key, first[key])
        if at == row.row_number:
            kept.append(row)
        else:
            problems.append(_duplicate(row, at, column))
    return kept, problems


class SeenIds:
    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted hashes, first rows)

    def __len__(self) -> int:
        return sum(len(hashes) for hashes, _ in self._runs)

    def split(
        self, rows: list[ValidRow], *, column: str
    ) -> tuple[list[ValidRow], list[RowProblem]]:
        """Rows whose id is new, and a problem for each repeat (later rows of a batch too)."""
        if not rows:
            return [], []
        hashes = np.fromiter(
            (hash((row.source_system, row.external_id)) for row in rows),
            dtype=np.int64,
            count=len(rows),
        )
        numbers = np.fromiter((row.row_number for row in rows), dtype=np.int32, count=len(rows))
        # The first row of each id: seen in an earlier batch, else the first of this one.
        keys, first_at, of_row = np.unique(hashes, return_index=True, return_inverse=True)
        earlier = self._first_rows(keys)
        first = np.where(earlier >= 0, earlier, numbers[first_at])[of_row]
        repeats = np.flatnonzero(first != numbers).tolist()
        new = earlier < 0
        self._add(keys[new], numbers[first_at][new])
        if not repeats:
            return rows, []
        problems = [_duplicate(rows[i], int(first[i]), column) for i in repeats]
        skip = set(repeats)
        return [row for i, row in enumerate(rows) if i not in skip], problems

    def first_rows(self, keys: Iterable[Key]) -> dict[Key, int]:
        """The first row of each of these ids that is remembered."""
        if not self._runs:
            return {}
        keys = list(keys)
        hashes = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys))
        found = self._first_rows(hashes)
        return {keys[i]: int(found[i]) for i in np.flatnonzero(found >= 0).tolist()}

    def add(self, rows: list[ValidRow]) -> None:
        """Remember rows whose ids are not remembered yet (the first row of an id that two
        of them have)."""
        if rows:
            self.split(rows, column="")

    def add_keys(self, keys: Iterable[tuple[str, str, int]]) -> None:
        """Remember (source_system, external_id, first row) triples read back from storage."""
        for start in range(0, len(keys := list(keys)), 50_000):
            part = keys[start : start + 50_000]
            hashes = np.fromiter((hash((s, e)) for s, e, _ in part), dtype=np.int64)
            rows = np.fromiter((r for _, _, r in part), dtype=np.int32)
            unique, first_at = np.unique(hashes, return_index=True)
            new = self._first_rows(unique) < 0
            self._add(unique[new], rows[first_at][new])

    def _first_rows(self, hashes: np.ndarray) -> np.ndarray:
        found = np.full(len(hashes), -1, dtype=np.int64)  # rows are numbered from 0 or 1
        for keys, rows in self._runs:
            at = np.minimum(np.searchsorted(keys, hashes), len(keys) - 1)
            found = np.where(keys[at] == hashes, rows[at], found)
        return found

    def _add(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """A run of new ids (keys sorted, as np.unique leaves them) with their first rows."""
        if not len(keys):
            return
        self._runs.append((keys, rows))
        # Merge while a run is at least half its elder's size: O(log n) runs, O(n log n) work.
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            younger, elder = self._runs.pop(), self._runs.pop()
            self._runs.append(_merge(elder, younger))


def _merge(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted runs as one, placed by binary search rather than sorted again: the only
    temporaries are b's positions and a mask, not copies of the whole (a million ids would
    otherwise need some 40 MB for a moment)."""
    (keys_a, rows_a), (keys_b, rows_b) = a, b
    size = len(keys_a) + len(keys_b)
    at_b = np.searchsorted(keys_a, keys_b) + np.arange(len(keys_b))
    of_a = np.ones(size, dtype=bool)
    of_a[at_b] = False
    keys, rows = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int32)
    keys[at_b], rows[at_b] = keys_b, rows_b
    keys[of_a], rows[of_a] = keys_a, rows_a
    return keys, rows


def _duplicate(row: ValidRow, first: int, column: str) -> RowProblem:
    if row.external_id.startswith(GENERATED_ID_PREFIX):
        reason = f"repeats row {first} exactly (neither has an external id)"
        return RowProblem(row.row_number, column, "", reason)
    reason = f"duplicate external id: first seen in row {first}"
    return RowProblem(row.row_number, column, row.external_id, reason)
