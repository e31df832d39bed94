"""Every write to accounts and the relationship around them. Access is checked here too."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone

from rapport.core.access import Actor, Capability, require
from rapport.core.services import (
    create_audited,
    delete_audited,
    reload_stored,
    require_member,
    update_audited,
)
from rapport.customers.models import (
    Account,
    AccountStakeholder,
    Commitment,
    CommitmentStatus,
    Communication,
    Contact,
    DecisionRole,
    Expectation,
)

M = TypeVar("M", bound=models.Model)


# --- accounts -------------------------------------------------------------------------------


# Apps above this one that keep a copy of an account's team (feedback's responses, whose
# external ids are unique within a team) register here in AppConfig.ready; each is called,
# inside the transaction, after an account has moved to another team, and may refuse the
# move with a ValidationError.
ACCOUNT_MOVED_HOOKS: list[Callable[[Account], None]] = []


def _team_in(fields: Mapping[str, Any]) -> int | None:
    return fields.get("team_id") or getattr(fields.get("team"), "pk", None)


@transaction.atomic
def create_account(*, actor: Actor, fields: Mapping[str, Any], via: str = "web") -> Account:
    team_id = _team_in(fields)
    require(actor, Capability.EDIT_ACCOUNTS, team_id)
    if team_id is not None:
        require_member(fields=fields, name="owner", team_id=team_id)
    return create_audited(actor=actor, model=Account, fields=fields, team_id=team_id, via=via)


@transaction.atomic
def update_account(
    *, actor: Actor, account: Account, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    reload_stored(account, changes)  # the access check needs the stored team, not a form's
    old_team = account.team_id
    require(actor, Capability.EDIT_ACCOUNTS, old_team)
    new_team = _team_in(changes) or old_team
    if new_team != old_team:
        require(actor, Capability.EDIT_ACCOUNTS, new_team)
    if new_team != old_team or "owner" in changes or "owner_id" in changes:
        owner = {"owner_id": account.owner_id, **changes}
        require_member(fields=owner, name="owner", team_id=new_team)
    changed = update_audited(
        actor=actor, instance=account, changes=changes, team_id=old_team, via=via
    )
    if account.team_id != old_team:
        account_moved(account)
    return changed


def account_moved(account: Account) -> None:
    """Let the apps that copy an account's team follow it (the caller holds the transaction)."""
    for hook in ACCOUNT_MOVED_HOOKS:
        hook(account)


@transaction.atomic
def delete_account(*, actor: Actor, account: Account, via: str = "web") -> None:
    require(actor, Capability.EDIT_ACCOUNTS, account.team_id)
    delete_audited(actor=actor, instance=account, team_id=account.team_id, via=via)


# --- things that belong to an account -------------------------------------------------------


# The people a record names from our side must be members of the account's team.
_MEMBER_FIELDS: dict[type[models.Model], str] = {Commitment: "owner", AccountStakeholder: "user"}


def _check_same_account(account: Account, fields: Mapping[str, Any], model: type) -> None:
    """Linked contacts and expectations must belong to the same account and linked users to
    its team (no cross-account or cross-team links)."""
    for name in ("raised_by", "respondent_contact"):
        contact = fields.get(name)
        if isinstance(contact, Contact) and contact.account_id != account.pk:
            raise ValueError(f"{name}: that contact belongs to another account")
    expectation = fields["expectation"] if "expectation" in fields else fields.get("expectation_id")
    if expectation is not None:
        expectation_id = getattr(expectation, "pk", expectation)
        if not Expectation.objects.filter(pk=expectation_id, account_id=account.pk).exists():
            raise ValidationError({"expectation": "Choose an expectation of this account."})
    if model in _MEMBER_FIELDS:
        require_member(fields=fields, name=_MEMBER_FIELDS[model], team_id=account.team_id)


def _commitment_dates(commitment: Commitment | None, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The closing date that goes with a commitment's status, and the refusal of a promise
    saved as open when its due date has passed. Only a due date or status being set counts:
    an open commitment that fell overdue may still have its wording edited."""
    stored = (
        Commitment.objects.filter(pk=commitment.pk).values("status", "due_date", "closed_on")[0]
        if commitment is not None
        else {"status": None, "due_date": None, "closed_on": None}
    )
    status = changes.get("status", stored["status"] or CommitmentStatus.OPEN)
    due_date = changes.get("due_date", stored["due_date"])
    today = timezone.localdate()
    being_set = stored["status"] != CommitmentStatus.OPEN or due_date != stored["due_date"]
    if status == CommitmentStatus.OPEN and due_date is not None and due_date < today and being_set:
        raise ValidationError(
            {
                "due_date": f"The due date {due_date:%d %b %Y} has passed: give a new date, "
                "or mark the commitment kept or broken."
            }
        )
    closing = status != CommitmentStatus.OPEN
    return {"closed_on": (stored["closed_on"] or today) if closing else None}


def _check_follow_up(occurred_at: Any, follow_up_due: Any) -> None:
    """A follow-up cannot fall due before the conversation it follows."""
    if occurred_at is None or follow_up_due is None:
        return
    occurred_on = timezone.localtime(occurred_at).date()
    if follow_up_due < occurred_on:
        raise ValidationError(
            {
                "follow_up_due": f"The follow-up is due before the communication "
                f"({occurred_on:%d %b %Y}): give a date on or after it."
            }
        )


@transaction.atomic
def create_related(
    *, actor: Actor, model: type[M], account: Account, fields: Mapping[str, Any], via: str = "web"
) -> M:
    """Create a contact, stakeholder, external party, expectation or commitment."""
    require(actor, Capability.EDIT_RELATIONSHIP, account.team_id)
    _check_same_account(account, fields, model)
    if model is Commitment:
        fields = {**fields, **_commitment_dates(None, fields)}
    return create_audited(
        actor=actor,
        model=model,
        fields={**fields, "account": account},
        team_id=account.team_id,
        via=via,
    )


@transaction.atomic
def update_related(
    *, actor: Actor, instance: models.Model, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    account: Account = instance.account  # type: ignore[attr-defined]
    require(actor, Capability.EDIT_RELATIONSHIP, account.team_id)
    _check_same_account(account, changes, type(instance))
    if isinstance(instance, Commitment):
        changes = {**changes, **_commitment_dates(instance, changes)}
    changed = update_audited(
        actor=actor, instance=instance, changes=changes, team_id=account.team_id, via=via
    )
    if isinstance(instance, Contact) and "decision_role" in changed:
        refresh_contact_recency(account)
    return changed


@transaction.atomic
def delete_related(*, actor: Actor, instance: models.Model, via: str = "web") -> None:
    account: Account = instance.account  # type: ignore[attr-defined]
    require(actor, Capability.EDIT_RELATIONSHIP, account.team_id)
    delete_audited(actor=actor, instance=instance, team_id=account.team_id, via=via)
    if isinstance(instance, Communication | Contact):
        refresh_contact_recency(account)


# --- communications -------------------------------------------------------------------------


# Apps above this one that act on a conversation with the customer (monitoring: a logged call
# or review completes the planned activity of that kind) register here in AppConfig.ready;
# each is called inside the transaction, after a communication is logged with its contacts.
COMMUNICATION_LOGGED_HOOKS: list[Callable[[Communication], None]] = []


@transaction.atomic
def log_communication(
    *,
    actor: Actor,
    account: Account,
    fields: Mapping[str, Any],
    contacts: list[Contact],
    via: str = "web",
) -> Communication:
    require(actor, Capability.EDIT_RELATIONSHIP, account.team_id)
    if any(c.account_id != account.pk for c in contacts):
        raise ValueError("contacts: every contact must belong to this account")
    _check_follow_up(fields.get("occurred_at"), fields.get("follow_up_due"))
    communication = create_audited(
        actor=actor,
        model=Communication,
        fields={"logged_by": actor, **fields, "account": account},
        team_id=account.team_id,
        via=via,
    )
    communication.contacts.set(contacts)
    refresh_contact_recency(account)
    for hook in COMMUNICATION_LOGGED_HOOKS:
        hook(communication)
    return communication


@transaction.atomic
def update_communication(
    *,
    actor: Actor,
    communication: Communication,
    changes: Mapping[str, Any],
    contacts: list[Contact] | None = None,
    via: str = "web",
) -> list[str]:
    account = communication.account
    require(actor, Capability.EDIT_RELATIONSHIP, account.team_id)
    _check_follow_up(
        changes.get("occurred_at", communication.occurred_at),
        changes.get("follow_up_due", communication.follow_up_due),
    )
    changed = update_audited(
        actor=actor, instance=communication, changes=changes, team_id=account.team_id, via=via
    )
    if contacts is not None:
        if any(c.account_id != account.pk for c in contacts):
            raise ValueError("contacts: every contact must belong to this account")
        if {c.pk for c in contacts} != set(communication.contacts.values_list("pk", flat=True)):
            communication.contacts.set(contacts)
            changed.append("contacts")
    refresh_contact_recency(account)
    return changed


def refresh_contact_recency(account: Account) -> None:
    """Recompute the denormalised last-contact dates of an account and its contacts."""
    recent = Communication.objects.filter(account=account).aggregate(
        last=Max("occurred_at"),
        last_dm=Max("occurred_at", filter=Q(contacts__decision_role=DecisionRole.DECISION_MAKER)),
    )
    Account.objects.filter(pk=account.pk).update(
        last_contact_at=recent["last"], last_decision_maker_contact_at=recent["last_dm"]
    )
    account.last_contact_at = recent["last"]
    account.last_decision_maker_contact_at = recent["last_dm"]
    per_contact = dict(
        Contact.objects.filter(account=account)
        .annotate(last=Max("communications__occurred_at"))
        .values_list("pk", "last")
    )
    changed = [Contact(pk=pk, last_contacted_at=last) for pk, last in per_contact.items()]
    Contact.objects.bulk_update(changed, ["last_contacted_at"], batch_size=500)
