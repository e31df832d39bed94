"""core.claims on a real due-work model (EmailDelivery), on SQLite and, with
RAPPORT_DATABASE_URL set, PostgreSQL (decision 76)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.core.claims import claim_due, finish_claim
from rapport.notifications.models import EmailDelivery

pytestmark = pytest.mark.django_db


def _due(n: int, *, at=None) -> list[EmailDelivery]:
    at = at or timezone.now() - timedelta(seconds=1)
    return [
        EmailDelivery.objects.create(to=["a@example.com"], subject=f"m{i}", body="", next_due_at=at)
        for i in range(n)
    ]


def test_each_row_is_claimed_once():
    rows = _due(5)
    first = claim_due(EmailDelivery.objects.all(), limit=3, worker_id="w1")
    second = claim_due(EmailDelivery.objects.all(), limit=10, worker_id="w2")
    third = claim_due(EmailDelivery.objects.all(), limit=10, worker_id="w3")
    assert len(first) == 3
    assert len(second) == 2
    assert third == []
    assert {r.pk for r in first} | {r.pk for r in second} == {r.pk for r in rows}
    assert {r.claimed_by for r in first} == {"w1"}
    assert {r.claimed_by for r in second} == {"w2"}


def test_oldest_due_first_and_not_before_due():
    now = timezone.now()
    later = _due(1, at=now + timedelta(minutes=5))[0]
    old = _due(1, at=now - timedelta(minutes=10))[0]
    newer = _due(1, at=now - timedelta(minutes=1))[0]
    claimed = claim_due(EmailDelivery.objects.all(), limit=10, worker_id="w1", now=now)
    assert [r.pk for r in claimed] == [old.pk, newer.pk]
    assert later.pk not in {r.pk for r in claimed}


def test_a_dead_workers_lease_runs_out_and_frees_the_row():
    (row,) = _due(1)
    now = timezone.now()
    (_held,) = claim_due(
        EmailDelivery.objects.all(), worker_id="dead", lease=timedelta(minutes=5), now=now
    )
    # while the lease lasts nobody else gets it
    assert (
        claim_due(EmailDelivery.objects.all(), worker_id="w2", now=now + timedelta(minutes=4)) == []
    )
    # after it, another worker does
    (taken,) = claim_due(
        EmailDelivery.objects.all(), worker_id="w2", now=now + timedelta(minutes=6)
    )
    assert taken.pk == row.pk
    assert taken.claimed_by == "w2"


def test_finish_claim_is_refused_after_another_worker_took_over():
    _due(1)
    now = timezone.now()
    (stale,) = claim_due(EmailDelivery.objects.all(), worker_id="slow", now=now)
    (fresh,) = claim_due(
        EmailDelivery.objects.all(), worker_id="w2", now=now + timedelta(minutes=6)
    )
    assert finish_claim(stale, next_due_at=None, status="sent") is False
    fresh_row = EmailDelivery.objects.get()
    assert (fresh_row.status, fresh_row.claimed_by) == ("queued", "w2")  # untouched
    assert finish_claim(fresh, next_due_at=None, status="sent") is True
    done = EmailDelivery.objects.get()
    assert (done.status, done.claimed_by, done.claimed_until, done.next_due_at) == (
        "sent",
        "",
        None,
        None,
    )


def test_finish_claim_sets_the_next_due_time_and_frees_the_row():
    _due(1)
    (row,) = claim_due(EmailDelivery.objects.all(), worker_id="w1")
    later = timezone.now() + timedelta(minutes=1)
    assert finish_claim(row, next_due_at=later, attempts=1)
    assert claim_due(EmailDelivery.objects.all(), worker_id="w2") == []  # not due yet
    (again,) = claim_due(EmailDelivery.objects.all(), worker_id="w2", now=later)
    assert again.attempts == 1
