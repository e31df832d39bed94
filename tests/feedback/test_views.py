"""The import pages: upload → queued job → progress polled by HTMX → errors and CSV."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapport.feedback.models import ImportJob, ImportStatus, Response
from tests.factories import MembershipFactory, UserFactory
from tests.feedback.helpers import HEADER, csv_bytes

BAD_FILE = csv_bytes(
    HEADER,
    "A-1,r1,2025-03-04 10:00,9,4,6,fine",
    'A-1,r2,2025-03-04 10:00,11,4,6,=HYPERLINK("http://x")',
    "B-1,r3,2025-03-04 10:00,9,4,6,other team",
)


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Post a file to the import page; the job is queued when the request's transaction
    commits, which a test transaction never does, so commit callbacks are run here."""

    def post(client, content: bytes, **extra):
        data = {"file": SimpleUploadedFile("feedback.csv", content), **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("feedback:imports"), data)

    return post


def test_upload_queues_a_job_that_the_worker_runs(
    user_client, world, accounts, upload, worker_pass
):
    response = upload(user_client, BAD_FILE)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:import", args=[job.pk])
    assert job.status == ImportStatus.PENDING
    assert DBTaskResult.objects.count() == 1
    page = user_client.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in page
    assert 'hx-trigger="every 1s"' in page  # the status card polls while the job waits

    worker_pass()

    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED
    assert (job.rows_read, job.rows_inserted, job.rows_rejected) == (3, 1, 2)
    poll = user_client.get(
        reverse("feedback:import-progress", args=[job.pk]), HTTP_HX_REQUEST="true"
    )
    assert poll["HX-Refresh"] == "true"  # the finished job reloads the page with its errors
    page = user_client.get(reverse("feedback:import", args=[job.pk])).content.decode()
    assert "every 1s" not in page
    assert "NPS 11 is out of range 0–10" in page
    assert "no account with external id &#x27;B-1&#x27;" in page


def test_errors_csv_neutralises_formulas(user_client, world, accounts, upload, worker_pass):
    upload(
        user_client,
        csv_bytes(HEADER, "A-1,r2,2025-03-04 10:00,11,4,6,x", "=1+1,r3,2025-03-04,1,1,1,"),
    )
    job = ImportJob.objects.get()
    worker_pass()
    download = user_client.get(reverse("feedback:import-errors-csv", args=[job.pk]))
    body = b"".join(download.streaming_content).decode()
    assert download["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.csv"'
    lines = body.splitlines()
    assert lines[0] == "row,column,value,reason"
    assert lines[1].startswith("2,nps,11,")
    assert lines[2].startswith("3,account,'=1+1,")


def test_bad_request_shows_the_reason_and_starts_nothing(user_client, world, accounts, upload):
    response = upload(user_client, BAD_FILE, mapping=SimpleUploadedFile("m.json", b"{nope"))
    assert response.status_code == 400
    assert "mapping" in response.content.decode().lower()
    assert not ImportJob.objects.exists()
    response = user_client.post(
        reverse("feedback:imports"), {"file": SimpleUploadedFile("notes.pdf", b"%PDF")}
    )
    assert response.status_code == 400
    assert "cannot tell the format of" in response.content.decode()


def test_a_user_without_the_import_capability_cannot_upload(world, accounts, client, upload):
    reader = UserFactory(username="quinn")
    MembershipFactory(user=reader, team=world.team, role="qa_evaluator")
    client.force_login(reader)
    assert "New import" not in client.get(reverse("feedback:imports")).content.decode()
    assert upload(client, BAD_FILE).status_code == 403
    assert not ImportJob.objects.exists()


def test_other_users_imports_are_404(world, accounts, client, user_client, upload):
    upload(user_client, BAD_FILE)
    job = ImportJob.objects.get()
    client.force_login(world.other_user)
    for name in ("feedback:import", "feedback:import-progress", "feedback:import-errors-csv"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    assert client.post(reverse("feedback:import-resume", args=[job.pk])).status_code == 404
    assert "feedback.csv" not in client.get(reverse("feedback:imports")).content.decode()


def test_failed_import_resumes_from_the_page(
    user_client, world, accounts, monkeypatch, upload, worker_pass
):
    upload(user_client, BAD_FILE)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, error="killed")
    page = user_client.get(reverse("feedback:import", args=[job.pk])).content.decode()
    assert "Resume import" in page
    response = user_client.post(reverse("feedback:import-resume", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.PENDING
    worker_pass()
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED
    assert Response.objects.filter(import_job=job).count() == 1


def test_a_stalled_import_says_so_and_resumes_from_the_page(
    user_client, world, accounts, upload, worker_pass
):
    upload(user_client, BAD_FILE)
    job = ImportJob.objects.get()
    url = reverse("feedback:import", args=[job.pk])
    beat = timezone.now() - dt.timedelta(minutes=3)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, heartbeat_at=beat)
    page = user_client.get(url).content.decode()
    assert "Resume import" not in page  # alive as far as anyone can tell
    assert 'hx-trigger="every 1s"' in page
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=beat - dt.timedelta(minutes=10))
    page = user_client.get(url).content.decode()
    assert "the worker running this import has stopped" in page
    assert 'hx-trigger="every 1s"' not in page
    assert "Resume import" in page
    assert user_client.post(reverse("feedback:import-resume", args=[job.pk])).status_code == 302
    worker_pass()
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED


def test_import_list_query_count_does_not_grow(user_client, world, accounts, upload):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert user_client.get(reverse("feedback:imports")).status_code == 200
        return len(captured.captured_queries)

    for _ in range(3):
        upload(user_client, BAD_FILE)
    few = queries()
    for _ in range(20):
        upload(user_client, BAD_FILE)
    assert queries() == few


def test_mapping_file_is_used(user_client, world, accounts, upload, worker_pass):
    mapping = {"columns": {"account": "Client", "submitted_at": "When"}, "date_format": "%d/%m/%Y"}
    content = csv_bytes("Client,When,nps", "A-1,04/03/2025,10")
    upload(user_client, content, mapping=SimpleUploadedFile("m.json", json.dumps(mapping).encode()))
    worker_pass()
    stored = Response.objects.get()
    assert (stored.nps, stored.submitted_at.date().isoformat()) == (10, "2025-03-04")
