"""A repeated external id across chunks, batches, re-imports and resumes names its first row.

The database finds repeats of rows this job wrote (`Response.import_row`); only ids of
unchanged rows (and of a dry run) are kept in memory. Batches of 2 rows are chunks of 2.
"""

from __future__ import annotations

from typing import Any

import pytest

from rapport.feedback import services
from rapport.feedback.importing import pipeline
from rapport.feedback.importing.dedupe import SeenIds
from rapport.feedback.models import ImportJob, Response
from tests.feedback.helpers import (
    HEADER,
    assert_rollups_match,
    counts,
    csv_bytes,
    errors,
    import_bytes,
    import_lines,
    run,
    start,
)

pytestmark = pytest.mark.django_db


def _duplicate(row: int, external_id: str, first: int) -> tuple[int, str, str, str]:
    return (row, "external_id", external_id, f"duplicate external id: first seen in row {first}")


@pytest.fixture
def remembered(monkeypatch) -> Any:
    """How many ids the last run of an import kept in memory."""
    runs: list[SeenIds] = []

    def seen_ids() -> SeenIds:
        runs.append(SeenIds())
        return runs[-1]

    monkeypatch.setattr(pipeline, "SeenIds", seen_ids)
    return lambda: len(runs[-1])


def test_a_repeat_in_a_later_chunk_names_the_first_row(accounts, world, remembered):
    job = import_lines(
        world.user,
        HEADER,
        "A-1,r1,2025-03-01 10:00,9,,,first",  # row 2, chunk 1
        "A-1,r2,2025-03-02 10:00,8,,,",
        "A-2,r1,2025-03-03 10:00,2,,,",  # chunk 2: both repeat row 2, not row 4
        "A-2,r1,2025-03-04 10:00,3,,,",
        "A-1,,2025-03-05 10:00,5,,,no id",  # chunk 3
        "A-1,r3,2025-03-06 10:00,7,,,",
        "A-1,r2,2025-03-07 10:00,1,,,",  # chunk 4
        "A-1,,2025-03-05 10:00,5,,,no id",
        batch_rows=2,
    )
    assert errors(job) == [
        _duplicate(4, "r1", 2),
        _duplicate(5, "r1", 2),
        _duplicate(8, "r2", 3),
        (9, "external_id", "", "repeats row 6 exactly (neither has an external id)"),
    ]
    assert counts(job) == (8, 4, 0, 0, 4)
    first = Response.objects.get(external_id="r1")
    assert (first.comment, first.import_job_id, first.import_row) == ("first", job.pk, 2)
    assert sorted(Response.objects.values_list("import_row", flat=True)) == [2, 3, 6, 7]
    assert remembered() == 0  # a fresh file keeps nothing in memory per row
    assert_rollups_match()


def test_a_repeat_of_an_id_unchanged_since_a_previous_import_is_still_a_duplicate(
    accounts, world, remembered
):
    import_lines(
        world.user,
        HEADER,
        "A-1,r1,2025-03-01 10:00,9,,,one",
        "A-1,r2,2025-03-02 10:00,8,,,two",
        "A-1,,2025-03-03 10:00,5,,,no id",
    )
    job = import_lines(
        world.user,
        HEADER,
        "A-1,r1,2025-03-01 10:00,9,,,one",  # row 2: unchanged, not written
        "A-1,r2,2025-03-02 10:00,7,,,two",  # row 3: updated
        "A-1,,2025-03-03 10:00,5,,,no id",  # row 4: unchanged
        "A-1,r4,2025-03-04 10:00,6,,,four",  # row 5: inserted
        "A-2,r1,2025-03-05 10:00,0,,,changed",  # would update r1 if not caught
        "A-1,r2,2025-03-06 10:00,1,,,",
        "A-1,r4,2025-03-07 10:00,2,,,",
        "A-1,,2025-03-03 10:00,5,,,no id",
        batch_rows=2,
    )
    assert errors(job) == [
        _duplicate(6, "r1", 2),
        _duplicate(7, "r2", 3),
        _duplicate(8, "r4", 5),
        (9, "external_id", "", "repeats row 4 exactly (neither has an external id)"),
    ]
    assert counts(job) == (8, 1, 1, 2, 4)
    r1 = Response.objects.get(external_id="r1")
    assert (r1.comment, r1.nps) == ("one", 9)
    assert remembered() == 2  # only the unchanged rows
    assert_rollups_match()


def test_a_dry_run_remembers_every_id(accounts, world, remembered):
    job = import_lines(
        world.user,
        HEADER,
        "A-1,r1,2025-03-01 10:00,9,,,",
        "A-1,r2,2025-03-02 10:00,8,,,",
        "A-1,r1,2025-03-03 10:00,7,,,",
        dry_run=True,
        batch_rows=2,
    )
    assert errors(job) == [_duplicate(4, "r1", 2)]
    assert counts(job) == (3, 2, 0, 0, 1)
    assert not Response.objects.exists()
    assert remembered() == 2


@pytest.mark.parametrize("with_repeats", [False, True], ids=["clean", "with-repeats"])
def test_importing_the_same_file_again_leaves_every_row_unchanged(accounts, world, with_repeats):
    lines = [
        HEADER,
        "A-1,r1,2025-03-01 10:00,9,4,6,one",
        "A-2,r2,2025-03-02 10:00,3,2,,two",
        "A-1,,2025-03-03 10:00,5,,,no id",
        "A-1,r4,2025-03-04 10:00,7,,,",
        "A-2,r5,2025-03-05 10:00,1,,,",
    ]
    if with_repeats:
        lines += ["A-1,r2,2025-03-06 10:00,0,,,", "A-1,,2025-03-03 10:00,5,,,no id"]
    content = csv_bytes(*lines)
    first = import_bytes(world.user, content, batch_rows=2)
    again = import_bytes(world.user, content, batch_rows=2)
    rejected = 2 if with_repeats else 0
    assert counts(first) == (5 + rejected, 5, 0, 0, rejected)
    assert counts(again) == (5 + rejected, 0, 0, 5, rejected)
    assert errors(again) == errors(first)
    assert Response.objects.filter(import_job=again).count() == 0
    assert_rollups_match()


def test_a_resumed_run_rejects_repeats_of_rows_before_its_checkpoint(accounts, world, remembered):
    import_lines(world.user, HEADER, "A-1,r1,2025-03-01 10:00,9,,,one")
    content = csv_bytes(
        HEADER,
        "A-1,r1,2025-03-01 10:00,9,,,one",  # row 2: unchanged
        "A-1,r2,2025-03-02 10:00,8,,,two",  # row 3: inserted
        "A-1,r1,2025-03-03 10:00,1,,,",  # row 4: repeats row 2; checkpoint after it
        "A-2,r1,2025-03-04 10:00,2,,,",
        "A-2,r2,2025-03-05 10:00,3,,,",
        "A-2,r6,2025-03-06 10:00,4,,,",
    )
    job = start(world.user, content)

    def stop(job: ImportJob) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        services.run_import_job(job_id=job.pk, batch_rows=3, on_progress=stop)
    job.refresh_from_db()
    assert (job.checkpoint_row, counts(job)) == (4, (3, 1, 0, 1, 1))

    job = run(job, batch_rows=3)
    assert errors(job) == [_duplicate(4, "r1", 2), _duplicate(5, "r1", 2), _duplicate(6, "r2", 3)]
    assert counts(job) == (6, 2, 0, 1, 3)
    # The resumed run remembers only the unchanged row before its checkpoint.
    assert remembered() == 1
    assert Response.objects.get(external_id="r1").comment == "one"
    assert_rollups_match()
