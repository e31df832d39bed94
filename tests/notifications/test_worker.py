"""The worker sends deliveries promptly: DUE_WORK runs on every pass of its loop, not once a
minute (decision 91)."""

from __future__ import annotations

import threading

import pytest
from django.core import mail

from rapport.core import worker
from rapport.core.registries import DUE_WORK, PERIODIC, Registry
from rapport.notifications import services
from rapport.notifications.models import EmailDelivery

pytestmark = pytest.mark.django_db


def test_deliver_due_is_registered_as_due_work_and_periodic():
    assert services.deliver_due in DUE_WORK.in_order()
    assert services.deliver_due in PERIODIC.in_order()


def test_one_worker_pass_sends_a_queued_email(world, settings, worker_pass):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    delivery = services.queue_email(to=["x@example.com"], subject="Hello", body="b", team=None)
    worker_pass()
    assert [m.subject for m in mail.outbox] == ["Hello"]
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_the_loop_runs_due_work_between_minute_passes(monkeypatch, settings):
    """With the minute's pass done, later turns of the loop still run DUE_WORK."""
    settings.RAPPORT_DUE_WORK_SECONDS = 1
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    ran: list[str] = []
    stop = threading.Event()
    periodic: Registry[object] = Registry()
    periodic.register("minute", lambda: ran.append("periodic"), order=1)
    due: Registry[object] = Registry()

    def due_job() -> None:
        ran.append("due")
        if ran.count("due") >= 3:
            stop.set()

    due.register("due", due_job, order=1)
    monkeypatch.setattr(worker, "PERIODIC", periodic)
    monkeypatch.setattr(worker, "DUE_WORK", due)
    worker.run_worker(interval=0.05, stop=stop)
    assert ran.count("periodic") == 1  # the minute has not come round again
    assert ran.count("due") == 3


def test_deliver_due_respects_its_limit(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for i in range(25):
        services.queue_email(to=[f"p{i}@example.com"], subject=str(i), body="b", team=None)
    assert services.deliver_due(limit=12) == 12
    assert EmailDelivery.objects.filter(status="sent").count() == 12
    assert services.deliver_due() == 13
    assert len(mail.outbox) == 25
