"""The SQL of a chunk: what it writes must be what Django would write."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from rapport.feedback.importing.store import moment_adapter

pytestmark = pytest.mark.django_db


def test_moments_are_written_as_django_writes_them():
    rng = random.Random(2)
    moment, django_adapt = moment_adapter(), connection.ops.adapt_datetimefield_value
    start = datetime(2024, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=rng.randrange(10**8)) for _ in range(500)]
    moments += [m.replace(microsecond=rng.randrange(10**6)) for m in moments[:100]]
    moments += [m.astimezone(timezone(timedelta(hours=5, minutes=30))) for m in moments[:50]]
    assert [moment(m) for m in moments] == [django_adapt(m) for m in moments]
