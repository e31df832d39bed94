"""Where a run's recommendations and frequency come from: the account's open alerts (internal
audiences only, editable, in the PDF) and the account's agreed monitoring plan (a run at the
plan's recurrence on the organisation's clock; nothing without an agreed plan)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import get_resolver
from django.utils import timezone
from freezegun import freeze_time

from rapport.alerts.models import Alert, Rule
from rapport.monitoring import services as monitoring
from rapport.monitoring.models import PlanMethod, PlanReport
from rapport.reports import generation, services
from rapport.reports.models import ReportDefinition, ReportRun
from tests.factories import ContactFactory
from tests.reports.helpers import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, scope="session")
def _urls_loaded():
    get_resolver().url_patterns  # noqa: B018 - pydantic cannot build schemas on frozen dates


def _open_alert(world) -> Alert:
    rule = Rule.objects.create(
        name="Complaints watch", scope="team", team=world.team, kind="complaints",
        params={"threshold": 2, "days": 30}, severity="high",
    )  # fmt: skip
    now = timezone.now()
    return Alert.objects.create(
        rule=rule, account=world.account, team=world.team, kind=rule.kind, severity="high",
        title="Complaints rising", observed="4 complaints in 30 days",
        expected="at most 2 complaints in 30 days", dedupe_key="acme-complaints",
        opened_at=now, last_seen_at=now,
    )  # fmt: skip


def _run(world, audience: str) -> ReportRun:
    definition = services.create_definition(
        actor=world.user,
        team_id=world.team.pk,
        fields={
            "name": f"Variance for {audience}",
            "report_type": "variance_report",
            "audience": audience,
            "formats": ["web", "pdf"],
        },
        related={"accounts": [world.account.pk]},
    )
    run = services.queue_run(actor=world.user, definition=definition)
    assert generation.generate_one(run.pk) == 1
    run.refresh_from_db()
    assert run.status != "failed", run.error
    return run


def _words(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def test_an_open_alert_is_an_editable_recommendation_of_an_account_team_run(world) -> None:
    alert = _open_alert(world)
    run = _run(world, "account_team")
    [found] = run.recommendations.filter(source_kind="alert")
    assert found.source_ref == f"alert:{alert.pk}"
    assert found.source_url == f"/alerts/{alert.pk}/"
    assert "observed 4 complaints in 30 days" in found.text
    assert "expected at most 2 complaints in 30 days" in found.text
    assert "Complaints watch" in found.text
    assert "high severity" in found.text
    generation.ensure_outputs(run)
    assert found.text in _words(bytes(run.outputs.get(format="pdf").content))

    services.update_recommendation(
        actor=world.user, recommendation=found, text="Call the sponsor about the complaints"
    )
    found.refresh_from_db()
    assert found.edited
    run.refresh_from_db()
    generation.ensure_outputs(run)
    words = _words(bytes(run.outputs.get(format="pdf").content))
    assert "Call the sponsor about the complaints" in words
    assert "Complaints watch" not in words


def test_a_closed_alert_is_no_recommendation(world) -> None:
    alert = _open_alert(world)
    Alert.objects.filter(pk=alert.pk).update(status="closed", closed_at=timezone.now())
    run = _run(world, "account_team")
    assert not run.recommendations.filter(source_kind="alert").exists()


def test_the_customer_never_reads_an_alert(world) -> None:
    _open_alert(world)
    world.account.owner = world.user
    world.account.save()
    run = _run(world, "customer")
    assert not run.recommendations.filter(source_kind="alert").exists()
    generation.ensure_outputs(run)
    words = _words(bytes(run.outputs.get(format="pdf").content))
    for internal in ("Complaints watch", "4 complaints in 30 days", "severity"):
        assert internal not in words


def _plan_with_report(world, recurrence: str):
    version = monitoring.start_plan(actor=world.user, account=world.account, use_template=False)
    monitoring.add_item(
        actor=world.user,
        version=version,
        model=PlanMethod,
        data={
            "kind": "account_call",
            "title": "Monthly sponsor call",
            "recurrence": "FREQ=MONTHLY;BYMONTHDAY=1",
            "owner": world.user,
        },
    )
    monitoring.add_item(
        actor=world.user,
        version=version,
        model=PlanReport,
        data={
            "report_type": "account_review_pack",
            "audience": "account_team",
            "recurrence": recurrence,
        },
    )
    return version


def _agree(world, version) -> None:
    monitoring.propose(actor=world.user, version=version)
    monitoring.agree(
        actor=world.user,
        version=version,
        agreed_with=ContactFactory(account=world.account, name="Dana Sponsor"),
        evidence_reference="Minutes QBR-2026-05",
    )


def _plan_definition(world):
    return services.create_definition(
        actor=world.user,
        team_id=world.team.pk,
        fields={
            "name": "QBR from the plan",
            "report_type": "account_review_pack",
            "audience": "account_team",
            "formats": ["web"],
            "frequency_source": "plan",
        },
        related={"accounts": [world.account.pk]},
    )


def test_the_plans_report_is_scheduled_at_its_recurrence_on_the_local_clock(
    world, settings
) -> None:
    settings.TIME_ZONE = "Europe/London"
    with freeze_time("2026-05-20 10:00:00"):
        _agree(world, _plan_with_report(world, "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7"))
        definition = _plan_definition(world)
    # 07:00 on the 1st in London is 06:00 UTC in summer (BST) and 07:00 UTC in winter.
    assert definition.next_due_at == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    with freeze_time("2026-06-01 06:01:00"):
        assert generation.schedule_due() == 1
        assert generation.schedule_due() == 0
    assert ReportRun.objects.get(definition=definition).scheduled
    definition.refresh_from_db()
    assert definition.next_due_at == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    ReportRun.objects.all().delete()
    definition.next_due_at = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    definition.save(update_fields=["next_due_at"])
    with freeze_time("2026-11-01 07:01:00"):
        assert generation.schedule_due() == 1
    definition.refresh_from_db()
    assert definition.next_due_at == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # GMT


def test_without_an_agreed_plan_nothing_is_scheduled(world) -> None:
    _plan_with_report(world, "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7")  # a draft only
    with pytest.raises(ValidationError) as caught:
        _plan_definition(world)
    assert set(caught.value.message_dict) == {"frequency_source"}
    assert not ReportDefinition.objects.exists()


def test_a_definition_stops_when_the_agreed_plan_no_longer_names_the_report(world) -> None:
    first = _plan_with_report(world, "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8")
    _agree(world, first)
    definition = _plan_definition(world)
    assert definition.next_due_at is not None
    second = monitoring.new_version(actor=world.user, plan=first.plan)
    for report in second.reports.all():
        monitoring.delete_item(actor=world.user, item=report)
    _agree(world, second)
    with freeze_time(definition.next_due_at):
        assert generation.schedule_due() == 1  # the run that was due still happens
    definition.refresh_from_db()
    assert definition.next_due_at is None
    assert generation.schedule_due() == 0


def test_the_definitions_say_their_own_rule_in_words(world, user_client) -> None:
    definition = services.create_definition(
        actor=world.user,
        team_id=world.team.pk,
        fields={
            "name": "Monthly variance",
            "report_type": "variance_report",
            "audience": "account_team",
            "formats": ["web"],
            "frequency_source": "own",
            "recurrence": "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7",
        },
        related={"accounts": [world.account.pk]},
    )
    listed = user_client.get("/reports/").content.decode()
    assert "Every month on the 1st at 07:00" in listed
    detail = user_client.get(f"/reports/{definition.pk}/").content.decode()
    assert "every month on the 1st at 07:00" in detail
