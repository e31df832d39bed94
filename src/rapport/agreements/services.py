"""Every write of agreements: expectation reviews and their alternatives, changes to agreements,
incidents with their accounts, notices to contacts, and notice templates. Access is checked,
cross-field rules raise a ValidationError naming the field, and each write is audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from rapport.actions.services import open_action
from rapport.agreements import templating
from rapport.agreements.models import (
    UNMET_OUTCOMES,
    AffectedAccount,
    AgreementChange,
    Alternative,
    ChangeSubject,
    ExpectationReview,
    Incident,
    Notice,
    NoticeStatus,
    NotificationTemplate,
    Outcome,
    TemplateKind,
)
from rapport.core.access import Actor, Capability, require
from rapport.core.models import AuditAction, Team, User
from rapport.core.services import (
    create_audited,
    delete_audited,
    record_audit,
    require_member,
    update_audited,
)
from rapport.customers.models import (
    Account,
    Channel,
    Communication,
    Contact,
    DecisionRole,
    Expectation,
    PreferredChannel,
)
from rapport.customers.services import refresh_contact_recency
from rapport.notifications.services import queue_email

# The contacts an incident's notice goes to by default, in the order they are told.
KEY_ROLES = (DecisionRole.DECISION_MAKER, DecisionRole.INFLUENCER, DecisionRole.SPONSOR)
# A notice through a channel other than e-mail is a task for the account owner, due this soon.
NOTICE_TASK_DAYS = {"low": 5, "medium": 3, "high": 1, "critical": 0}
# How a notice's channel is logged as a customers.Communication.
COMMUNICATION_CHANNEL = {
    PreferredChannel.EMAIL: Channel.EMAIL,
    PreferredChannel.PHONE: Channel.CALL,
    PreferredChannel.MEETING: Channel.MEETING,
    PreferredChannel.VIDEO: Channel.VIDEO,
    PreferredChannel.LETTER: Channel.LETTER,
    PreferredChannel.PORTAL: Channel.PORTAL,
}
ALTERNATIVE_FIELDS = (
    "description",
    "provider",
    "provider_name",
    "currency",
    "cost_to_us",
    "cost_to_us_note",
    "benefit_to_us",
    "benefit_to_us_note",
    "cost_to_customer",
    "cost_to_customer_note",
    "benefit_to_customer",
    "benefit_to_customer_note",
)
REVIEW_FIELDS = ("outcome", "evidence", "reviewed_on", "reasons_given", "agreed_outcome")
INCIDENT_FIELDS = (
    "title",
    "kind",
    "severity",
    "description",
    "started_at",
    "expected_end_at",
    "ended_at",
    "what_we_offer",
    "template",
)
TEMPLATE_FIELDS = ("name", "kind", "subject", "body")


def _only(data: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    return dict(data)


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


# --- expectation reviews ----------------------------------------------------------------------


def _check_review(fields: Mapping[str, Any]) -> None:
    reviewed_on = fields.get("reviewed_on")
    if reviewed_on is not None and reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": "A review cannot be dated in the future."})
    if fields.get("outcome") in UNMET_OUTCOMES and not (fields.get("reasons_given") or "").strip():
        raise ValidationError(
            {
                "reasons_given": "Give the reasons told to the customer when an expectation "
                "is not (fully) met."
            }
        )


def refresh_latest(expectation_id: int) -> None:
    """Mark the latest review of an expectation (by date, then entry order) and no other."""
    latest = (
        ExpectationReview.objects.filter(expectation_id=expectation_id)
        .order_by("-reviewed_on", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    stale = ExpectationReview.objects.filter(expectation_id=expectation_id, is_latest=True)
    if latest is not None:
        stale = stale.exclude(pk=latest)
    stale.update(is_latest=False)
    if latest is not None:
        ExpectationReview.objects.filter(pk=latest).update(is_latest=True)


@transaction.atomic
def record_review(
    *,
    actor: Actor,
    expectation: Expectation,
    fields: Mapping[str, Any],
    alternatives: Sequence[Mapping[str, Any]] = (),
    via: str = "web",
) -> ExpectationReview:
    """Review an expectation: met, partly met or not met, with evidence; one not (fully) met
    records the reasons given and may carry the alternatives offered."""
    account = expectation.account
    require(actor, Capability.REVIEW_EXPECTATIONS, account.team_id)
    data = {"reviewed_on": timezone.localdate(), **_only(fields, REVIEW_FIELDS)}
    _check_review(data)
    if alternatives and data.get("outcome") == Outcome.MET:
        raise ValidationError({"alternatives": "A met expectation needs no alternatives."})
    review = create_audited(
        actor=actor,
        model=ExpectationReview,
        fields={
            **data,
            "expectation": expectation,
            "account": account,
            "reviewed_by": _user(actor),
        },
        team_id=account.team_id,
        via=via,
    )
    for alternative in alternatives:
        add_alternative(actor=actor, review=review, fields=alternative, via=via)
    refresh_latest(expectation.pk)
    review.refresh_from_db()
    return review


@transaction.atomic
def update_review(
    *, actor: Actor, review: ExpectationReview, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    require(actor, Capability.REVIEW_EXPECTATIONS, review.account.team_id)
    data = _only(changes, REVIEW_FIELDS)
    stored = {name: getattr(review, name) for name in REVIEW_FIELDS}
    _check_review({**stored, **data})
    if data.get("outcome") == Outcome.MET and review.alternatives.exists():
        raise ValidationError(
            {"outcome": "Remove the alternatives offered before marking this review met."}
        )
    changed = update_audited(
        actor=actor, instance=review, changes=data, team_id=review.account.team_id, via=via
    )
    refresh_latest(review.expectation_id)
    return changed


@transaction.atomic
def delete_review(*, actor: Actor, review: ExpectationReview, via: str = "web") -> None:
    require(actor, Capability.REVIEW_EXPECTATIONS, review.account.team_id)
    expectation_id = review.expectation_id
    delete_audited(actor=actor, instance=review, team_id=review.account.team_id, via=via)
    refresh_latest(expectation_id)


def open_review_action(
    *,
    actor: Actor,
    review: ExpectationReview,
    owner: User,
    due_on: date,
    severity: str = "medium",
    source_url: str = "",
) -> int:
    """Open an improvement action for an expectation that is not (fully) met
    (actions.open_action, source_kind "expectation_review"); returns the action's id."""
    account = review.account
    require(actor, Capability.REVIEW_EXPECTATIONS, account.team_id)
    if review.outcome == Outcome.MET:
        raise ValidationError({"outcome": "An action is opened only for an unmet expectation."})
    if review.action_id is not None:
        raise ValidationError({"action": "An action was already opened for this review."})
    require_member(fields={"owner": owner}, name="owner", team_id=account.team_id)
    with transaction.atomic():
        action = open_action(
            actor=_user(actor),
            team=account.team,
            account=account,
            title=f"Expectation {review.get_outcome_display().lower()}: "
            f"{review.expectation.description[:120]}",
            description=f"Evidence: {review.evidence}\n\nReasons given: {review.reasons_given}",
            owner=owner,
            due_on=due_on,
            severity=severity,
            source_kind="expectation_review",
            source_ref=str(review.pk),
            source_url=source_url,
        )
        ExpectationReview.objects.filter(pk=review.pk).update(action_id=action.pk)
        review.action_id = action.pk
        record_audit(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=review,
            changed_fields=["action_id"],
            team_id=account.team_id,
        )
    return action.pk


# --- alternatives -----------------------------------------------------------------------------


def _alternative_team(alternative: Alternative) -> int:
    if alternative.review_id is not None:
        return alternative.review.account.team_id  # type: ignore[union-attr]
    return alternative.affected_account.incident.team_id  # type: ignore[union-attr]


def _alternative_account(
    review: ExpectationReview | None, affected: AffectedAccount | None
) -> Account:
    if (review is None) == (affected is None):
        raise ValueError("an alternative belongs to a review or to an affected account")
    return review.account if review is not None else affected.account  # type: ignore[union-attr]


@transaction.atomic
def add_alternative(
    *,
    actor: Actor,
    review: ExpectationReview | None = None,
    affected_account: AffectedAccount | None = None,
    fields: Mapping[str, Any],
    via: str = "web",
) -> Alternative:
    account = _alternative_account(review, affected_account)
    capability = Capability.REVIEW_EXPECTATIONS if review else Capability.MANAGE_INCIDENTS
    require(actor, capability, account.team_id)
    if review is not None and review.outcome == Outcome.MET:
        raise ValidationError({"review": "A met expectation needs no alternatives."})
    data = {"currency": account.currency, **_only(fields, ALTERNATIVE_FIELDS)}
    return create_audited(
        actor=actor,
        model=Alternative,
        fields={**data, "review": review, "affected_account": affected_account},
        team_id=account.team_id,
        via=via,
    )


@transaction.atomic
def update_alternative(
    *, actor: Actor, alternative: Alternative, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    team_id = _alternative_team(alternative)
    capability = (
        Capability.REVIEW_EXPECTATIONS if alternative.review_id else Capability.MANAGE_INCIDENTS
    )
    require(actor, capability, team_id)
    return update_audited(
        actor=actor,
        instance=alternative,
        changes=_only(changes, ALTERNATIVE_FIELDS),
        team_id=team_id,
        via=via,
    )


@transaction.atomic
def delete_alternative(*, actor: Actor, alternative: Alternative, via: str = "web") -> None:
    team_id = _alternative_team(alternative)
    capability = (
        Capability.REVIEW_EXPECTATIONS if alternative.review_id else Capability.MANAGE_INCIDENTS
    )
    require(actor, capability, team_id)
    delete_audited(actor=actor, instance=alternative, team_id=team_id, via=via)


@transaction.atomic
def choose_alternative(
    *, actor: Actor, alternative: Alternative, agreed_outcome: str = "", via: str = "web"
) -> Alternative:
    """Record the customer's choice: this alternative and no other of its review or affected
    account; what was agreed is written on the review or affected account."""
    team_id = _alternative_team(alternative)
    capability = (
        Capability.REVIEW_EXPECTATIONS if alternative.review_id else Capability.MANAGE_INCIDENTS
    )
    require(actor, capability, team_id)
    siblings = Alternative.objects.filter(
        review_id=alternative.review_id, affected_account_id=alternative.affected_account_id
    ).exclude(pk=alternative.pk)
    siblings.filter(chosen=True).update(chosen=False)
    update_audited(
        actor=actor, instance=alternative, changes={"chosen": True}, team_id=team_id, via=via
    )
    parent: ExpectationReview | AffectedAccount | None = (
        alternative.review if alternative.review_id else alternative.affected_account
    )
    if agreed_outcome and parent is not None:
        update_audited(
            actor=actor,
            instance=parent,
            changes={"agreed_outcome": agreed_outcome},
            team_id=team_id,
            via=via,
        )
    return alternative


# --- notices ----------------------------------------------------------------------------------


def key_contacts(account_ids: Iterable[int]) -> list[Contact]:
    """The key contacts of these accounts: decision makers, then influencers, then sponsors,
    by name (one query)."""
    rank = Case(
        *(When(decision_role=role, then=Value(i)) for i, role in enumerate(KEY_ROLES)),
        output_field=IntegerField(),
    )
    return list(
        Contact.objects.filter(account_id__in=list(account_ids), decision_role__in=KEY_ROLES)
        .select_related("account", "account__owner")
        .annotate(rank=rank)
        .order_by("account__name", "rank", "name")
    )


def _fmt_time(moment: datetime | None) -> str:
    if moment is None:
        return "not known yet"
    return timezone.localtime(moment).strftime("%d %b %Y %H:%M")


def _send_notice(
    *,
    actor: Actor,
    contact: Contact,
    team: Team,
    subject: str,
    body: str,
    due_on: date,
    about: Mapping[str, Any],
    via: str,
) -> Notice:
    """One notice through the contact's preferred channel: an e-mail queued at once; any other
    channel a task for the account owner; none at all without consent (recorded as skipped,
    with the reason) or without an address for an e-mail."""
    account = contact.account
    channel = contact.preferred_channel
    fields: dict[str, Any] = {
        **about,
        "account": account,
        "contact": contact,
        "channel": channel,
        "subject": subject,
        "body": body,
        "created_by": _user(actor),
    }
    if not contact.consent_contact:
        fields |= {"status": NoticeStatus.SKIPPED, "skip_reason": "no consent to be contacted"}
    elif channel == PreferredChannel.EMAIL and not contact.email:
        fields |= {"status": NoticeStatus.SKIPPED, "skip_reason": "no e-mail address"}
    elif channel == PreferredChannel.EMAIL:
        delivery = queue_email(
            to=[contact.email], subject=subject, body=body, team=team, reason="customer notice"
        )
        fields |= {
            "status": NoticeStatus.QUEUED,
            "email_delivery_id": delivery.pk,
            "done_at": timezone.now(),
            "done_by": _user(actor),
        }
    else:
        fields |= {"status": NoticeStatus.DUE, "assigned_to": account.owner, "due_on": due_on}
    return create_audited(
        actor=actor, model=Notice, fields=fields, team_id=account.team_id, via=via
    )


def _log_emailed(
    *, actor: Actor, account: Account, notices: Sequence[Notice], summary: str, via: str
) -> Communication | None:
    """One outbound e-mail Communication for the contacts of an account that were e-mailed."""
    emailed = [n for n in notices if n.status == NoticeStatus.QUEUED]
    if not emailed:
        return None
    communication = create_audited(
        actor=actor,
        model=Communication,
        fields={
            "account": account,
            "channel": Channel.EMAIL,
            "occurred_at": timezone.now(),
            "logged_by": _user(actor),
            "summary": summary[:2000],
        },
        team_id=account.team_id,
        via=via,
    )
    communication.contacts.set([n.contact for n in emailed])
    Notice.objects.filter(pk__in=[n.pk for n in emailed]).update(communication=communication)
    refresh_contact_recency(account)
    return communication


@transaction.atomic
def complete_notice(
    *,
    actor: Actor,
    notice: Notice,
    summary: str = "",
    occurred_at: datetime | None = None,
    via: str = "web",
) -> Notice:
    """The account owner told the contact through their channel: log the Communication and
    close the task."""
    account = notice.account
    capability = Capability.MANAGE_INCIDENTS if notice.incident_id else Capability.EDIT_RELATIONSHIP
    require(actor, capability, account.team_id)
    if notice.status != NoticeStatus.DUE:
        raise ValidationError({"status": "Only a notice still to do can be marked done."})
    when = occurred_at or timezone.now()
    if when > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"occurred_at": "A notice cannot be given in the future."})
    communication = create_audited(
        actor=actor,
        model=Communication,
        fields={
            "account": account,
            "channel": COMMUNICATION_CHANNEL[PreferredChannel(notice.channel)],
            "occurred_at": when,
            "logged_by": _user(actor),
            "summary": (summary or f"Told about: {notice.subject}")[:2000],
        },
        team_id=account.team_id,
        via=via,
    )
    communication.contacts.set([notice.contact])
    refresh_contact_recency(account)
    update_audited(
        actor=actor,
        instance=notice,
        changes={
            "status": NoticeStatus.DONE,
            "done_at": when,
            "done_by": _user(actor),
            "communication": communication,
        },
        team_id=account.team_id,
        via=via,
    )
    return notice


# --- changes to agreements --------------------------------------------------------------------


@transaction.atomic
def record_agreement_change(
    *,
    actor: Actor,
    account: Account,
    fields: Mapping[str, Any],
    contacts: Sequence[Contact],
    template: NotificationTemplate | None = None,
    via: str = "web",
) -> AgreementChange:
    """Record a change to what was agreed and tell the chosen contacts through their channels:
    e-mailed at once (logged as one Communication), a task for the owner otherwise."""
    require(actor, Capability.REVIEW_EXPECTATIONS, account.team_id)
    data = _only(
        fields,
        (
            "subject",
            "expectation",
            "commitment",
            "plan_version",
            "what_changed",
            "before",
            "after",
            "effective_on",
        ),
    )
    expectation, commitment = data.get("expectation"), data.get("commitment")
    if expectation is not None and expectation.account_id != account.pk:
        raise ValidationError({"expectation": "Choose an expectation of this account."})
    if commitment is not None and commitment.account_id != account.pk:
        raise ValidationError({"commitment": "Choose a commitment of this account."})
    plan_version = data.get("plan_version")
    if plan_version is not None and plan_version.plan.account_id != account.pk:
        raise ValidationError({"plan_version": "Choose a version of this account's plan."})
    if data.get("subject") == ChangeSubject.EXPECTATION and expectation is None:
        raise ValidationError({"expectation": "Say which expectation's terms changed."})
    if data.get("subject") == ChangeSubject.COMMITMENT and commitment is None:
        raise ValidationError({"commitment": "Say which commitment's terms changed."})
    if not contacts:
        raise ValidationError({"contacts": "Choose at least one contact to tell."})
    if any(c.account_id != account.pk for c in contacts):
        raise ValidationError({"contacts": "Every contact must belong to this account."})
    if template is not None and (
        template.team_id != account.team_id or template.kind != TemplateKind.AGREEMENT_CHANGE
    ):
        raise ValidationError({"template": "Choose an agreement-change template of this team."})
    change = create_audited(
        actor=actor,
        model=AgreementChange,
        fields={**data, "account": account, "created_by": _user(actor)},
        team_id=account.team_id,
        via=via,
    )
    notices = [
        _send_notice(
            actor=actor,
            contact=contact,
            team=account.team,
            due_on=timezone.localdate() + timedelta(days=NOTICE_TASK_DAYS["medium"]),
            about={"agreement_change": change},
            via=via,
            **change_message(change=change, contact=contact, template=template),
        )
        for contact in contacts
    ]
    communication = _log_emailed(
        actor=actor,
        account=account,
        notices=notices,
        summary=f"Change to the agreement: {change.what_changed}. Now: {change.after}",
        via=via,
    )
    if communication is not None:
        AgreementChange.objects.filter(pk=change.pk).update(communication=communication)
        change.communication = communication
    return change


def change_message(
    *, change: AgreementChange, contact: Contact, template: NotificationTemplate | None
) -> dict[str, str]:
    """Subject and body of the notice of an agreement change to one contact."""
    values = {
        "contact_name": contact.name,
        "account_name": change.account.name,
        "incident_title": change.what_changed,
        "start": change.effective_on.strftime("%d %b %Y"),
        "expected_end": "not known yet",
        "what_we_offer": change.after,
    }
    if template is not None:
        return {
            "subject": templating.render(template.subject, values)[:200],
            "body": templating.render(template.body, values),
        }
    before = f"Before: {change.before}\n" if change.before else ""
    return {
        "subject": f"A change to our agreement: {change.what_changed}"[:200],
        "body": (
            f"Dear {contact.name},\n\nWe write to tell you about a change to what we agreed "
            f"with {change.account.name}, taking effect on {values['start']}.\n\n"
            f"What changed: {change.what_changed}\n{before}Now: {change.after}\n\n"
            "Please reply if you have any questions."
        ),
    }


# --- incidents --------------------------------------------------------------------------------


def _check_incident_template(team_id: int, template: NotificationTemplate | None) -> None:
    if template is not None and (
        template.team_id != team_id or template.kind != TemplateKind.INCIDENT
    ):
        raise ValidationError({"template": "Choose an incident template of this team."})


def _team_accounts(team_id: int, account_ids: Iterable[int]) -> list[Account]:
    """The accounts with these ids, all of which must belong to the incident's team; another
    team's id is refused like a missing one (never revealing that it exists)."""
    ids = set(account_ids)
    accounts = list(Account.objects.filter(pk__in=ids, team_id=team_id))
    if len(accounts) != len(ids):
        raise ValidationError({"accounts": "Choose accounts of the incident's team."})
    return accounts


@transaction.atomic
def create_incident(
    *,
    actor: Actor,
    team: Team,
    fields: Mapping[str, Any],
    account_ids: Iterable[int] = (),
    via: str = "web",
) -> Incident:
    require(actor, Capability.MANAGE_INCIDENTS, team.pk)
    data = _only(fields, INCIDENT_FIELDS)
    _check_incident_template(team.pk, data.get("template"))
    accounts = _team_accounts(team.pk, account_ids)
    incident = create_audited(
        actor=actor,
        model=Incident,
        fields={**data, "team": team, "created_by": _user(actor)},
        team_id=team.pk,
        via=via,
    )
    for account in accounts:
        create_audited(
            actor=actor,
            model=AffectedAccount,
            fields={"incident": incident, "account": account},
            team_id=team.pk,
            via=via,
        )
    return incident


@transaction.atomic
def update_incident(
    *, actor: Actor, incident: Incident, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    require(actor, Capability.MANAGE_INCIDENTS, incident.team_id)
    data = _only(changes, INCIDENT_FIELDS)
    if "template" in data:
        _check_incident_template(incident.team_id, data["template"])
    return update_audited(
        actor=actor, instance=incident, changes=data, team_id=incident.team_id, via=via
    )


@transaction.atomic
def delete_incident(*, actor: Actor, incident: Incident, via: str = "web") -> None:
    require(actor, Capability.MANAGE_INCIDENTS, incident.team_id)
    delete_audited(actor=actor, instance=incident, team_id=incident.team_id, via=via)


@transaction.atomic
def set_affected_accounts(
    *, actor: Actor, incident: Incident, account_ids: Iterable[int], via: str = "web"
) -> list[AffectedAccount]:
    """Make these the incident's accounts: new ones added, others removed (with their
    alternatives; notices already given stay on the incident)."""
    require(actor, Capability.MANAGE_INCIDENTS, incident.team_id)
    accounts = _team_accounts(incident.team_id, account_ids)
    wanted = {a.pk for a in accounts}
    current = {a.account_id: a for a in incident.affected.all()}
    for account_id, affected in current.items():
        if account_id not in wanted:
            delete_audited(actor=actor, instance=affected, team_id=incident.team_id, via=via)
    for account in accounts:
        if account.pk not in current:
            create_audited(
                actor=actor,
                model=AffectedAccount,
                fields={"incident": incident, "account": account},
                team_id=incident.team_id,
                via=via,
            )
    return list(incident.affected.select_related("account"))


@transaction.atomic
def update_affected_account(
    *, actor: Actor, affected: AffectedAccount, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    require(actor, Capability.MANAGE_INCIDENTS, affected.incident.team_id)
    return update_audited(
        actor=actor,
        instance=affected,
        changes=_only(changes, ("impact", "agreed_outcome")),
        team_id=affected.incident.team_id,
        via=via,
    )


def incident_values(*, incident: Incident, contact: Contact) -> dict[str, str]:
    return {
        "contact_name": contact.name,
        "account_name": contact.account.name,
        "incident_title": incident.title,
        "start": _fmt_time(incident.started_at),
        "expected_end": _fmt_time(incident.expected_end_at),
        "what_we_offer": incident.what_we_offer or "we will keep you informed",
    }


def incident_message(
    *, incident: Incident, contact: Contact, template: NotificationTemplate
) -> dict[str, str]:
    """Subject and body of an incident's notice to one contact (also the preview)."""
    values = incident_values(incident=incident, contact=contact)
    return {
        "subject": templating.render(template.subject, values)[:200],
        "body": templating.render(template.body, values),
    }


@transaction.atomic
def notify_incident(
    *,
    actor: Actor,
    incident: Incident,
    template: NotificationTemplate,
    contact_ids: Iterable[int] | None = None,
    via: str = "web",
) -> list[Notice]:
    """Tell the key contacts of the incident's accounts (or the chosen ones among them) from
    the template, each through their preferred channel. A contact already told about this
    incident is not told again."""
    require(actor, Capability.MANAGE_INCIDENTS, incident.team_id)
    _check_incident_template(incident.team_id, template)
    account_ids = list(incident.affected.values_list("account_id", flat=True))
    if not account_ids:
        raise ValidationError({"accounts": "The incident affects no account yet."})
    contacts = key_contacts(account_ids)
    if contact_ids is not None:
        chosen = set(contact_ids)
        known = {c.pk for c in contacts}
        if not chosen <= known:
            raise ValidationError(
                {"contacts": "Choose key contacts of the accounts the incident affects."}
            )
        contacts = [c for c in contacts if c.pk in chosen]
    told = set(incident.notices.values_list("contact_id", flat=True))
    contacts = [c for c in contacts if c.pk not in told]
    if not contacts:
        raise ValidationError({"contacts": "Every chosen contact has already been told."})
    if incident.template_id != template.pk:
        Incident.objects.filter(pk=incident.pk).update(template=template)
        incident.template = template
    due_on = timezone.localdate() + timedelta(days=NOTICE_TASK_DAYS[incident.severity])
    notices = [
        _send_notice(
            actor=actor,
            contact=contact,
            team=incident.team,
            due_on=due_on,
            about={"incident": incident},
            via=via,
            **incident_message(incident=incident, contact=contact, template=template),
        )
        for contact in contacts
    ]
    by_account: dict[int, list[Notice]] = {}
    for notice in notices:
        by_account.setdefault(notice.account_id, []).append(notice)
    for account_notices in by_account.values():
        _log_emailed(
            actor=actor,
            account=account_notices[0].account,
            notices=account_notices,
            summary=f"Incident notice: {incident.title}",
            via=via,
        )
    return notices


# --- notice templates -------------------------------------------------------------------------


def _check_template(data: Mapping[str, Any]) -> None:
    for field in ("subject", "body"):
        if field in data:
            templating.check(data[field], field=field)


@transaction.atomic
def create_template(
    *, actor: Actor, team: Team, fields: Mapping[str, Any], via: str = "web"
) -> NotificationTemplate:
    require(actor, Capability.MANAGE_INCIDENTS, team.pk)
    data = _only(fields, TEMPLATE_FIELDS)
    _check_template(data)
    return create_audited(
        actor=actor,
        model=NotificationTemplate,
        fields={**data, "team": team},
        team_id=team.pk,
        via=via,
    )


@transaction.atomic
def update_template(
    *, actor: Actor, template: NotificationTemplate, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    require(actor, Capability.MANAGE_INCIDENTS, template.team_id)
    data = _only(changes, TEMPLATE_FIELDS)
    _check_template(data)
    return update_audited(
        actor=actor, instance=template, changes=data, team_id=template.team_id, via=via
    )


@transaction.atomic
def delete_template(*, actor: Actor, template: NotificationTemplate, via: str = "web") -> None:
    require(actor, Capability.MANAGE_INCIDENTS, template.team_id)
    delete_audited(actor=actor, instance=template, team_id=template.team_id, via=via)
