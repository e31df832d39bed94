"""THE delivery test: two real `rapport worker` processes on one PostgreSQL database send 200
queued e-mails to a local SMTP server and 50 webhooks to a local receiver. Every message arrives
exactly once (counted by Message-ID and by X-Rapport-Delivery) and both workers took part
(decision 76: conditional-UPDATE claims, marked sent in the UPDATE that ends the claim)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.notifications.receiver import start_receiver
from tests.processes import django_snippet, free_port, rapport, rapport_env, stop, wait_for
from tests.smtp import Mailbox

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
EMAILS, WEBHOOKS = 200, 50


class SlowMailbox(Mailbox):
    """Takes a few milliseconds per message, as a real server does, so the queue lasts long
    enough for both workers to reach it."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def fresh_postgres_database() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = "rapport_i12_two_workers_test"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        yield name
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


QUEUE = """
from django.db import transaction
from rapport.core.models import Team
from rapport.notifications import services
from rapport.notifications.models import WebhookEndpoint

with transaction.atomic():  # all due at once, once both workers are up
    team = Team.objects.create(name="North", slug="north")
    endpoint = WebhookEndpoint.objects.create(
        team=team, url=RECEIVER, secret="whsec_test", events=["webhook.test"]
    )
    for i in range(EMAILS):
        services.queue_email(
            to=[f"person{i}@example.com"], subject=f"Message {i}", body="Hello", team=team
        )
    for i in range(WEBHOOKS):
        services.queue_webhooks(team=team, event="webhook.test", payload={"n": i})
result = endpoint.pk
"""

OUTCOME = """
from django.db.models import Count
from rapport.notifications.models import (
    EmailAttempt, EmailDelivery, WebhookAttempt, WebhookDelivery
)
result = {
    "emails": dict(EmailDelivery.objects.values_list("status").annotate(Count("id"))),
    "hooks": dict(WebhookDelivery.objects.values_list("status").annotate(Count("id"))),
    "email_attempts": EmailAttempt.objects.count(),
    "hook_attempts": WebhookAttempt.objects.count(),
    "email_workers": dict(EmailAttempt.objects.values_list("worker").annotate(Count("id"))),
    "hook_workers": dict(WebhookAttempt.objects.values_list("worker").annotate(Count("id"))),
    "max_attempts": max(
        [d.attempts for d in EmailDelivery.objects.all()]
        + [d.attempts for d in WebhookDelivery.objects.all()]
    ),
}
"""


def _sent(env) -> bool:
    outcome = django_snippet(env, OUTCOME)
    return outcome["emails"] == {"sent": EMAILS} and outcome["hooks"] == {"sent": WEBHOOKS}


def test_two_workers_deliver_every_message_exactly_once(tmp_path, fresh_postgres_database):
    mailbox = SlowMailbox()
    smtp_port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    receiver, http_server = start_receiver()
    receiver.delay = 0.02
    env = rapport_env(
        tmp_path,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{fresh_postgres_database}",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        WEBHOOK_ALLOW_PRIVATE="true",
        DUE_WORK_SECONDS="1",
        SECRET_KEY="test",
    )
    workers = []
    try:
        django_snippet(
            env,
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0)\n",
        )
        workers = [rapport(env, "worker"), rapport(env, "worker")]
        beats = "from rapport.core.models import WorkerBeat\nresult = WorkerBeat.objects.count()\n"
        wait_for(lambda: django_snippet(env, beats) == 2, timeout=120, every=1)
        django_snippet(
            env,
            f"RECEIVER = {receiver.url + '/hook'!r}\nEMAILS = {EMAILS}\nWEBHOOKS = {WEBHOOKS}\n"
            + QUEUE,
        )
        wait_for(lambda: len(mailbox.messages) >= EMAILS, timeout=300, every=1)
        wait_for(lambda: len(receiver.requests) >= WEBHOOKS, timeout=120, every=1)
        wait_for(lambda: _sent(env), timeout=60, every=1)
        for worker in workers:
            assert worker.poll() is None, worker.communicate()
    finally:
        outputs = [stop(worker) for worker in workers]
        controller.stop()
        http_server.shutdown()
        http_server.server_close()
    for _out, err in outputs:
        assert "Traceback" not in err, err

    # exactly once, counted at the receiving end
    message_ids = Counter(m["Message-ID"] for m in mailbox.messages)
    assert len(message_ids) == EMAILS
    assert set(message_ids.values()) == {1}
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        f"person{i}@example.com" for i in range(EMAILS)
    )
    delivery_ids = Counter(r.headers["X-Rapport-Delivery"] for r in receiver.requests)
    assert len(delivery_ids) == WEBHOOKS
    assert set(delivery_ids.values()) == {1}

    # and at the sending end: one attempt each, every row sent, both workers did some
    outcome = django_snippet(env, OUTCOME)
    assert outcome["email_attempts"] == EMAILS
    assert outcome["hook_attempts"] == WEBHOOKS
    assert outcome["max_attempts"] == 1
    workers_seen = set(outcome["email_workers"]) | set(outcome["hook_workers"])
    assert len(workers_seen) == 2, outcome
    print("two workers:", outcome["email_workers"], outcome["hook_workers"])
