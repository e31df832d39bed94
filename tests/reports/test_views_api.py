"""Report pages and API: the same services, team-scoped (another team's ids are 404), the
field named on a 422, bounded queries, no edit controls for read-only roles."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.core.models import AuditEvent, Role
from rapport.reports import generation, services
from rapport.reports.models import ReportDefinition, ReportRun
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _definition(world, **fields):
    return services.create_definition(
        actor=world.user,
        team_id=world.team.pk,
        fields={
            "name": "Acme QBR",
            "report_type": "account_review_pack",
            "audience": "account_team",
            "formats": ["web", "pdf", "xlsx", "csv"],
            **fields,
        },
        related={"accounts": [world.account.pk]},
    )


def _generated_run(world) -> ReportRun:
    run = services.queue_run(actor=world.user, definition=_definition(world))
    generation.generate_one(run.pk)
    run.refresh_from_db()
    return run


def test_create_through_the_form(world, user_client) -> None:
    answer = user_client.post(
        "/reports/new/",
        {
            "name": "Portfolio",
            "team": world.team.pk,
            "report_type": "portfolio_summary",
            "audience": "executive",
            "formats": ["web", "pdf"],
            "period_months": "1",
            "frequency_source": "own",
            "recurrence": "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7",
            "owner": world.user.pk,
            "active": "on",
        },
    )
    definition = ReportDefinition.objects.get(name="Portfolio")
    assert answer.status_code == 302
    assert answer["Location"] == f"/reports/{definition.pk}/"
    assert definition.next_due_at is not None
    assert AuditEvent.objects.filter(object_type="reports.reportdefinition").count() == 1


def test_form_shows_the_rule_that_failed_on_its_field(world, user_client) -> None:
    answer = user_client.post(
        "/reports/new/",
        {
            "name": "QBR",
            "team": world.team.pk,
            "report_type": "account_review_pack",
            "audience": "customer",
            "formats": ["web"],
            "period_months": "3",
            "frequency_source": "on_demand",
            "owner": world.user.pk,
        },
    )
    assert answer.status_code == 400
    assert "exactly one account" in answer.content.decode()


def test_pages_answer_in_bounded_queries(world, user_client, django_assert_max_num_queries) -> None:
    run = _generated_run(world)
    with django_assert_max_num_queries(15):
        assert user_client.get("/reports/").status_code == 200
    with django_assert_max_num_queries(15):
        assert user_client.get(f"/reports/{run.definition_id}/").status_code == 200
    with django_assert_max_num_queries(25):
        page = user_client.get(f"/reports/runs/{run.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Relationship summary" in body
    assert "Send to the recipients" in body
    assert user_client.get(f"/reports/runs/{run.pk}/progress/").status_code == 200
    pdf = run.outputs.get(format="pdf")
    download = user_client.get(f"/reports/runs/{run.pk}/files/{pdf.name}")
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF")


def test_run_now_queues_and_redirects_to_the_run(world, user_client) -> None:
    definition = _definition(world)
    answer = user_client.post(f"/reports/{definition.pk}/run/")
    run = ReportRun.objects.get(definition=definition)
    assert answer["Location"] == f"/reports/runs/{run.pk}/"
    page = user_client.get(answer["Location"])
    assert 'hx-trigger="every 1s"' in page.content.decode()  # polls while queued


def test_a_read_only_member_sees_no_edit_controls(world) -> None:
    run = _generated_run(world)
    agent = UserFactory()
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    for url in ("/reports/", f"/reports/{run.definition_id}/", f"/reports/runs/{run.pk}/"):
        body = client.get(url).content.decode()
        for control in ("New report", "Run now", ">Edit<", "Send to the recipients", "Delete"):
            assert control not in body, (url, control)
    assert client.post(f"/reports/{run.definition_id}/run/").status_code == 403


def test_another_team_gets_404(world) -> None:
    run = _generated_run(world)
    client = Client()
    client.force_login(world.other_user)
    for url in (
        f"/reports/{run.definition_id}/",
        f"/reports/runs/{run.pk}/",
        f"/api/v1/report-runs/{run.pk}",
        f"/api/v1/report-definitions/{run.definition_id}",
        f"/api/v1/report-runs/{run.pk}/document",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/report-definitions").json()["items"] == []


def test_api_create_run_and_read_the_document(world, api_client) -> None:
    created = api_client.post(
        "/api/v1/report-definitions",
        {
            "team_id": world.team.pk,
            "name": "Acme for Acme",
            "report_type": "account_review_pack",
            "audience": "customer",
            "accounts": [world.account.pk],
            "formats": ["web", "pdf"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    definition_id = created.json()["id"]
    queued = api_client.post(f"/api/v1/report-definitions/{definition_id}/runs")
    assert queued.status_code == 201
    run_id = queued.json()["id"]
    generation.generate_one(run_id)
    read = api_client.get(f"/api/v1/report-runs/{run_id}").json()
    assert read["status"] == "review"
    document = api_client.get(f"/api/v1/report-runs/{run_id}/document").json()
    keys = [s["key"] for s in document["sections"]]
    assert "relationship" in keys
    assert "internal" not in keys  # the customer's document
    assert keys[-1] == "recommendations"


def test_api_422_names_the_field(world, api_client) -> None:
    answer = api_client.post(
        "/api/v1/report-definitions",
        {
            "team_id": world.team.pk,
            "name": "Two",
            "report_type": "variance_report",
            "audience": "customer",
            "accounts": [world.account.pk, world.other_account.pk],
        },
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("accounts:")
