"""Theme rollups by signed deltas, like the metric rollups (docs/decisions.md 3).

An analysis contributes to key "*" (every analysed comment, with its sentiment) and to the key
of each of its themes, in its day, week and month buckets. Re-analysing subtracts the old
contribution and adds the new one in the same transaction, so the sums stay equal to a direct
count (tests check this against the analyses).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection

from rapport.core.dates import bucket_starts

ALL = "*"
PERIODS = ("day", "week", "month")
_COLUMNS = ("account_id", "key", "period", "period_start", "n", "total", "total_sq")
_TABLE = "enrichment_themerollup"
_HEAD = f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES "  # noqa: S608
_TAIL = " ON CONFLICT (account_id, key, period, period_start) DO UPDATE SET " + ", ".join(
    f"{f} = {_TABLE}.{f} + excluded.{f}" for f in ("n", "total", "total_sq")
)
_ROWS_PER_STATEMENT = 200


class ThemeDelta:
    """Signed sums not yet written; `flush()` writes them in the caller's transaction."""

    def __init__(self) -> None:
        self._sums: dict[tuple[int, str, str, date], list[float]] = defaultdict(
            lambda: [0, 0.0, 0.0]
        )

    def add(
        self,
        *,
        account_id: int,
        submitted_at: datetime,
        compound: float,
        theme_keys: Iterable[str],
        sign: int,
    ) -> None:
        starts = bucket_starts(submitted_at)
        for key in (ALL, *theme_keys):
            for period, start in zip(PERIODS, starts, strict=True):
                acc = self._sums[(account_id, key, period, start)]
                acc[0] += sign
                acc[1] += sign * compound
                acc[2] += sign * compound * compound

    def flush(self) -> int:
        """Upsert the increments; returns the number of buckets written."""
        rows = [
            (*bucket, int(n), total, total_sq)
            for bucket, (n, total, total_sq) in self._sums.items()
            if n or abs(total) > 1e-12
        ]
        self._sums.clear()
        placeholder = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        with connection.cursor() as cursor:
            for i in range(0, len(rows), _ROWS_PER_STATEMENT):
                chunk = rows[i : i + _ROWS_PER_STATEMENT]
                sql = _HEAD + ", ".join([placeholder] * len(chunk)) + _TAIL
                cursor.execute(sql, [value for row in chunk for value in row])
        return len(rows)
