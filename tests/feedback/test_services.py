"""Writes: starting imports, and responses recorded one by one or in bulk (the API's services)."""

from __future__ import annotations

import datetime as dt
import hashlib
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.analytics.models import AccountSnapshot, MetricRollup
from rapport.core.models import AuditEvent, Role
from rapport.feedback import services
from rapport.feedback.importing.rows import RowProblem
from rapport.feedback.models import ImportJob, ImportStatus, Response
from tests.factories import ContactFactory, MembershipFactory, ResponseFactory, UserFactory
from tests.feedback.helpers import SOME_ROWS, assert_rollups_match, csv_bytes, start

pytestmark = pytest.mark.django_db

NOW = dt.datetime.now(UTC).replace(microsecond=0)


def _item(account: Any, external_id: str, **fields: Any) -> dict[str, Any]:
    return {"account": account.pk, "external_id": external_id, "submitted_at": NOW, **fields}


def _snapshot(account: Any, metric: str = "nps") -> dict[str, float]:
    return AccountSnapshot.objects.get(account=account, metric=metric).current


# --- start_import ------------------------------------------------------------------------------


def test_an_upload_is_kept_under_media_root_with_its_size_and_digest(world, settings):
    content = csv_bytes(*SOME_ROWS)
    job = start(world.user, content, name="../../etc/March responses.csv")
    path = Path(job.file_path)
    assert path.parent == Path(settings.MEDIA_ROOT) / "imports"
    assert path.read_bytes() == content
    assert path.suffix == ".csv"
    assert "March" not in path.name
    assert (job.file_name, job.file_size) == ("March responses.csv", len(content))
    assert job.file_sha256 == hashlib.sha256(content).hexdigest()
    assert (job.status, job.file_format, job.via, job.created_by) == (
        ImportStatus.PENDING,
        "csv",
        "test",
        world.user,
    )
    assert (job.team_ids, job.all_teams) == ([world.team.pk], False)
    admin_job = start(world.admin, content)
    assert (admin_job.team_ids, admin_job.all_teams) == ([], True)


def test_a_local_file_is_read_in_place(world, tmp_path):
    path = tmp_path / "local.csv"
    path.write_bytes(csv_bytes(*SOME_ROWS))
    job = services.start_import(
        actor=world.user, file_name=path.name, path=path, via="cli", background=False
    )
    assert job.file_path == str(path.resolve())


def test_an_upload_over_the_limit_is_refused_and_not_kept(world, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    with pytest.raises(services.ImportRequestError, match="larger than the limit"):
        start(world.user, csv_bytes(*SOME_ROWS))
    assert not ImportJob.objects.exists()
    assert not list((Path(settings.MEDIA_ROOT) / "imports").glob("*"))


def test_an_upload_without_a_known_size_is_cut_off_while_copying(world, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    upload = SimpleUploadedFile("big.csv", csv_bytes(*SOME_ROWS))
    upload.size = None  # type: ignore[assignment]
    with pytest.raises(services.ImportRequestError, match="larger than the limit"):
        services.start_import(actor=world.user, file_name="big.csv", upload=upload)
    assert not list((Path(settings.MEDIA_ROOT) / "imports").glob("*"))


@pytest.mark.parametrize(
    ("name", "file_format", "mapping", "message"),
    [
        ("data.json", None, None, "cannot tell the format of 'data.json' from its name"),
        ("data.csv", "pdf", None, "format must be csv or xlsx, not 'pdf'"),
        ("data.csv", None, "{not json", "the mapping is not valid JSON"),
        ("data.csv", None, "[1, 2]", "the mapping must be a JSON object"),
        ("data.csv", None, {"colums": {}}, "unknown mapping option(s) ['colums']"),
        ("data.csv", None, {"columns": {"score": "x"}}, "unknown field(s) ['score'] in columns"),
        ("data.csv", None, {"timezone": "Mars/Olympus"}, "unknown timezone 'Mars/Olympus'"),
        ("data.csv", None, {"create_missing_accounts": True}, "needs default_team"),
        ("data.csv", None, {"answers": {"Ease": "x"}}, "answer key 'Ease' must be lower case"),
        ("data.csv", None, {"header_rows": 0}, "header_rows must be a whole number from 1 to 10"),
    ],
)
def test_wrong_requests_start_nothing(world, settings, name, file_format, mapping, message):
    with pytest.raises(services.ImportRequestError) as raised:
        services.start_import(
            actor=world.user,
            file_name=name,
            upload=SimpleUploadedFile(name, b"account,submitted_at\n"),
            file_format=file_format,
            mapping=mapping,
        )
    assert message in str(raised.value)
    assert not ImportJob.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "imports").exists()


def test_no_file_and_no_such_file(world, tmp_path):
    with pytest.raises(services.ImportRequestError, match="no file was given"):
        services.start_import(actor=world.user, file_name="x.csv")
    with pytest.raises(services.ImportRequestError, match="no such file"):
        services.start_import(actor=world.user, file_name="x.csv", path=tmp_path / "x.csv")


def test_importing_needs_the_capability(world):
    outsider = UserFactory(username="nobody")
    agent = UserFactory(username="agent")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    for actor in (outsider, agent):
        with pytest.raises(PermissionDenied):
            start(actor, csv_bytes(*SOME_ROWS))
    assert not ImportJob.objects.exists()


def test_a_background_import_is_queued_when_the_job_commits(
    world, settings, django_capture_on_commit_callbacks
):
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
        pytest.skip("needs the database task backend")
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.start_import(
            actor=world.user,
            file_name="r.csv",
            upload=SimpleUploadedFile("r.csv", csv_bytes(*SOME_ROWS)),
        )
    assert len(callbacks) == 1
    task = DBTaskResult.objects.get()
    assert task.task_path == "rapport.feedback.tasks.run_import"
    assert task.args_kwargs["args"] == [job.pk]
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PENDING


def test_resumable_jobs():
    assert services.resumable(ImportJob(status=ImportStatus.FAILED, file_format="csv"))
    now = timezone.now()
    quiet = now - dt.timedelta(minutes=11)
    assert services.resumable(
        ImportJob(status=ImportStatus.RUNNING, file_format="xlsx", heartbeat_at=quiet)
    )
    assert not services.resumable(
        ImportJob(status=ImportStatus.RUNNING, file_format="xlsx", heartbeat_at=now)
    )
    assert not services.resumable(ImportJob(status=ImportStatus.SUCCEEDED, file_format="csv"))
    assert not services.resumable(ImportJob(status=ImportStatus.PENDING, file_format="csv"))
    assert not services.resumable(ImportJob(status=ImportStatus.FAILED, file_format="api"))


# --- record_responses (bulk) -------------------------------------------------------------------


def test_bulk_inserts_then_skips_then_updates(accounts, world):
    items = [
        _item(accounts["A-1"], "b1", nps=9, csat=4, comment="good"),
        _item(accounts["A-2"], "b2", nps=2, answers={"ease": 3}),
        _item(accounts["A-1"], "b3", ces=7, channel="call"),
    ]
    result = services.record_responses(actor=world.user, items=items)
    assert (result.inserted, result.updated, result.skipped) == (3, 0, 0)
    by_id = {r.pk: r for r in Response.objects.all()}
    assert [by_id[pk].external_id for pk in result.ids] == ["b1", "b2", "b3"]
    b2 = Response.objects.get(external_id="b2")
    assert (b2.source_system, b2.account_id, b2.answers, b2.submitted_at) == (
        "api",
        accounts["A-2"].pk,
        {"ease": 3},
        NOW,
    )
    assert Response.objects.get(external_id="b3").channel == "call"
    job = result.job
    assert job is not None
    assert (job.file_format, job.status, job.rows_read, job.rows_inserted) == (
        "api",
        ImportStatus.SUCCEEDED,
        3,
        3,
    )
    assert set(Response.objects.values_list("import_job", flat=True)) == {job.pk}
    event = AuditEvent.objects.get(action="import")
    assert (event.object_id, event.via, event.detail) == (
        str(job.pk),
        "api",
        "3 inserted, 0 updated, 0 unchanged",
    )
    assert_rollups_match("ease")
    assert _snapshot(accounts["A-1"])["n"] == 1

    again = services.record_responses(actor=world.user, items=items)
    assert (again.inserted, again.updated, again.skipped, again.ids) == (0, 0, 3, result.ids)

    items[0]["nps"] = 3
    changed = services.record_responses(actor=world.user, items=items)
    assert (changed.inserted, changed.updated, changed.skipped) == (0, 1, 2)
    assert Response.objects.get(external_id="b1").nps == 3
    assert_rollups_match("ease")
    assert _snapshot(accounts["A-1"])["detractors"] == 1


def test_bulk_is_all_or_nothing(accounts, world):
    items = [
        _item(accounts["A-1"], "b1", nps=9),
        _item(accounts["A-1"], "b2", nps=11),
        _item(accounts["B-1"], "b3", nps=9),  # another team's account
        _item(accounts["A-1"], "b1", nps=9),
        {"account": accounts["A-1"].pk, "external_id": "b5", "submitted_at": "03/04/2025"},
    ]
    with pytest.raises(services.ItemsRejected) as raised:
        services.record_responses(actor=world.user, items=items)
    b_pk = accounts["B-1"].pk
    assert raised.value.problems == [
        RowProblem(1, "nps", "11", "NPS 11 is out of range 0–10"),
        RowProblem(2, "account", str(b_pk), f"no account with id '{b_pk}'"),
        RowProblem(3, "external_id", "b1", "duplicate external id: first seen in row 0"),
        RowProblem(
            4,
            "submitted_at",
            "03/04/2025",
            "ambiguous date '03/04/2025': 3 April 2025 or 4 March 2025? "
            "Set date_format in the mapping (e.g. %d/%m/%Y) or use ISO 8601",
        ),
    ]
    assert str(raised.value) == "4 item(s) rejected; nothing was written"
    assert not Response.objects.exists()
    assert not ImportJob.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not MetricRollup.objects.exists()


def test_bulk_rejects_an_account_that_is_not_a_number(accounts, world):
    with pytest.raises(services.ItemsRejected) as raised:
        services.record_responses(
            actor=world.user,
            items=[_item(accounts["A-1"], "b1"), {**_item(accounts["A-1"], "b2"), "account": "x"}],
        )
    assert raised.value.problems == [RowProblem(1, "account", "x", "no account with id 'x'")]
    huge = str(2**70)
    with pytest.raises(services.ItemsRejected) as raised:
        services.record_responses(
            actor=world.user, items=[{**_item(accounts["A-1"], "b1"), "account": huge}]
        )
    assert raised.value.problems == [RowProblem(0, "account", huge, f"no account with id '{huge}'")]
    assert not Response.objects.exists()


def test_bulk_limits_and_access(accounts, world):
    with pytest.raises(services.ImportRequestError, match="at most 1000 items"):
        services.record_responses(
            actor=world.user,
            items=[_item(accounts["A-1"], f"b{i}") for i in range(1001)],
        )
    with pytest.raises(PermissionDenied):
        services.record_responses(
            actor=UserFactory(username="nobody"), items=[_item(accounts["A-1"], "b1")]
        )
    assert not Response.objects.exists()


# --- create / update / delete one response -----------------------------------------------------


def test_create_response_then_the_same_id_updates_it(accounts, world):
    contact = ContactFactory(account=accounts["A-1"], email="pat@customer.example")
    item = _item(
        accounts["A-1"], "one", nps=10, comment="great", contact_email="PAT@customer.example"
    )
    response, created = services.create_response(actor=world.user, item=item)
    assert created
    assert (response.nps, response.comment, response.respondent_contact) == (10, "great", contact)
    event = AuditEvent.objects.get(action="create", object_type="feedback.response")
    assert (event.object_id, event.team_id, event.actor) == (
        str(response.pk),
        world.team.pk,
        world.user,
    )
    assert event.changed_fields == [
        "account",
        "comment",
        "contact_email",
        "external_id",
        "nps",
        "submitted_at",
    ]
    assert "great" not in event.detail
    assert _snapshot(accounts["A-1"])["promoters"] == 1

    same, created = services.create_response(actor=world.user, item=item)
    assert (same.pk, created) == (response.pk, False)
    assert AuditEvent.objects.filter(object_type="feedback.response").count() == 1

    changed, created = services.create_response(actor=world.user, item={**item, "nps": 0})
    assert (changed.pk, changed.nps, created) == (response.pk, 0, False)
    assert AuditEvent.objects.filter(object_type="feedback.response", action="update").count() == 1
    assert Response.objects.count() == 1
    assert_rollups_match()
    assert (_snapshot(accounts["A-1"])["promoters"], _snapshot(accounts["A-1"])["detractors"]) == (
        0,
        1,
    )


def test_create_response_in_another_team_or_without_rights(accounts, world):
    with pytest.raises(services.ItemsRejected):
        services.create_response(actor=world.user, item=_item(accounts["B-1"], "x"))
    with pytest.raises(PermissionDenied):
        services.create_response(
            actor=UserFactory(username="nobody"), item=_item(accounts["A-1"], "x")
        )
    assert not Response.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.fixture
def response(accounts, world) -> Response:
    created, _ = services.create_response(
        actor=world.user, item=_item(accounts["A-1"], "one", nps=9, csat=4, comment="fine")
    )
    return created


def test_update_response_moves_rollups_and_audits_changed_fields(response, accounts, world):
    changed = services.update_response(
        actor=world.user, response=response, changes={"nps": 3, "comment": "fine"}
    )
    assert changed == ["nps"]
    assert response.nps == 3
    assert Response.objects.get(pk=response.pk).nps == 3
    event = AuditEvent.objects.get(action="update")
    assert (event.object_id, event.changed_fields, event.team_id) == (
        str(response.pk),
        ["nps"],
        world.team.pk,
    )
    assert_rollups_match()
    assert _snapshot(accounts["A-1"])["detractors"] == 1

    assert services.update_response(actor=world.user, response=response, changes={"nps": 3}) == []
    assert AuditEvent.objects.filter(action="update").count() == 1


def test_update_response_to_another_account(response, accounts, world):
    services.update_response(
        actor=world.user, response=response, changes={"account": accounts["A-2"].pk}
    )
    assert response.account_id == accounts["A-2"].pk
    assert_rollups_match()
    assert _snapshot(accounts["A-1"])["n"] == 0
    assert _snapshot(accounts["A-2"])["n"] == 1
    with pytest.raises(services.ItemsRejected):
        services.update_response(
            actor=world.user, response=response, changes={"account": accounts["B-1"].pk}
        )
    assert Response.objects.get(pk=response.pk).account_id == accounts["A-2"].pk


def test_update_response_cannot_change_identity_or_cross_teams(response, world):
    with pytest.raises(services.ImportRequestError, match="external_id identify a response"):
        services.update_response(actor=world.user, response=response, changes={"external_id": "x"})
    with pytest.raises(services.ImportRequestError, match="source_system identify"):
        services.update_response(
            actor=world.user, response=response, changes={"source_system": "crm"}
        )
    with pytest.raises(PermissionDenied):
        services.update_response(actor=world.other_user, response=response, changes={"nps": 0})
    with pytest.raises(services.ItemsRejected):
        services.update_response(actor=world.user, response=response, changes={"nps": 11})
    assert Response.objects.get(pk=response.pk).nps == 9
    assert not AuditEvent.objects.filter(action="update").exists()


def test_update_a_response_recorded_without_an_external_id(accounts, world):
    """Responses from other channels may have no external id: they are changed in place."""
    response = ResponseFactory(account=accounts["A-1"], external_id="", source_system="rapport")
    services.update_response(actor=world.user, response=response, changes={"nps": 2})
    assert Response.objects.count() == 1
    assert Response.objects.get().nps == 2
    assert response.external_id == ""


def test_update_keeps_a_respondent_without_an_email(accounts, world):
    contact = ContactFactory(account=accounts["A-1"], email="")
    response = ResponseFactory(account=accounts["A-1"], respondent_contact=contact)
    services.update_response(actor=world.user, response=response, changes={"comment": "later"})
    assert (response.comment, response.respondent_contact) == ("later", contact)


def test_update_finds_the_contact_of_a_new_email(response, accounts, world):
    contact = ContactFactory(account=accounts["A-1"], email="pat@customer.example")
    services.update_response(
        actor=world.user, response=response, changes={"contact_email": "Pat@customer.example"}
    )
    assert response.respondent_contact == contact
    services.update_response(actor=world.user, response=response, changes={"contact_email": ""})
    assert response.respondent_contact is None


def test_delete_response(response, accounts, world):
    with pytest.raises(PermissionDenied):
        services.delete_response(actor=world.other_user, response=response)
    assert Response.objects.filter(pk=response.pk).exists()
    pk = response.pk
    services.delete_response(actor=world.user, response=response)
    assert not Response.objects.exists()
    event = AuditEvent.objects.get(action="delete")
    assert (event.object_type, event.object_id, event.team_id) == (
        "feedback.response",
        str(pk),
        world.team.pk,
    )
    assert_rollups_match()
    assert _snapshot(accounts["A-1"])["n"] == 0


def test_an_import_rescores_the_health_of_the_accounts_it_touched(world, accounts):
    from rapport.analytics.models import AccountHealth
    from tests.feedback.helpers import SOME_ROWS, csv_bytes, import_bytes

    import_bytes(world.user, csv_bytes(*SOME_ROWS))
    scored = set(AccountHealth.objects.values_list("account_id", flat=True))
    assert scored == {accounts["A-1"].pk, accounts["A-2"].pk}
