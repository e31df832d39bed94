"""Report services: cross-field rules naming the field, access, audit, generation claimed once,
approval by the account owner only, recommendations edited before sending, retention, and the
schedule in the organisation's time zone across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from freezegun import freeze_time

from rapport.core.models import AuditEvent, Role
from rapport.reports import delivery, generation, schedule, services
from rapport.reports.models import ReportDefinition, ReportRun, RunStatus
from tests.factories import ContactFactory, MembershipFactory, UserFactory
from tests.reports.helpers import pdf_pages_non_blank, pdf_text

pytestmark = pytest.mark.django_db


def _fields(**extra):
    return {
        "name": "QBR",
        "report_type": "account_review_pack",
        "audience": "account_team",
        "formats": ["web", "pdf"],
        **extra,
    }


def _definition(world, **extra):
    related = extra.pop("related", {"accounts": [world.account.pk]})
    return services.create_definition(
        actor=world.user, team_id=world.team.pk, fields=_fields(**extra), related=related
    )


def _error_fields(call) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return set(caught.value.message_dict)


def test_create_is_audited_and_reads_back(world) -> None:
    definition = _definition(world)
    stored = ReportDefinition.objects.get(pk=definition.pk)
    assert stored.owner == world.user
    assert list(stored.accounts.all()) == [world.account]
    assert stored.next_due_at is None  # on demand
    assert (
        AuditEvent.objects.filter(object_type="reports.reportdefinition", action="create").count()
        == 1
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"audience": "customer", "related": {"accounts": []}}, "accounts"),
        (
            {
                "report_type": "portfolio_summary",
                "audience": "customer",
                "related": {"accounts": []},
            },
            "accounts",
        ),
        ({"report_type": "nonsense"}, "report_type"),
        ({"formats": []}, "formats"),
        ({"formats": ["email"]}, "recipients"),
        ({"frequency_source": "own", "recurrence": "FREQ=SOMETIMES"}, "recurrence"),
        ({"frequency_source": "plan"}, "frequency_source"),
    ],
)
def test_cross_field_rules_name_the_field(world, extra, field) -> None:
    assert field in _error_fields(lambda: _definition(world, **extra))


def test_contacts_only_for_the_customer_and_of_its_account(world) -> None:
    contact = ContactFactory(account=world.account)
    other = ContactFactory(account=world.other_account)
    assert "contact_recipients" in _error_fields(
        lambda: _definition(
            world, related={"accounts": [world.account.pk], "contact_recipients": [contact.pk]}
        )
    )
    assert "contact_recipients" in _error_fields(
        lambda: _definition(
            world,
            audience="customer",
            related={"accounts": [world.account.pk], "contact_recipients": [other.pk]},
        )
    )


def test_another_teams_account_is_refused(world) -> None:
    assert "accounts" in _error_fields(
        lambda: _definition(world, related={"accounts": [world.other_account.pk]})
    )


def test_read_only_role_may_not_define_reports(world) -> None:
    agent = UserFactory()
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        services.create_definition(
            actor=agent,
            team_id=world.team.pk,
            fields=_fields(),
            related={"accounts": [world.account.pk]},
        )


def test_a_run_is_generated_once_and_keeps_its_inputs(world) -> None:
    definition = _definition(world)
    run = services.queue_run(actor=world.user, definition=definition)
    assert generation.generate_one(run.pk) == 1
    assert generation.generate_one(run.pk) == 0  # claimed and done: never generated twice
    run.refresh_from_db()
    assert run.status == RunStatus.REVIEW
    assert run.definition_snapshot["accounts"] == [world.account.pk]
    assert run.data_as_of is not None
    assert run.document["report_type"] == "account_review_pack"
    assert run.outputs.filter(format="pdf").exists()


def _customer_run(world):
    world.account.owner = world.user
    world.account.save()
    definition = _definition(world, audience="customer")
    run = services.queue_run(actor=world.user, definition=definition)
    generation.generate_one(run.pk)
    run.refresh_from_db()
    return run


def test_only_the_account_owner_approves_a_customer_run(world) -> None:
    run = _customer_run(world)
    colleague = UserFactory()
    MembershipFactory(user=colleague, team=world.team, role=Role.MANAGER)
    with pytest.raises(PermissionDenied):
        services.approve_run(actor=colleague, run=run)
    with pytest.raises(ValidationError):
        services.send_run(actor=world.user, run=run)  # not by sending: by approval
    services.approve_run(actor=world.user, run=run)
    run.refresh_from_db()
    assert (run.status, run.approved_by) == (RunStatus.APPROVED, world.user)
    assert (
        AuditEvent.objects.filter(object_type="reports.reportrun", detail="approved").count() == 1
    )
    assert delivery.deliver_approved() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DELIVERED  # no e-mail among its formats


def test_returned_then_resubmitted(world) -> None:
    run = _customer_run(world)
    assert "note" in _error_fields(lambda: services.return_run(actor=world.user, run=run, note=" "))
    services.return_run(actor=world.user, run=run, note="Say more about delivery times")
    run.refresh_from_db()
    assert (run.status, run.return_note) == (RunStatus.RETURNED, "Say more about delivery times")
    services.resubmit_run(actor=world.user, run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.REVIEW


def test_edited_recommendations_are_in_the_files_sent(world) -> None:
    run = _customer_run(world)
    added = services.add_recommendation(
        actor=world.user, run=run, text="Agree a weekly delivery call"
    )
    run.refresh_from_db()
    assert run.outputs_stale
    generation.ensure_outputs(run)
    assert "Agree a weekly delivery call" in pdf_text(bytes(run.outputs.get(format="pdf").content))
    services.update_recommendation(actor=world.user, recommendation=added, included=False)
    run.refresh_from_db()
    generation.ensure_outputs(run)
    assert "Agree a weekly delivery call" not in pdf_text(
        bytes(run.outputs.get(format="pdf").content)
    )
    services.approve_run(actor=world.user, run=run)
    with pytest.raises(ValidationError):  # approved: no longer editable
        services.add_recommendation(actor=world.user, run=run, text="Too late")


def test_old_runs_are_deleted_and_audited(world, settings) -> None:
    settings.RAPPORT_REPORT_KEEP_DAYS = 30
    definition = _definition(world)
    run = services.queue_run(actor=world.user, definition=definition)
    generation.generate_one(run.pk)
    ReportRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(days=31))
    kept = services.queue_run(actor=world.user, definition=definition)
    generation.generate_one(kept.pk)
    assert generation.clean_up_old_runs() == 1
    assert list(ReportRun.objects.values_list("pk", flat=True)) == [kept.pk]
    assert (
        AuditEvent.objects.filter(object_id=str(run.pk), detail__startswith="retention").count()
        == 1
    )


def test_schedule_keeps_local_time_across_daylight_saving(settings) -> None:
    settings.TIME_ZONE = "Europe/London"
    anchor = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    rule = "FREQ=DAILY;BYHOUR=7"
    before = schedule.next_occurrence(
        rule, anchor=anchor, after=datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    )
    after = schedule.next_occurrence(
        rule, anchor=anchor, after=datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    )
    assert before is not None
    assert after is not None
    assert before.astimezone(UTC) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 07:00 BST
    assert after.astimezone(UTC) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert schedule.next_occurrence(
        rule, anchor=anchor, after=datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    ).astimezone(UTC) == datetime(2026, 3, 28, 7, 0, tzinfo=UTC)  # 07:00 GMT


def test_a_due_definition_queues_a_run_and_moves_on(world) -> None:
    with freeze_time("2026-05-31 22:00:00"):
        definition = _definition(
            world, frequency_source="own", recurrence="FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7"
        )
    assert definition.next_due_at == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    with freeze_time("2026-06-01 06:01:00"):
        assert generation.schedule_due() == 1
        assert generation.schedule_due() == 0
    run = ReportRun.objects.get(definition=definition)
    assert run.scheduled
    assert run.requested_by is None
    definition.refresh_from_db()
    assert definition.next_due_at == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


def test_customer_contacts_receive_the_pdf(world, smtp_server) -> None:
    from rapport.notifications import services as notifications

    world.account.owner = world.user
    world.account.save()
    contact = ContactFactory(account=world.account)
    definition = _definition(
        world,
        audience="customer",
        formats=["web", "pdf", "email"],
        related={"accounts": [world.account.pk], "contact_recipients": [contact.pk]},
    )
    run = services.queue_run(actor=world.user, definition=definition)
    generation.generate_one(run.pk)
    run.refresh_from_db()
    services.approve_run(actor=world.user, run=run)
    delivery.deliver_approved()
    notifications.deliver_due()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == contact.email
    [attachment] = list(message.iter_attachments())
    content = attachment.get_content()
    assert content.startswith(b"%PDF")
    assert len(pdf_pages_non_blank(content)) > 0
    assert delivery.mark_delivered() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DELIVERED
