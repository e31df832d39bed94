"""A running import whose worker stopped beating can be resumed at once; while its worker is
alive a resume is refused with when it would become possible; a queued import with no worker
alive says what to run."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.core import workers
from rapport.core.models import WorkerBeat
from rapport.feedback import services
from rapport.feedback.models import ImportJob, ImportStatus
from tests.feedback.helpers import SOME_ROWS, csv_bytes, start

pytestmark = pytest.mark.django_db


def _running_on(job: ImportJob, worker_id: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, worker_id=worker_id, heartbeat_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def test_resume_waits_for_a_live_worker_and_is_possible_once_it_goes_silent(
    api_client, user_client, world, accounts, settings
):
    job = _running_on(start(world.user, csv_bytes(*SOME_ROWS)), "host-7")
    seen = (timezone.now() - dt.timedelta(seconds=3)).replace(microsecond=0)  # JSON keeps ms
    WorkerBeat.objects.create(worker_id="host-7", beat_at=seen)

    body = api_client.get(f"/api/v1/imports/{job.pk}").json()
    assert (body["stalled"], body["resumable"]) == (False, False)
    possible_at = seen + dt.timedelta(seconds=settings.RAPPORT_WORKER_LOST_SECONDS)
    assert dt.datetime.fromisoformat(body["resume_possible_at"]) == possible_at
    refused = api_client.post(f"/api/v1/imports/{job.pk}/resume")
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert re.match(
        rf"import {job.pk} is running: the worker running it was last seen \d+ s ago", detail
    )
    assert f"resume at {timezone.localtime(possible_at):%H:%M:%S} (in " in detail
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.RUNNING
    page = user_client.get(reverse("feedback:import", args=[job.pk])).content.decode()
    said = f"it can be resumed from {timezone.localtime(possible_at):%H:%M:%S}"
    assert said in page

    # The worker is killed: its beats stop. No need to wait ten minutes.
    WorkerBeat.objects.filter(worker_id="host-7").update(
        beat_at=timezone.now() - dt.timedelta(seconds=settings.RAPPORT_WORKER_LOST_SECONDS)
    )
    assert api_client.post(f"/api/v1/imports/{job.pk}/resume").status_code == 202
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PENDING


def test_the_periodic_pass_fails_imports_of_lost_workers_only(world, accounts):
    upload = csv_bytes(*SOME_ROWS)
    lost = _running_on(start(world.user, upload), "host-gone")  # its beat row was reaped
    alive = _running_on(start(world.user, upload, name="b.csv"), "host-alive")
    workers.beat("host-alive")
    no_worker = _running_on(start(world.user, upload, name="c.csv"), "")  # minutes rule

    assert services.fail_stalled_imports() == 1

    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {
        lost.pk: ImportStatus.FAILED,
        alive.pk: ImportStatus.RUNNING,
        no_worker.pk: ImportStatus.RUNNING,
    }
    lost.refresh_from_db()
    assert "the worker running it stopped" in lost.error
    assert services.resumable(lost)


def test_a_queued_import_without_a_live_worker_says_what_to_run(user_client, world, accounts):
    job = start(world.user, csv_bytes(*SOME_ROWS))
    url = reverse("feedback:import", args=[job.pk])
    page = user_client.get(url).content.decode()
    assert "No worker has picked this import up" in page
    assert "<code>rapport worker</code>" in page

    workers.beat("host-1")
    assert "No worker has picked this import up" not in user_client.get(url).content.decode()
