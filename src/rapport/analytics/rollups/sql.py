"""Rollup deltas: signed sums per account × metric × bucket, added up in bulk and upserted.

An import batch of random dates touches about as many buckets as it has rows (one per metric
and day, week and month), so what a batch costs is the number of buckets it writes and the
cost of each write. Rows are therefore kept as compact columns, summed per bucket with numpy
(one sort per slice of accounts, not a dict lookup per row and bucket), and the buckets go
into a temporary table with executemany (COPY on PostgreSQL) and from there into the rollups
with one `INSERT … SELECT … ON CONFLICT DO UPDATE SET n = n + excluded.n …` per piece: about
3 µs a bucket on SQLite, Python included, against 5 µs for executemany of the upsert itself
(decision 23 in docs/decisions.md). On PostgreSQL executemany costs a round of the protocol
per bucket, ten times what COPY costs (decision 72).

The contribution of a typed score (NPS, CSAT, CES) is looked up in a table made by calling
`metrics.contributions()` for each possible score, so there is one definition of what a
response adds to each sum. Custom numeric answers are few and keyed by name; they are added
up in a dict as before.
"""

from __future__ import annotations

import itertools
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from functools import cache
from itertools import chain, islice
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from django.db import connection

from rapport.analytics.models import Period
from rapport.core.dates import bucket_starts, organisation_zone
from rapport.feedback.hooks import Scored
from rapport.stats.metrics import METRICS, SUM_FIELDS, contributions

TYPED = ("nps", "csat", "ces")
_ORDINAL_BITS = 20  # date ordinals stay below 2**20 until the year 2870
_ORDINAL_MASK = (1 << _ORDINAL_BITS) - 1
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_COLUMNS = ("account_id", "metric", "period", "period_start", *SUM_FIELDS)
_DELTA = "rollup_delta"  # a temporary table, per connection: filled, applied, emptied
_PIECE_ROWS = 10_000  # buckets written at a time: about 2 MB of parameters
_CREATE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_DELTA} (account_id bigint, metric varchar(64),"
    " period varchar(5), period_start date, n integer, total double precision,"
    " total_sq double precision, promoters integer, passives integer, detractors integer,"
    " top2 integer)"
)
_FILL = f"INSERT INTO {_DELTA} VALUES ({', '.join(['%s'] * len(_COLUMNS))})"  # noqa: S608
_COPY = f"COPY {_DELTA} FROM STDIN"
# WHERE true: SQLite would otherwise read ON CONFLICT as a join's ON.
_APPLY = (
    f"INSERT INTO analytics_metricrollup ({', '.join(_COLUMNS)})"  # noqa: S608 (names are ours)
    f" SELECT {', '.join(_COLUMNS)} FROM {_DELTA} WHERE true"
    " ON CONFLICT (account_id, metric, period, period_start) DO UPDATE SET "
    + ", ".join(f"{f} = analytics_metricrollup.{f} + excluded.{f}" for f in SUM_FIELDS)
)
_INT_SUMS = tuple(i for i, f in enumerate(SUM_FIELDS) if f not in ("total", "total_sq"))


def _score_table(metric: str) -> npt.NDArray[np.float64]:
    """Row v: what a response scoring v adds to each sum, as contributions() says."""
    high = METRICS[metric].high
    table = np.zeros((high + 1, len(SUM_FIELDS)))
    for value in range(METRICS[metric].low, high + 1):
        scores = {name: value if name == metric else None for name in TYPED}
        ((_, sums),) = contributions(scores["nps"], scores["csat"], scores["ces"], None)
        table[value] = sums
    return table


_TABLES = {metric: _score_table(metric) for metric in TYPED}


class Piece(NamedTuple):
    """Rows for the temporary table and the statement that binds them. A typed piece's rows
    hold only the account, the date and the `kept` sums: its metric, period and the other
    sums (always 0) are written into `fill`, and put back by `table_rows()` for COPY."""

    fill: str
    rows: list[tuple[Any, ...]]
    metric: str = ""  # "": custom answers, whose rows are whole rows of the table
    period: str = ""
    kept: tuple[int, ...] = ()

    def table_rows(self) -> Iterator[tuple[Any, ...]]:
        if not self.metric:
            yield from self.rows
            return
        for account, start, *sums in self.rows:
            row = [0] * len(SUM_FIELDS)
            for i, value in zip(self.kept, sums, strict=True):
                row[i] = value
            yield (account, self.metric, self.period, start, *row)


# A row as flush() sorts them: account, local day ordinal, sign, then each score (-1: none).
_ROW = np.dtype([("account", np.int64), ("day", np.int32), ("sign", np.int8),
                 *((metric, np.int8) for metric in TYPED)])  # fmt: skip
_SLICE_ROWS = 50_000


class RollupDelta:
    """Signed sums of rows not yet written; `flush()` writes them inside the caller's
    transaction. `accounts` collects the accounts whose rollups moved."""

    def __init__(self) -> None:
        self.accounts: set[int] = set()
        self._reset()

    def _reset(self) -> None:
        self._clear_typed()
        self._custom: dict[tuple[int, str, str, date], list[float]] = defaultdict(
            lambda: [0.0] * len(SUM_FIELDS)
        )

    def _clear_typed(self) -> None:
        self._account = array("q")
        self._day = array("q")  # local date ordinal
        self._sign = array("b")
        self._scores = {metric: array("b") for metric in TYPED}  # -1: not answered

    def __len__(self) -> int:
        return len(self._account) + len(self._custom)

    def add(self, row: Scored, sign: int = 1) -> None:
        self.add_rows([row], sign)

    def add_rows(self, rows: Iterable[Scored], sign: int = 1) -> None:
        """Column by column: per row this costs a time-zone conversion and a few appends."""
        rows = list(rows)
        zone = organisation_zone()
        accounts = [row.account_id for row in rows]
        self._account.extend(accounts)
        self._day.extend(row.submitted_at.astimezone(zone).toordinal() for row in rows)
        self._sign.extend([sign] * len(rows))
        for metric, scores in self._scores.items():
            scores.extend(-1 if (v := getattr(row, metric)) is None else v for row in rows)
        self.accounts.update(accounts)
        for row in rows:
            if row.answers:
                self._add_custom(row, sign)

    def _add_custom(self, row: Scored, sign: int) -> None:
        starts = None
        for metric, sums in contributions(None, None, None, row.answers):
            starts = starts or bucket_starts(row.submitted_at)
            for period, start in zip(Period.values, starts, strict=True):
                acc = self._custom[(row.account_id, metric, period, start)]
                for i, value in enumerate(sums):
                    acc[i] += sign * value

    def flush(self) -> None:
        """Write the accumulated deltas; call inside the transaction that wrote the rows."""
        copy = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            cursor.execute(_CREATE)
            # A piece holds one metric and period, or custom answers only: PostgreSQL lets one
            # upsert change a row once, and an answer may be named like a typed metric.
            for piece in chain(self._typed_pieces(), self._custom_pieces()):
                if copy:
                    with cursor.cursor.copy(_COPY) as stream:
                        for row in piece.table_rows():
                            stream.write_row(row)
                else:
                    cursor.executemany(piece.fill, piece.rows)
                cursor.execute(_APPLY)
                # On PostgreSQL, DELETE would leave the dead rows in the (never vacuumed)
                # temporary table for every later piece's scan to read again.
                cursor.execute(f"TRUNCATE {_DELTA}" if copy else f"DELETE FROM {_DELTA}")  # noqa: S608
        self._reset()

    def _typed_pieces(self) -> Iterator[Piece]:
        if not self._account:
            return
        rows = np.empty(len(self._account), dtype=_ROW)
        rows["account"] = np.frombuffer(self._account, dtype=np.int64)
        rows["day"] = np.frombuffer(self._day, dtype=np.int64)
        rows["sign"] = np.frombuffer(self._sign, dtype=np.int8)
        for metric in TYPED:
            rows[metric] = np.frombuffer(self._scores[metric], dtype=np.int8)
        self._clear_typed()  # the records hold them now: a batch's rows are not kept twice
        # By account, a slice of accounts at a time: buckets never span accounts, so the
        # temporaries are a slice's, not the batch's, and the upserts walk the index in order.
        rows = rows[np.argsort(rows["account"])]
        accounts = rows["account"]
        # (Not np.unique: without return_inverse it imports numpy.ma, 11 MB.)
        cuts = sorted({*np.searchsorted(accounts, accounts[::_SLICE_ROWS]).tolist(), len(rows)})
        for start, stop in itertools.pairwise(cuts):
            yield from _slice_pieces(rows[start:stop])

    def _custom_pieces(self) -> Iterator[Piece]:
        adapt = connection.ops.adapt_datefield_value
        rows = (
            (account, metric, period, adapt(start),
             *(int(v) if i in _INT_SUMS else v for i, v in enumerate(sums)))
            for (account, metric, period, start), sums in self._custom.items()
            if any(sums)
        )  # fmt: skip
        while piece := list(islice(rows, _PIECE_ROWS)):
            yield Piece(_FILL, piece)


def _slice_pieces(rows: npt.NDArray[np.void]) -> Iterator[Piece]:
    """The typed metrics' buckets of some accounts' rows (_ROW records)."""
    removals = bool((rows["sign"] < 0).any())  # an import of new rows has none: no products
    # One sort of (account, day) keys; weeks and months then group the day groups.
    day_keys, day_of_row = np.unique((rows["account"] << _ORDINAL_BITS) | rows["day"],
                                     return_inverse=True)  # fmt: skip
    ordinals = day_keys & _ORDINAL_MASK
    week_keys = day_keys - (ordinals + 6) % 7  # date.weekday() is (ordinal + 6) % 7
    months = (ordinals - _EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[M]")
    firsts = months.astype("datetime64[D]").astype(np.int64) + _EPOCH_ORDINAL
    month_keys = (day_keys & ~_ORDINAL_MASK) | firsts
    groupings = [
        (Period.WEEK.value, *np.unique(week_keys, return_inverse=True)),
        (Period.MONTH.value, *np.unique(month_keys, return_inverse=True)),
    ]
    for metric in TYPED:
        answered = rows[metric] >= 0
        if not answered.any():
            continue
        values, day = rows[metric][answered], day_of_row[answered]
        sign = rows["sign"][answered] if removals else 1
        weights = (_TABLES[metric][values, i] * sign for i in range(len(SUM_FIELDS)))
        by_day = _group(day, weights, len(day_keys))
        yield from _pieces(metric, Period.DAY.value, day_keys, by_day)
        for period, keys, group_of_day in groupings:
            yield from _pieces(metric, period, keys, _group(group_of_day, by_day, len(keys)))


def _group(
    group_of: npt.NDArray[np.intp], columns: Iterable[npt.NDArray[Any]], groups: int
) -> npt.NDArray[np.float64]:
    """Each column of per-item values summed per group (items numbered by group_of)."""
    sums = np.empty((len(SUM_FIELDS), groups))
    for i, column in enumerate(columns):
        sums[i] = np.bincount(group_of, column, minlength=groups)
    return sums


def _pieces(
    metric: str, period: str, keys: npt.NDArray[np.int64], sums: npt.NDArray[np.float64]
) -> Iterator[Piece]:
    """The buckets of one metric and period that moved (sums that cancel out are not written),
    a piece at a time, made column by column: numpy, not a loop per value, turns the numbers
    into Python ones. Sums the metric never has are left out (see _typed_fill)."""
    fill, kept = _typed_fill(metric, period)
    adapt = connection.ops.adapt_datefield_value
    moved = np.flatnonzero(sums.any(axis=0))
    for start in range(0, len(moved), _PIECE_ROWS):
        piece = moved[start : start + _PIECE_ROWS]
        starts, start_of_row = np.unique(keys[piece] & _ORDINAL_MASK, return_inverse=True)
        dates = np.array([adapt(date.fromordinal(o)) for o in starts.tolist()], dtype=object)
        columns = (
            (sums[i, piece].astype(np.int64) if i in _INT_SUMS else sums[i, piece]).tolist()
            for i in kept
        )
        accounts = (keys[piece] >> _ORDINAL_BITS).tolist()
        rows = list(zip(accounts, dates[start_of_row].tolist(), *columns, strict=True))
        yield Piece(fill, rows, metric, period, kept)


@cache
def _typed_fill(metric: str, period: str) -> tuple[str, tuple[int, ...]]:
    """The statement that fills the temporary table with one typed metric's buckets of one
    period, and the sums it takes as parameters. The metric, the period and the sums that are
    always 0 for it (CSAT has no promoters) are written into the statement: our own names and
    numbers, and fewer parameters to bind for each bucket."""
    kept = tuple(int(i) for i in np.flatnonzero(_TABLES[metric].any(axis=0)))
    sums = ("%s" if i in kept else "0" for i in range(len(SUM_FIELDS)))
    values = ", ".join(("%s", f"'{metric}'", f"'{period}'", "%s", *sums))
    return f"INSERT INTO {_DELTA} VALUES ({values})", kept  # noqa: S608 (names are ours)
