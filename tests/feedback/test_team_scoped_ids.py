"""An external id identifies a response within the team that owns it (issue 9, item 1).

Team B (South, bob) holds responses whose (source_system, external_id) a user of team A
(North, alice) sends through every write path: the API (single, bulk, patch), the import page,
the API upload and the CLI. Team B's row is neither changed nor moved nor revealed; team A gets
a row of its own, in its own account (decision 40).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rapport.analytics.rollups.services import rebuild_rollups

from rapport.cli import main
from rapport.core.models import AuditEvent, Role
from rapport.customers import services as customer_services
from rapport.customers.models import Account
from rapport.feedback.importing.rows import ValidRow
from rapport.feedback.importing.store import find_existing
from rapport.feedback.models import Response
from tests.factories import MembershipFactory, ResponseFactory
from tests.feedback.helpers import HEADER, csv_bytes, import_lines

JSON = "application/json"
WHEN = "2025-03-04T10:00:00+00:00"


def _row(response: Response) -> tuple:
    return Response.objects.filter(pk=response.pk).values_list(
        "account_id", "team_id", "nps", "comment", "submitted_at", "import_job_id", "updated_at"
    )[0]


@pytest.fixture
def theirs(world, accounts) -> dict[str, Response]:
    """Team B's responses, one under each source system a write path uses by default."""
    responses = {
        source: ResponseFactory(
            account=accounts["B-1"], source_system=source, external_id="T-1", nps=2, comment="B"
        )
        for source in ("api", "import")
    }
    rebuild_rollups()  # factory rows bypass the rollups that a later update moves
    return responses


def _assert_untouched(theirs: dict[str, Response], before: dict[str, tuple]) -> None:
    for source, response in theirs.items():
        assert _row(response) == before[source], source
    assert not AuditEvent.objects.filter(
        object_type="feedback.response", object_id__in=[str(r.pk) for r in theirs.values()]
    ).exists()


def _own_row(accounts, source: str) -> Response:
    return Response.objects.get(team=accounts["A-1"].team, source_system=source, external_id="T-1")


def test_api_single_with_another_teams_external_id_makes_a_row_of_our_own(
    api_client, world, accounts, theirs
):
    before = {s: _row(r) for s, r in theirs.items()}
    item = {"account": accounts["A-1"].pk, "external_id": "T-1", "submitted_at": WHEN, "nps": 9}
    response = api_client.post("/api/v1/responses", item, content_type=JSON)
    assert response.status_code == 201, response.content  # created: nothing of B's is found
    body = response.json()
    assert body["id"] not in {r.pk for r in theirs.values()}
    _assert_untouched(theirs, before)
    own = _own_row(accounts, "api")
    assert (own.pk, own.account_id, own.nps) == (body["id"], accounts["A-1"].pk, 9)
    events = AuditEvent.objects.filter(object_type="feedback.response", object_id=str(own.pk))
    assert list(events.values_list("team_id", flat=True)) == [world.team.pk]


def test_api_bulk_and_patch_never_reach_another_teams_row(api_client, world, accounts, theirs):
    before = {s: _row(r) for s, r in theirs.items()}
    items = [
        {"account": accounts["A-1"].pk, "external_id": "T-1", "submitted_at": WHEN, "nps": 7},
        {"account": accounts["A-2"].pk, "external_id": "T-2", "submitted_at": WHEN, "nps": 8},
    ]
    bulk = api_client.post("/api/v1/responses/bulk", {"items": items}, content_type=JSON)
    assert bulk.status_code in (200, 201), bulk.content
    assert (bulk.json()["inserted"], bulk.json()["updated"]) == (2, 0)
    patch = api_client.patch(
        f"/api/v1/responses/{theirs['api'].pk}", {"nps": 10}, content_type=JSON
    )
    assert patch.status_code == 404
    _assert_untouched(theirs, before)
    assert _own_row(accounts, "api").nps == 7


def test_web_upload_with_another_teams_external_id(
    user_client, world, accounts, theirs, django_capture_on_commit_callbacks, worker_pass
):
    before = {s: _row(r) for s, r in theirs.items()}
    content = csv_bytes(HEADER, "A-1,T-1,2025-03-04 10:00,10,5,7,ours")
    with django_capture_on_commit_callbacks(execute=True):
        posted = user_client.post(
            reverse("feedback:imports"), {"file": SimpleUploadedFile("f.csv", content)}
        )
    assert posted.status_code == 302
    worker_pass()
    _assert_untouched(theirs, before)
    own = _own_row(accounts, "import")
    assert (own.account_id, own.nps, own.comment) == (accounts["A-1"].pk, 10, "ours")


def test_api_upload_with_another_teams_external_id(
    api_client, world, accounts, theirs, django_capture_on_commit_callbacks, worker_pass
):
    before = {s: _row(r) for s, r in theirs.items()}
    content = csv_bytes(HEADER, "A-1,T-1,2025-03-04 10:00,10,5,7,ours")
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post("/api/v1/imports", {"file": SimpleUploadedFile("f.csv", content)})
    assert created.status_code == 202, created.content
    worker_pass()
    _assert_untouched(theirs, before)
    assert _own_row(accounts, "import").nps == 10


def test_cli_import_with_another_teams_external_id(world, accounts, theirs, tmp_path: Path, capsys):
    before = {s: _row(r) for s, r in theirs.items()}
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes(HEADER, "A-1,T-1,2025-03-04 10:00,10,5,7,ours"))
    assert main(["import", "feedback", str(path), "--user", "alice"]) == 0
    assert "1 inserted, 0 updated" in capsys.readouterr().out
    _assert_untouched(theirs, before)
    assert _own_row(accounts, "import").comment == "ours"


def test_reimport_updates_our_row_only(world, accounts, theirs):
    before = {s: _row(r) for s, r in theirs.items()}
    import_lines(world.user, HEADER, "A-1,T-1,2025-03-04 10:00,10,5,7,first")
    job = import_lines(world.user, HEADER, "A-2,T-1,2025-03-04 10:00,4,5,7,second")
    assert (job.rows_inserted, job.rows_updated) == (0, 1)  # our row, moved within our team
    _assert_untouched(theirs, before)
    own = _own_row(accounts, "import")
    assert (own.account_id, own.comment) == (accounts["A-2"].pk, "second")


def test_member_of_two_teams_matches_within_the_rows_account_team(world, accounts, theirs):
    """Decision 40: the key is looked up in the team of the account the row names. Alice,
    now in both teams, imports T-1 for her team's account: a new row in North, South's stays."""
    MembershipFactory(user=world.user, team=world.other_team, role=Role.ACCOUNT_MANAGER)
    before = {s: _row(r) for s, r in theirs.items()}
    job = import_lines(world.user, HEADER, "A-1,T-1,2025-03-04 10:00,10,5,7,north")
    assert (job.rows_inserted, job.rows_updated) == (1, 0)
    _assert_untouched(theirs, before)
    # The same id for South's account updates South's row (she may write there).
    job = import_lines(world.user, HEADER, "B-1,T-1,2025-03-04 10:00,6,5,7,south")
    assert (job.rows_inserted, job.rows_updated) == (0, 1)
    assert Response.objects.get(pk=theirs["import"].pk).comment == "south"
    assert _own_row(accounts, "import").comment == "north"


def test_the_database_holds_the_key_within_a_team(world, accounts):
    ResponseFactory(account=accounts["A-1"], source_system="s", external_id="k")
    ResponseFactory(account=accounts["B-1"], source_system="s", external_id="k")  # other team
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseFactory(account=accounts["A-2"], source_system="s", external_id="k")


def test_responses_follow_their_account_to_another_team(world, accounts):
    moving = ResponseFactory(account=accounts["A-2"], source_system="s", external_id="m")
    customer_services.update_account(
        actor=world.admin, account=accounts["A-2"], changes={"team": world.other_team}
    )
    assert Response.objects.get(pk=moving.pk).team_id == world.other_team.pk


def test_a_move_that_would_clash_with_the_teams_external_ids_is_refused(world, accounts):
    ResponseFactory(account=accounts["B-1"], source_system="s", external_id="dup")
    mine = ResponseFactory(account=accounts["A-2"], source_system="s", external_id="dup")
    with pytest.raises(ValidationError) as raised:
        customer_services.update_account(
            actor=world.admin, account=accounts["A-2"], changes={"team": world.other_team}
        )
    assert "team" in raised.value.message_dict
    assert Response.objects.get(pk=mine.pk).team_id == world.team.pk
    assert Response.objects.get(pk=mine.pk).account.team_id == world.team.pk


def test_new_account_rows_match_in_the_team_they_are_created_in(world, accounts):
    """Rows for an account the import creates are looked up in that account's team."""
    ResponseFactory(account=accounts["A-1"], source_system="import", external_id="n1")
    rebuild_rollups()
    mapping = {"create_missing_accounts": True, "default_team": world.team.slug}
    job = import_lines(world.user, HEADER, "NEW-1,n1,2025-03-04 10:00,5,5,7,new", mapping=mapping)
    assert (job.rows_inserted, job.rows_updated, job.accounts_created) == (0, 1, 1)
    stored = Response.objects.get(source_system="import", external_id="n1")
    assert stored.account.external_id == "NEW-1"
    assert stored.team_id == world.team.pk


def test_the_imports_lookup_uses_the_unique_index(world, accounts):
    """The hot path stays an indexed equality lookup: (team, source_system) and the ids."""
    ResponseFactory(account=accounts["A-1"], source_system="import", external_id="i1")
    rows = [
        ValidRow(2, "import", "i1", accounts["A-1"].pk, timezone.now(), 1, 1, 1, {}, "", "", "")
    ]
    with CaptureQueriesContext(connection) as captured:
        assert set(find_existing(rows)) == {("import", "i1")}
    lookup = next(q["sql"] for q in captured.captured_queries if "external_id IN" in q["sql"])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {lookup}")
        else:  # a tiny table: make the planner show whether it can use the index at all
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {lookup}")
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "response_team_source_external_id_unique" in plan, plan


def test_an_account_moved_in_the_admin_takes_its_responses(world, accounts, rf):
    moving = ResponseFactory(account=accounts["A-2"], source_system="s", external_id="adm")
    account = accounts["A-2"]
    account.team = world.other_team
    request = rf.post("/admin/")
    request.user = world.admin
    form = SimpleNamespace(changed_data=["team"])
    admin.site._registry[Account].save_model(request, account, form, change=True)
    assert Response.objects.get(pk=moving.pk).team_id == world.other_team.pk
