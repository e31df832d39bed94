"""External ids met earlier in the same file, so a repeated id is rejected naming the first row.

A set of strings would grow by ~100 bytes a row; this keeps a 64-bit hash of each
(source_system, external_id) with the row that first had it, 16 bytes a row, in sorted runs
merged as they grow (lookups are binary searches). Two different ids share a hash with
probability about n²/2⁶⁵ (3 in a million for ten million rows), which would reject one row
as a duplicate. Hashes are Python's own: they only need to be stable within one process,
and a resumed import rebuilds them by reading the rows before its checkpoint.
"""

from __future__ import annotations

import numpy as np

from rapport.feedback.importing.rows import GENERATED_ID_PREFIX, RowProblem, ValidRow


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
        earlier = self._first_rows(hashes).tolist()
        first_in_batch: dict[int, int] = {}
        kept: list[ValidRow] = []
        problems: list[RowProblem] = []
        for row, key, prior in zip(rows, hashes.tolist(), earlier, strict=True):
            first = prior if prior >= 0 else first_in_batch.get(key)
            if first is not None:
                problems.append(_duplicate(row, first, column))
            else:
                first_in_batch[key] = row.row_number
                kept.append(row)
        self._add(first_in_batch)
        return kept, problems

    def _first_rows(self, hashes: np.ndarray) -> np.ndarray:
        found = np.full(len(hashes), -1, dtype=np.int64)  # rows are numbered from 0 or 1
        for keys, rows in self._runs:
            at = np.minimum(np.searchsorted(keys, hashes), len(keys) - 1)
            found = np.where(keys[at] == hashes, rows[at], found)
        return found

    def _add(self, first_rows: dict[int, int]) -> None:
        if not first_rows:
            return
        keys = np.fromiter(first_rows.keys(), dtype=np.int64, count=len(first_rows))
        rows = np.fromiter(first_rows.values(), dtype=np.int64, count=len(first_rows))
        order = np.argsort(keys)
        self._runs.append((keys[order], rows[order]))
        # Merge while a run is at least half its elder's size: O(log n) runs, O(n log n) work.
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            (keys_b, rows_b), (keys_a, rows_a) = self._runs.pop(), self._runs.pop()
            keys = np.concatenate((keys_a, keys_b))
            order = np.argsort(keys, kind="stable")
            self._runs.append((keys[order], np.concatenate((rows_a, rows_b))[order]))


def _duplicate(row: ValidRow, first: int, column: str) -> RowProblem:
    if row.external_id.startswith(GENERATED_ID_PREFIX):
        reason = f"repeats row {first} exactly (neither has an external id)"
        return RowProblem(row.row_number, column, "", reason)
    reason = f"duplicate external id: first seen in row {first}"
    return RowProblem(row.row_number, column, row.external_id, reason)
