"""Two worker processes escalate the same overdue actions at once on PostgreSQL: every action
is escalated once, and its manager notified once (claims, decision 76; decision 100)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import django_snippet, rapport_env

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
NAME = "rapport_actions_two_workers_test"

SETUP = """
import datetime as dt
from django.core.management import call_command
call_command("migrate", verbosity=0)
from rapport.actions.models import Action
from rapport.core.models import Membership, Team, User
team = Team.objects.create(name="North", slug="north")
owner = User.objects.create(username="owner", email="owner@example.com")
manager = User.objects.create(username="manager", email="manager@example.com")
Membership.objects.create(user=owner, team=team, role="account_manager")
Membership.objects.create(user=manager, team=team, role="manager")
from rapport.actions.services import _escalation_due
for i in range(40):
    action = Action.objects.create(
        team=team, title=f"Overdue {i}", owner=owner, due_on=dt.date(2026, 1, 1)
    )
    Action.objects.filter(pk=action.pk).update(next_due_at=_escalation_due(action))
result = Action.objects.count()
"""

WORK = """
import os, time
from rapport.actions.services import run_escalations
while not os.path.exists(os.environ["GO_FILE"]):
    time.sleep(0.01)
made = 0
for _ in range(5):
    made += run_escalations(limit=7)
result = made
"""


@pytest.fixture
def database() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{NAME}"')
        yield f"postgres://postgres@127.0.0.1:5432/{NAME}"
        admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')


def _program(code: str) -> str:
    program = 'import django, json, os\nos.environ["DJANGO_SETTINGS_MODULE"] = "rapport.settings"\n'
    program += "django.setup()\nresult = None\n" + textwrap.dedent(code)
    return program + "\nprint('RESULT=' + json.dumps(result))\n"


def test_two_workers_escalate_each_action_once(tmp_path: Path, database: str) -> None:
    env = rapport_env(tmp_path, SECRET_KEY="test", DATABASE_URL=database)
    assert django_snippet(env, SETUP, timeout=600) == 40
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _program(WORK)],
            env={**env, "GO_FILE": str(go)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(3)  # both started and waiting
    go.write_text("go")
    made = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        made.append(int(out.strip().splitlines()[-1].removeprefix("RESULT=")))
    assert sum(made) == 40  # 40 escalations between them, whoever made each
    counts = django_snippet(
        env,
        """
from rapport.actions.models import Escalation
from rapport.notifications.models import Notification
result = [
    Escalation.objects.count(),
    Escalation.objects.values("action").distinct().count(),
    Notification.objects.filter(kind="escalation").count(),
    Notification.objects.filter(kind="escalation").values("dedupe_key").distinct().count(),
]
""",
    )
    assert counts == [40, 40, 40, 40]
