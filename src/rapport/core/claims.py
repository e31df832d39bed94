"""Work that falls due at a time, kept as rows and claimed by whichever worker gets there first.

A row is due when `next_due_at <= now` and nobody holds a live lease on it. A worker claims a
row with one conditional UPDATE (`WHERE pk = … AND due AND lease free`): on PostgreSQL the
second of two concurrent UPDATEs waits for the first and then re-checks the WHERE clause, and
SQLite runs one writer at a time, so exactly one worker gets each row on both (decision 76).
The lease bounds how long a worker that dies mid-task holds the row; the holder ends the claim
with `finish_claim`, setting when the row is due next (or None for never).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from rapport.core.workers import WORKER_ID


class DueWork(models.Model):
    """Fields a row needs to be claimed; subclasses index `next_due_at` in their Meta."""

    next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


M = TypeVar("M", bound=DueWork)


def _due(now: datetime) -> Q:
    return Q(next_due_at__lte=now) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def claim_due(
    queryset: models.QuerySet[M],
    *,
    limit: int = 100,
    lease: timedelta = timedelta(minutes=5),
    worker_id: str = WORKER_ID,
    now: datetime | None = None,
) -> list[M]:
    """Claim up to `limit` due rows of `queryset`, oldest due first; returns the rows this
    worker now holds (another worker may have taken some of the candidates first)."""
    now = now or timezone.now()
    due = queryset.filter(_due(now)).order_by("next_due_at", "pk")
    candidates = list(due.values_list("pk", flat=True)[:limit])
    claimed = []
    for pk in candidates:
        taken = queryset.model._default_manager.filter(_due(now), pk=pk).update(
            claimed_by=worker_id[:100], claimed_until=now + lease
        )
        if taken:
            claimed.append(pk)
    if not claimed:
        return []
    rows = queryset.model._default_manager.in_bulk(claimed)
    return [rows[pk] for pk in claimed if pk in rows]


def finish_claim(row: DueWork, *, next_due_at: datetime | None, **fields: object) -> bool:
    """End this worker's claim on `row`, setting when it is due next and any other fields in the
    same UPDATE. False when the lease had run out and another worker claimed the row since."""
    updated = (
        type(row)
        ._default_manager.filter(pk=row.pk, claimed_by=row.claimed_by)
        .update(next_due_at=next_due_at, claimed_by="", claimed_until=None, **fields)
    )
    return bool(updated)
