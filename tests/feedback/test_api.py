"""/api/v1/responses and /api/v1/imports: same rules as file rows, scoped, paginated."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.analytics.models import MetricRollup
from rapport.core.models import AuditEvent
from rapport.feedback.models import ImportJob, ImportStatus, Response
from tests.factories import ResponseFactory
from tests.feedback.helpers import HEADER, csv_bytes

JSON = "application/json"


def _item(account, external_id: str, **fields):
    return {
        "account": account.pk,
        "external_id": external_id,
        "submitted_at": "2025-03-04T10:00:00+00:00",
        **fields,
    }


def test_create_then_same_external_id_updates(api_client, world, accounts):
    first = api_client.post(
        "/api/v1/responses", _item(accounts["A-1"], "x1", nps=9, comment="good"), content_type=JSON
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["nps"], body["source_system"], body["channel"]) == (9, "api", "survey")
    again = api_client.post(
        "/api/v1/responses", _item(accounts["A-1"], "x1", nps=3), content_type=JSON
    )
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert Response.objects.get().nps == 3
    nps_month = MetricRollup.objects.get(metric="nps", period="month", account=accounts["A-1"])
    assert (nps_month.n, nps_month.total, nps_month.detractors) == (1, 3, 1)


def test_invalid_item_names_field_and_reason(api_client, world, accounts):
    response = api_client.post(
        "/api/v1/responses", _item(accounts["A-1"], "x1", csat=9), content_type=JSON
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"row": 0, "column": "csat", "value": "9", "reason": "CSAT 9 is out of range 1–5"}
    ]
    assert not Response.objects.exists()


def test_bulk_is_all_or_nothing(api_client, world, accounts):
    items = [_item(accounts["A-1"], f"b{i}", nps=i) for i in range(5)]
    items.append(_item(world.other_account, "b5", nps=5))  # another team's account
    rejected = api_client.post("/api/v1/responses/bulk", {"items": items}, content_type=JSON)
    assert rejected.status_code == 422
    assert [e["row"] for e in rejected.json()["errors"]] == [5]
    assert not Response.objects.exists()
    accepted = api_client.post("/api/v1/responses/bulk", {"items": items[:5]}, content_type=JSON)
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert (body["inserted"], body["updated"], body["unchanged"]) == (5, 0, 0)
    assert body["ids"] == list(
        Response.objects.filter(external_id__in=[f"b{i}" for i in range(5)])
        .order_by("external_id")
        .values_list("pk", flat=True)
    )
    repeat = api_client.post("/api/v1/responses/bulk", {"items": items[:5]}, content_type=JSON)
    assert repeat.json()["unchanged"] == 5
    assert AuditEvent.objects.filter(action="import", via="api").count() == 2


def test_bulk_limit(api_client, world, accounts):
    items = [_item(accounts["A-1"], f"b{i}", nps=1) for i in range(1001)]
    response = api_client.post("/api/v1/responses/bulk", {"items": items}, content_type=JSON)
    assert response.status_code == 422
    assert not Response.objects.exists()


def test_patch_and_delete_move_rollups(api_client, world, accounts):
    created = api_client.post(
        "/api/v1/responses", _item(accounts["A-1"], "p1", csat=5), content_type=JSON
    ).json()
    url = f"/api/v1/responses/{created['id']}"
    patched = api_client.patch(url, {"csat": 2}, content_type=JSON)
    assert patched.status_code == 200, patched.content
    assert patched.json()["csat"] == 2
    csat = MetricRollup.objects.get(metric="csat", period="day", account=accounts["A-1"])
    assert (csat.n, csat.total) == (1, 2)
    refused = api_client.patch(url, {"csat": 0}, content_type=JSON)
    assert refused.status_code == 422
    assert api_client.delete(url).status_code == 204
    assert not MetricRollup.objects.filter(account=accounts["A-1"], n__gt=0).exists()


def test_list_is_scoped_filtered_and_query_count_constant(api_client, world, accounts):
    ResponseFactory(account=world.other_account, comment="Borealis only")
    ResponseFactory(account=accounts["A-1"], channel="call", comment="")
    ResponseFactory(account=accounts["A-2"], channel="email", comment="slow")
    body = api_client.get("/api/v1/responses").json()
    assert body["count"] == 2
    assert "Borealis only" not in str(body)
    assert api_client.get("/api/v1/responses", {"channel": "email"}).json()["count"] == 1
    assert api_client.get("/api/v1/responses", {"has_comment": "true"}).json()["count"] == 1

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            api_client.get("/api/v1/responses")
        return len(captured.captured_queries)

    few = queries()
    for _ in range(15):
        ResponseFactory(account=accounts["A-1"])
    assert queries() == few


def test_other_team_response_is_404(api_client, world, accounts):
    other = ResponseFactory(account=world.other_account)
    for method in ("get", "patch", "delete"):
        call = getattr(api_client, method)
        response = call(f"/api/v1/responses/{other.pk}", {}, content_type=JSON)
        assert response.status_code == 404, method
    assert Response.objects.filter(pk=other.pk).exists()


def test_upload_import_status_and_errors(
    api_client, world, accounts, django_capture_on_commit_callbacks, worker_pass
):
    content = csv_bytes(HEADER, "A-1,r1,2025-03-04 10:00,9,4,6,fine", "A-1,r2,2025-03-04,12,4,6,")
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post(
            "/api/v1/imports", {"file": SimpleUploadedFile("f.csv", content), "dry_run": "false"}
        )
    assert created.status_code == 202, created.content
    job_id = created.json()["id"]
    assert created.json()["status"] == "pending"

    worker_pass()
    status = api_client.get(f"/api/v1/imports/{job_id}").json()
    assert (status["status"], status["rows_read"], status["rows_inserted"]) == ("succeeded", 2, 1)
    assert status["summary"].startswith("2 rows read: 1 inserted")
    errors = api_client.get(f"/api/v1/imports/{job_id}/errors").json()
    assert errors["items"] == [
        {"row": 3, "column": "nps", "value": "12", "reason": "NPS 12 is out of range 0–10"}
    ]
    csv_body = b"".join(api_client.get(f"/api/v1/imports/{job_id}/errors.csv").streaming_content)
    assert csv_body.decode().splitlines()[1].startswith("3,nps,12,")
    assert api_client.get("/api/v1/imports").json()["count"] == 1


def test_upload_with_bad_format_is_422_and_starts_nothing(api_client, world, accounts):
    response = api_client.post("/api/v1/imports", {"file": SimpleUploadedFile("f.pdf", b"%PDF")})
    assert response.status_code == 422
    assert "cannot tell the format" in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_resume_of_a_finished_import_is_refused(api_client, world, accounts):
    job = ImportJob.objects.create(
        created_by=world.user, file_name="f.csv", file_path="", file_format="csv",
        status=ImportStatus.SUCCEEDED,
    )  # fmt: skip
    response = api_client.post(f"/api/v1/imports/{job.pk}/resume")
    assert response.status_code == 422
    assert "nothing to resume" in response.json()["detail"]


def test_import_status_says_when_a_run_has_stalled(api_client, world, accounts):
    beat = timezone.now() - dt.timedelta(minutes=3)
    job = ImportJob.objects.create(
        created_by=world.user, file_name="f.csv", file_path="", file_format="csv",
        status=ImportStatus.RUNNING, team_ids=[world.team.pk], heartbeat_at=beat,
    )  # fmt: skip
    body = api_client.get(f"/api/v1/imports/{job.pk}").json()
    assert (body["stalled"], body["resumable"]) == (False, False)
    assert body["heartbeat_at"] is not None
    assert api_client.post(f"/api/v1/imports/{job.pk}/resume").status_code == 422
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=beat - dt.timedelta(minutes=10))
    body = api_client.get(f"/api/v1/imports/{job.pk}").json()
    assert (body["stalled"], body["resumable"]) == (True, True)
    assert api_client.post(f"/api/v1/imports/{job.pk}/resume").status_code == 202


def test_anonymous_is_401(client, db):
    for url in ("/api/v1/responses", "/api/v1/imports"):
        assert client.get(url).status_code == 401


def test_upload_import_keeps_its_mapping_sent_as_a_file_or_as_text(
    api_client, world, accounts, django_capture_on_commit_callbacks, worker_pass
):
    content = csv_bytes("account,ref,submitted_at", "A-1,m1,2025-03-04 10:00")
    mapping = b'{"columns": {"external_id": "ref"}, "source_system": "portal"}'
    for sent in (SimpleUploadedFile("m.json", mapping), mapping.decode()):
        with django_capture_on_commit_callbacks(execute=True):
            created = api_client.post(
                "/api/v1/imports", {"file": SimpleUploadedFile("f.csv", content), "mapping": sent}
            )
        assert created.status_code == 202, created.content
        job = ImportJob.objects.get(pk=created.json()["id"])
        assert job.mapping == {"columns": {"external_id": "ref"}, "source_system": "portal"}
    worker_pass()
    assert Response.objects.values_list("source_system", "external_id").get() == ("portal", "m1")


def test_upload_import_with_a_bad_mapping_is_422_naming_the_key(api_client, world, accounts):
    content = csv_bytes(HEADER, "A-1,r1,2025-03-04 10:00,9,4,6,fine")
    cases = [
        ('{"colums": {}}', "mapping: unknown mapping option(s) ['colums']; options are "),
        (SimpleUploadedFile("m.json", b'{"channel": "fax"}'), "mapping: channel 'fax' is not"),
    ]
    for sent, expected in cases:
        response = api_client.post(
            "/api/v1/imports", {"file": SimpleUploadedFile("f.csv", content), "mapping": sent}
        )
        assert response.status_code == 422, response.content
        assert response.json()["detail"].startswith(expected), response.json()
    assert not ImportJob.objects.exists()


def test_a_nul_character_in_an_item_is_rejected_naming_it(api_client, world, accounts):
    response = api_client.post(
        "/api/v1/responses", _item(accounts["A-1"], "z1", comment="a\x00b"), content_type=JSON
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == [
        {
            "row": 0,
            "column": "comment",
            "value": "a\x00b",
            "reason": "contains a NUL character (code 0), which cannot be stored; remove it",
        }
    ]
    assert not Response.objects.exists()
