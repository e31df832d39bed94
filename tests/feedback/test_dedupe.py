"""External ids met earlier in a file: SeenIds against a plain dict, across many merges; repeats
inside a chunk."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from rapport.feedback.importing.dedupe import SeenIds, split_repeats
from rapport.feedback.importing.rows import ValidRow


def _row(number: int, external_id: str) -> ValidRow:
    moment = datetime(2025, 3, 4, tzinfo=UTC)
    return ValidRow(number, "csv", external_id, 1, moment, 9, None, None, {}, "", "survey", "")


def test_first_row_of_each_id_is_remembered_through_merges():
    rng = random.Random(11)
    seen, first = SeenIds(), {}
    number = 0
    for _ in range(60):  # batches of varied sizes make runs merge at every size
        batch = []
        for _ in range(rng.choice([1, 3, 50, 400])):
            number += 1
            batch.append(_row(number, f"id-{rng.randint(0, 3000)}"))
        kept, problems = seen.split(batch, column="external_id")
        expected_kept, expected_problems = [], []
        for row in batch:
            if row.external_id in first:
                reason = f"duplicate external id: first seen in row {first[row.external_id]}"
                expected_problems.append((row.row_number, reason))
            else:
                first[row.external_id] = row.row_number
                expected_kept.append(row)
        assert kept == expected_kept
        assert [(p.row_number, p.reason) for p in problems] == expected_problems
    assert len(seen) == len(first)


def test_first_rows_finds_only_remembered_ids_and_add_keeps_the_first():
    seen = SeenIds()
    assert seen.first_rows([("csv", "a")]) == {}
    seen.add([_row(2, "a"), _row(3, "b"), _row(4, "a")])
    seen.add([_row(9, "b"), _row(10, "c")])
    assert seen.first_rows([("csv", "a"), ("csv", "b"), ("csv", "c"), ("csv", "d")]) == {
        ("csv", "a"): 2,
        ("csv", "b"): 3,
        ("csv", "c"): 10,
    }
    assert len(seen) == 3


def test_split_repeats_prefers_an_earlier_first_row_to_one_in_the_rows():
    rows = [_row(7, "a"), _row(8, "b"), _row(9, "a"), _row(10, "c")]
    kept, problems = split_repeats(rows, earlier={("csv", "c"): 3}, column="external_id")
    assert kept == rows[:2]
    assert [(p.row_number, p.reason) for p in problems] == [
        (9, "duplicate external id: first seen in row 7"),
        (10, "duplicate external id: first seen in row 3"),
    ]
    assert split_repeats(rows[:2], earlier={}, column="external_id") == (rows[:2], [])
