"""Two workers evaluating the same account at once open one alert and one action between them:
the partial unique key on open alerts decides, not a read before the insert (PostgreSQL, where
two transactions really run at once; SQLite has one writer)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from rapport.actions.models import Action
from rapport.alerts import evaluation
from rapport.alerts.models import Alert, EvaluationTrigger, RuleKind
from tests.alerts.builders import rule
from tests.factories import CommitmentFactory


def test_two_workers_open_one_alert(transactional_db, world):
    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent writers (PostgreSQL)")
    rule(RuleKind.COMMITMENT_OVERDUE)
    world.account.owner = world.user
    world.account.save()
    CommitmentFactory(account=world.account, due_date=timezone.localdate() - dt.timedelta(days=3))
    start = threading.Barrier(2)

    def worker(_: int) -> int:
        try:
            start.wait()
            result = evaluation.run([world.account.pk], trigger=EvaluationTrigger.DAILY)
            return len(result.opened)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        opened = sorted(pool.map(worker, range(2)))
    assert opened == [0, 1]
    assert Alert.objects.count() == 1
    assert Action.objects.filter(source_kind="alert").count() == 1
