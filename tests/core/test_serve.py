"""`rapport serve` as a process: it starts without its database, migrates once the database
answers, and runs background tasks itself with a worker beside the web server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from rapport.core.background import migrate_when_reachable
from tests.processes import django_snippet, free_port, rapport_env, serve, stop, wait_for

CSV = b"account,external_id,submitted_at,nps\nA-1,r1,2025-03-04,9\n"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def test_serve_without_its_database_starts_and_answers_503(tmp_path):
    env = rapport_env(
        tmp_path, SECRET_KEY="test", DATABASE_URL="postgres://postgres@127.0.0.1:1/rapport"
    )
    process, base = serve(env)
    try:
        assert requests.get(f"{base}/healthz", timeout=60).status_code == 503
        api = requests.get(
            f"{base}/api/v1/imports", headers={"Authorization": "Bearer rpt_x"}, timeout=30
        )
        assert (api.status_code, api.headers["Retry-After"]) == (503, "30")
        assert api.json()["detail"].startswith("The database is unavailable")
        time.sleep(1)
        assert process.poll() is None  # still serving
    finally:
        _, err = stop(process)
    assert "Traceback" not in err  # one line at start, one per failed request
    assert "rapport: the database is unreachable (" in err


def test_migrations_are_retried_until_the_database_answers():
    attempts: list[int] = []

    def refused_twice() -> None:
        from django.db import OperationalError

        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("connection refused")

    assert migrate_when_reachable(
        stop=threading.Event(), run_migrations=refused_twice, retry_seconds=0.01
    )
    assert len(attempts) == 3
    stopped = threading.Event()
    stopped.set()
    assert not migrate_when_reachable(stop=stopped, run_migrations=refused_twice)


@contextmanager
def _forwarder(port: int, target: int) -> Iterator[None]:
    """A TCP port that forwards to another: the database "comes back" when it opens."""
    listener = socket.create_server(("127.0.0.1", port))
    closing = threading.Event()

    def pipe(source: socket.socket, sink: socket.socket) -> None:
        with source, sink:
            while data := source.recv(65536):
                sink.sendall(data)

    def accept() -> None:
        listener.settimeout(0.2)
        while not closing.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            server = socket.create_connection(("127.0.0.1", target))
            threading.Thread(target=pipe, args=(client, server), daemon=True).start()
            threading.Thread(target=pipe, args=(server, client), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield
    finally:
        closing.set()
        thread.join()
        listener.close()


@pytest.fixture
def fresh_postgres_database() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = "rapport_i9_ops_serve_test"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        yield name
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_serve_migrates_once_the_database_is_back(tmp_path, fresh_postgres_database):
    proxy_port = free_port()  # nothing listens there yet: connection refused
    url = f"postgres://postgres@127.0.0.1:{proxy_port}/{fresh_postgres_database}"
    env = rapport_env(tmp_path, SECRET_KEY="test", DATABASE_URL=url)
    process, base = serve(env, "--no-worker")
    try:
        assert requests.get(f"{base}/healthz", timeout=60).status_code == 503
        with _forwarder(proxy_port, 5432):
            wait_for(
                lambda: requests.get(f"{base}/healthz", timeout=60).status_code == 200, timeout=120
            )
            wait_for(
                lambda: (
                    not django_snippet(
                        env,
                        "from django.db.migrations.executor import MigrationExecutor\n"
                        "from django.db import connection\n"
                        "e = MigrationExecutor(connection)\n"
                        "result = bool(e.migration_plan(e.loader.graph.leaf_nodes()))\n",
                    )
                ),
                timeout=180,
                every=2,
            )
    finally:
        _, err = stop(process)
    assert "rapport: the database answers; migrations applied" in err, err


def test_an_upload_finishes_with_serve_alone(tmp_path: Path):
    env = rapport_env(tmp_path, SECRET_KEY="test")
    token = django_snippet(
        env,
        """
        from django.core.management import call_command
        from rapport.api.services import issue_token
        from rapport.core.models import Team, User
        from rapport.customers.models import Account
        call_command("migrate", "--no-input", "-v", "0")
        team = Team.objects.create(name="North", slug="north")
        Account.objects.create(team=team, name="Acme", external_id="A-1")
        admin = User.objects.create_superuser("root", "root@example.org", "pw")
        result = issue_token(actor=admin, user=admin, name="test")[1]
        """,
    )
    process, base = serve(env)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        upload = requests.post(
            f"{base}/api/v1/imports",
            headers=auth,
            files={
                "file": ("r.csv", b"account,external_id,submitted_at,nps\nA-1,r1,2025-03-04,9\n")
            },
            timeout=60,
        )
        assert upload.status_code == 202, upload.text
        job_url = f"{base}/api/v1/imports/{upload.json()['id']}"

        def ended() -> dict[str, Any] | None:
            job: dict[str, Any] = requests.get(job_url, headers=auth, timeout=60).json()
            return job if job["status"] in ("succeeded", "failed") else None

        job = wait_for(ended, timeout=120, every=0.5)
        rejected = requests.get(f"{job_url}/errors", headers=auth, timeout=60).text
    finally:
        out, _ = stop(process)
    assert (job["status"], job["rows_inserted"]) == ("succeeded", 1), rejected
    assert "with a worker beside it" in out
    assert process.returncode == 0  # Ctrl+C stops the server and the worker beside it
