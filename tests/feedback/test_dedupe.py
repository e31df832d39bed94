"""External ids met earlier in a file: SeenIds against a plain dict, across many merges."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from rapport.feedback.importing.dedupe import SeenIds
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
