"""A batch costs a fixed number of queries, whatever the number of rows in it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.feedback.models import ImportJob
from tests.factories import ContactFactory
from tests.feedback.helpers import counts, csv_bytes, run, start

pytestmark = pytest.mark.django_db

HEADER = "account,external_id,submitted_at,nps,csat,ces,comment,contact_email,ease"


def _content(rows: int, *, prefix: str, rejected_every: int = 0) -> bytes:
    lines = [HEADER]
    for i in range(rows):
        account = "A-1" if i % 2 else "A-2"
        nps = 11 if rejected_every and i % rejected_every == 0 else i % 11
        day = 1 + i % 28
        email = f"c{i % 3}@customer.example"
        lines.append(
            f"{account},{prefix}{i},2025-03-{day:02d} 10:00,{nps},{1 + i % 5},{1 + i % 7},"
            f"comment {i},{email},{i % 5}"
        )
    return csv_bytes(*lines)


def _queries(world, content: bytes, *, batch_rows: int = 1000) -> tuple[int, ImportJob]:
    job = start(world.user, content, mapping={"answers": {"ease": "ease"}})
    with CaptureQueriesContext(connection) as captured:
        job = run(job, batch_rows=batch_rows)
    # run() checks the counts afterwards with two queries of its own.
    return len(captured) - 2, job


@pytest.fixture
def contacts(accounts, world):
    for i in range(3):
        ContactFactory(account=accounts["A-1"], email=f"c{i}@customer.example")
    # One import first: what a process looks up once and keeps (content types, the rules the
    # after-import evaluation applies) is not the batch's cost.
    run(start(world.user, _content(2, prefix="warm"), mapping={"answers": {"ease": "ease"}}))


def test_query_count_of_one_batch_does_not_grow_with_its_rows(
    accounts, world, contacts, django_assert_max_num_queries
):
    small, job = _queries(world, _content(50, prefix="s"))
    assert counts(job) == (50, 50, 0, 0, 0)
    job = start(world.user, _content(500, prefix="l"), mapping={"answers": {"ease": "ease"}})
    with django_assert_max_num_queries(small + 2):  # + the two of run()'s own checks
        job = run(job, batch_rows=1000)
    assert counts(job) == (500, 500, 0, 0, 0)
    large, job = _queries(world, _content(500, prefix="m"))
    assert large == small
    # Updating is as cheap as inserting: the same 500 rows again, each changed.
    again, job = _queries(world, _content(500, prefix="m").replace(b"comment", b"remark"))
    assert counts(job) == (500, 0, 500, 0, 0)
    assert again <= small


def test_rejected_rows_cost_a_bounded_number_of_queries(accounts, world, contacts):
    small, job = _queries(world, _content(50, prefix="s", rejected_every=2))
    assert counts(job) == (50, 25, 0, 0, 25)
    large, job = _queries(world, _content(500, prefix="l", rejected_every=2))
    assert counts(job) == (500, 250, 0, 0, 250)
    # Row errors are bulk inserted; SQLite's parameter limit splits 250 of them in two.
    assert large - small <= 2


def test_each_batch_costs_the_same(accounts, world, contacts):
    one, _ = _queries(world, _content(200, prefix="a"), batch_rows=200)
    four, _ = _queries(world, _content(200, prefix="b"), batch_rows=50)
    per_batch = (four - one) / 3
    assert per_batch == int(per_batch)
    five, _ = _queries(world, _content(250, prefix="c"), batch_rows=50)
    assert five - four == per_batch
