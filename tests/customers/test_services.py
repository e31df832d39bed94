import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rapport.core.models import AuditEvent, Role
from rapport.customers import services
from rapport.customers.models import Commitment, CommitmentStatus, Contact, DecisionRole
from tests.factories import ContactFactory, MembershipFactory, UserFactory


def test_create_account_writes_audit_with_field_names_only(world):
    account = services.create_account(
        actor=world.user,
        fields={"name": "Cobalt Retail", "team_id": world.team.pk, "annual_value": 50000},
    )
    event = AuditEvent.objects.get(object_type="customers.account", object_id=str(account.pk))
    assert event.action == "create"
    assert event.actor == world.user
    assert event.changed_fields == ["annual_value", "name", "team_id"]
    assert "Cobalt" not in str(event.changed_fields) + event.detail


def test_update_audits_only_changed_fields(world):
    changed = services.update_account(
        actor=world.user, account=world.account, changes={"name": "Acme Foods", "segment": "Food"}
    )
    assert changed == ["segment"]
    event = AuditEvent.objects.filter(action="update").get()
    assert event.changed_fields == ["segment"]


def test_other_team_and_read_only_roles_cannot_write(world):
    with pytest.raises(PermissionDenied):
        services.update_account(
            actor=world.other_user, account=world.account, changes={"tier": "growth"}
        )
    agent = UserFactory(username="agent1")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        services.create_related(
            actor=agent, model=Contact, account=world.account, fields={"name": "X"}
        )


def test_moving_account_needs_rights_in_target_team(world):
    with pytest.raises(PermissionDenied):
        services.update_account(
            actor=world.user, account=world.account, changes={"team_id": world.other_team.pk}
        )


def test_invalid_values_are_rejected_before_writing(world):
    with pytest.raises(ValidationError):
        services.create_account(actor=world.user, fields={"name": "", "team_id": world.team.pk})
    assert not AuditEvent.objects.exists()


def test_communication_updates_contact_recency(world):
    dm = ContactFactory(account=world.account, decision_role=DecisionRole.DECISION_MAKER)
    user_contact = ContactFactory(account=world.account, decision_role=DecisionRole.USER)
    old = timezone.now() - dt.timedelta(days=120)
    recent = timezone.now() - dt.timedelta(days=3)
    services.log_communication(
        actor=world.user,
        account=world.account,
        fields={"channel": "meeting", "occurred_at": old, "summary": "QBR"},
        contacts=[dm],
    )
    services.log_communication(
        actor=world.user,
        account=world.account,
        fields={"channel": "call", "occurred_at": recent, "summary": "Call"},
        contacts=[user_contact],
    )
    world.account.refresh_from_db()
    assert world.account.last_contact_at == recent
    assert world.account.last_decision_maker_contact_at == old
    dm.refresh_from_db()
    assert dm.last_contacted_at == old


def test_communication_rejects_contacts_of_another_account(world):
    stranger = ContactFactory(account=world.other_account)
    with pytest.raises(ValueError, match="must belong to this account"):
        services.log_communication(
            actor=world.user,
            account=world.account,
            fields={"channel": "call", "occurred_at": timezone.now(), "summary": "x"},
            contacts=[stranger],
        )


def test_closing_a_commitment_records_the_date(world):
    commitment = services.create_related(
        actor=world.user,
        model=Commitment,
        account=world.account,
        fields={"description": "Monthly report", "due_date": timezone.localdate()},
    )
    services.update_related(
        actor=world.user, instance=commitment, changes={"status": CommitmentStatus.KEPT}
    )
    assert commitment.closed_on == timezone.localdate()
    services.update_related(
        actor=world.user, instance=commitment, changes={"status": CommitmentStatus.OPEN}
    )
    assert commitment.closed_on is None


def test_delete_is_audited(world):
    contact = ContactFactory(account=world.account)
    services.delete_related(actor=world.user, instance=contact)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_type="customers.contact").exists()
