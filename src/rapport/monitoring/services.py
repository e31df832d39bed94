"""Every write to monitoring plans: drafts and their contents, the version lifecycle, templates
and the customer's change requests. Access is checked and an audit event written here.

Lifecycle: draft → proposed → agreed → superseded. Only a draft is edited; "new version"
copies the version in force (or the latest) into a draft; agreeing a version supersedes the
one agreed before, and the schedule follows the new version (`scheduling.reschedule`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from rapport.analytics.control.charts import CHART_METRICS
from rapport.analytics.control.services import set_control_baseline
from rapport.core.access import Actor, Capability, require
from rapport.core.models import AuditAction, Membership
from rapport.core.services import (
    create_audited,
    delete_audited,
    record_audit,
    require_member,
    update_audited,
)
from rapport.customers.models import Account, Contact, ExternalParty
from rapport.monitoring import recurrence
from rapport.monitoring.models import (
    ChangeRequestStatus,
    Kpi,
    MonitoringPlan,
    PlanChangeRequest,
    PlanMethod,
    PlanReport,
    PlanStatus,
    PlanTemplate,
    PlanVersion,
)
from rapport.monitoring.scheduling import reschedule

log = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)

# Called inside `agree`'s transaction once a version is agreed, with the version it superseded
# (None for a plan's first agreement) and the channel: apps above keep what belongs to a version
# in force with it (alerts: the plan's rules carry over, decision 142).
VersionAgreedHook = Callable[[Actor, PlanVersion, PlanVersion | None, str], object]
VERSION_AGREED_HOOKS: list[VersionAgreedHook] = []


def on_version_agreed(hook: VersionAgreedHook) -> None:
    if hook not in VERSION_AGREED_HOOKS:
        VERSION_AGREED_HOOKS.append(hook)


VERSION_TEXT_FIELDS = (
    "objectives",
    "information_needs",
    "quantitative_needs",
    "communication_plan",
    "trigger_criteria",
    "internal_notes",
)
VERSION_EDITABLE = (*VERSION_TEXT_FIELDS, "target_margin_percent")
METHOD_FIELDS = (
    "kind",
    "formal",
    "title",
    "recurrence",
    "starts_on",
    "due_time",
    "on_time_days",
    "owner",
    "technology",
    "cost",
    "currency",
)
METHOD_PEOPLE = ("our_stakeholders", "customer_contacts", "external_parties")
KPI_FIELDS = ("metric", "target", "tolerance", "direction", "baseline_start", "baseline_end")
REPORT_FIELDS = ("report_type", "audience", "recurrence", "extra_recipients")
REPORT_PEOPLE = ("recipient_users", "recipient_contacts")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


# --- plans and drafts -----------------------------------------------------------------------


def _require_draft(version: PlanVersion) -> None:
    if version.status != PlanStatus.DRAFT:
        raise ValidationError(
            {
                "status": f"Version {version.number} is {version.get_status_display().lower()}: "
                "only a draft can be changed. Start a new version."
            }
        )


def _next_number(plan: MonitoringPlan) -> int:
    return (plan.versions.aggregate(top=Max("number"))["top"] or 0) + 1


@transaction.atomic
def start_plan(
    *, actor: Actor, account: Account, use_template: bool = True, via: str = "web"
) -> PlanVersion:
    """The account's plan with a first draft, from its tier's template when asked and one
    exists. An account that has a plan gets a ValidationError (use `new_version`)."""
    require(actor, Capability.EDIT_PLANS, account.team_id)
    if MonitoringPlan.objects.filter(account_id=account.pk).exists():
        raise ValidationError({"account": "This account already has a monitoring plan."})
    plan = create_audited(
        actor=actor,
        model=MonitoringPlan,
        fields={
            "account": account,
            "team_id": account.team_id,
            "created_by": actor if actor.is_authenticated else None,
        },
        team_id=account.team_id,
        via=via,
    )
    template = PlanTemplate.objects.filter(tier=account.tier).first() if use_template else None
    version = create_audited(
        actor=actor,
        model=PlanVersion,
        fields={
            "plan": plan,
            "number": 1,
            "created_by": actor if actor.is_authenticated else None,
            "template": template,
            **({k: getattr(template, k) for k in VERSION_TEXT_FIELDS[:-1]} if template else {}),
        },
        team_id=account.team_id,
        via=via,
    )
    if template is not None:
        _copy_template_items(template, version, account)
    return version


def _copy_template_items(template: PlanTemplate, version: PlanVersion, account: Account) -> None:
    """The template's methods, KPIs and reports into the draft; methods owned by the account's
    owner, since a template names no people."""
    for item in template.methods:
        fields = {k: v for k, v in item.items() if k in METHOD_FIELDS and k != "owner"}
        fields["recurrence"] = recurrence.normalise(fields.get("recurrence", ""))
        method = PlanMethod(version=version, owner_id=account.owner_id, **fields)
        method.full_clean()
        method.save()
    for item in template.kpis:
        kpi = Kpi(version=version, **{k: v for k, v in item.items() if k in KPI_FIELDS})
        kpi.full_clean()
        kpi.save()
    for item in template.reports:
        report = PlanReport(
            version=version, **{k: v for k, v in item.items() if k in REPORT_FIELDS}
        )
        report.full_clean()
        report.save()


@transaction.atomic
def update_draft(
    *, actor: Actor, version: PlanVersion, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    require(actor, Capability.EDIT_PLANS, version.plan.team_id)
    _require_draft(version)
    unknown = set(changes) - set(VERSION_EDITABLE)
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationError({name: "This field cannot be changed here."})
    return update_audited(
        actor=actor, instance=version, changes=changes, team_id=version.plan.team_id, via=via
    )


@transaction.atomic
def new_version(
    *,
    actor: Actor,
    plan: MonitoringPlan,
    change_requests: Sequence[PlanChangeRequest] = (),
    via: str = "web",
) -> PlanVersion:
    """A draft copied from the version in force (else the latest), citing the customer's
    change requests it takes in."""
    require(actor, Capability.EDIT_PLANS, plan.team_id)
    if plan.versions.filter(status__in=[PlanStatus.DRAFT, PlanStatus.PROPOSED]).exists():
        raise ValidationError(
            {"status": "This plan already has a draft or proposed version: change that one."}
        )
    source = (
        plan.versions.filter(status=PlanStatus.AGREED).first()
        or plan.versions.order_by("-number").first()
    )
    fields: dict[str, Any] = {
        "plan": plan,
        "number": _next_number(plan),
        "based_on": source,
        "created_by": actor if actor.is_authenticated else None,
    }
    if source is not None:
        fields.update({k: getattr(source, k) for k in VERSION_EDITABLE})
        fields["template"] = source.template
    draft = create_audited(
        actor=actor, model=PlanVersion, fields=fields, team_id=plan.team_id, via=via
    )
    if source is not None:
        _copy_items(source, draft)
    for request in change_requests:
        if request.plan_id != plan.pk:
            raise ValidationError({"change_requests": "Choose change requests of this plan."})
        if request.status != ChangeRequestStatus.OPEN:
            raise ValidationError(
                {"change_requests": "Only open change requests can be taken into a draft."}
            )
        update_audited(
            actor=actor,
            instance=request,
            changes={"status": ChangeRequestStatus.IN_DRAFT, "version": draft},
            team_id=plan.team_id,
            via=via,
        )
    return draft


def _copy_items(source: PlanVersion, draft: PlanVersion) -> None:
    """Methods, KPIs and reports with their people, keeping each one's lineage."""
    for method in source.methods.prefetch_related(*METHOD_PEOPLE):
        people = {name: list(getattr(method, name).all()) for name in METHOD_PEOPLE}
        method.pk = None
        method.version = draft
        method.save()
        for name, values in people.items():
            getattr(method, name).set(values)
    for kpi in source.kpis.all():
        kpi.pk = None
        kpi.version = draft
        kpi.save()
    for report in source.reports.prefetch_related(*REPORT_PEOPLE):
        people = {name: list(getattr(report, name).all()) for name in REPORT_PEOPLE}
        report.pk = None
        report.version = draft
        report.save()
        for name, values in people.items():
            getattr(report, name).set(values)


@transaction.atomic
def discard_draft(*, actor: Actor, version: PlanVersion, via: str = "web") -> None:
    require(actor, Capability.EDIT_PLANS, version.plan.team_id)
    _require_draft(version)
    PlanChangeRequest.objects.filter(version=version).update(
        status=ChangeRequestStatus.OPEN, version=None
    )
    delete_audited(actor=actor, instance=version, team_id=version.plan.team_id, via=via)


# --- lifecycle ------------------------------------------------------------------------------


def _transition(
    actor: Actor, version: PlanVersion, changes: dict[str, Any], detail: str, via: str
) -> None:
    update_audited(
        actor=actor, instance=version, changes=changes, team_id=version.plan.team_id, via=via
    )
    record_audit(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=version,
        changed_fields=["status"],
        team_id=version.plan.team_id,
        via=via,
        detail=detail,
    )


@transaction.atomic
def propose(*, actor: Actor, version: PlanVersion, via: str = "web") -> PlanVersion:
    """Draft → proposed: the version goes to the customer and is no longer edited."""
    require(actor, Capability.AGREE_PLANS, version.plan.team_id)
    _require_draft(version)
    if not version.methods.exists():
        raise ValidationError({"methods": "Add at least one monitoring method before proposing."})
    _transition(
        actor,
        version,
        {
            "status": PlanStatus.PROPOSED,
            "proposed_at": timezone.now(),
            "proposed_by": actor if actor.is_authenticated else None,
        },
        f"v{version.number} draft → proposed",
        via,
    )
    return version


@transaction.atomic
def withdraw(*, actor: Actor, version: PlanVersion, via: str = "web") -> PlanVersion:
    """Proposed → draft, to change it after the customer's comments."""
    require(actor, Capability.AGREE_PLANS, version.plan.team_id)
    if version.status != PlanStatus.PROPOSED:
        raise ValidationError({"status": "Only a proposed version can go back to draft."})
    _transition(
        actor,
        version,
        {"status": PlanStatus.DRAFT, "proposed_at": None, "proposed_by": None},
        f"v{version.number} proposed → draft",
        via,
    )
    return version


@transaction.atomic
def agree(
    *,
    actor: Actor,
    version: PlanVersion,
    agreed_with: Contact | None,
    agreed_at: datetime | None = None,
    evidence: UploadedFile | None = None,
    evidence_reference: str = "",
    via: str = "web",
) -> list[str]:
    """Proposed → agreed, signed off by a contact of the account, with evidence (a file or a
    reference). The version agreed before is superseded and the schedule follows this one.
    Returns notes on the KPIs' control baselines that could not be set (too few responses)."""
    plan = version.plan
    require(actor, Capability.AGREE_PLANS, plan.team_id)
    if version.status != PlanStatus.PROPOSED:
        raise ValidationError(
            {"status": "Only a proposed version can be agreed: propose it first."}
        )
    if agreed_with is None:
        raise ValidationError({"agreed_with": "Name the customer's contact who agreed the plan."})
    if agreed_with.account_id != plan.account_id:
        raise ValidationError({"agreed_with": "Choose a contact of this account."})
    agreed_at = agreed_at or timezone.now()
    if agreed_at > timezone.now():
        raise ValidationError({"agreed_at": "The agreement cannot be in the future."})
    if evidence is None and not evidence_reference.strip():
        raise ValidationError(
            {"evidence": "Attach the evidence of the agreement or give its reference."}
        )
    previous = plan.versions.filter(status=PlanStatus.AGREED).first()
    if previous is not None:
        _transition(
            actor,
            previous,
            {"status": PlanStatus.SUPERSEDED, "superseded_at": agreed_at},
            f"v{previous.number} agreed → superseded by v{version.number}",
            via,
        )
    changes: dict[str, Any] = {
        "status": PlanStatus.AGREED,
        "agreed_with": agreed_with,
        "agreed_with_name": agreed_with.name,
        "agreed_at": agreed_at,
        "agreed_by": actor if actor.is_authenticated else None,
        "evidence_reference": evidence_reference.strip(),
    }
    if evidence is not None:
        version.evidence.save(evidence.name or "evidence", evidence, save=False)
    _transition(
        actor, version, changes, f"v{version.number} proposed → agreed with {agreed_with.pk}", via
    )
    PlanChangeRequest.objects.filter(version=version).update(status=ChangeRequestStatus.AGREED)
    for hook in VERSION_AGREED_HOOKS:
        hook(actor, version, previous, via)
    notes = apply_kpi_baselines(actor=actor, version=version, via=via)
    reschedule(plan=plan, since=agreed_at)
    return notes


def apply_kpi_baselines(*, actor: Actor, version: PlanVersion, via: str = "web") -> list[str]:
    """Agree control-chart limits from each KPI's baseline window (analytics keeps them);
    returns why any could not be set."""
    notes = []
    account = version.plan.account
    for kpi in version.kpis.all():
        if kpi.metric not in CHART_METRICS or not (kpi.baseline_start and kpi.baseline_end):
            continue
        try:
            with transaction.atomic():
                set_control_baseline(
                    actor=actor,
                    account=account,
                    metric=kpi.metric,
                    baseline_start=kpi.baseline_start,
                    baseline_end=kpi.baseline_end,
                    via=via,
                )
        except ValueError as error:
            notes.append(f"{kpi.metric}: control limits not set ({error})")
    return notes


# --- methods, KPIs and reports of a draft ---------------------------------------------------


def _check_people(account: Account, people: Mapping[str, Iterable[Any]]) -> None:
    team_members = set(
        Membership.objects.filter(team_id=account.team_id, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    for name, values in people.items():
        for value in values:
            if isinstance(value, Contact) and value.account_id != account.pk:
                raise ValidationError({name: "Choose contacts of this account."})
            if isinstance(value, ExternalParty) and value.account_id != account.pk:
                raise ValidationError({name: "Choose external parties of this account."})
            if not isinstance(value, Contact | ExternalParty) and value.pk not in team_members:
                raise ValidationError({name: "Choose active members of the account's team."})


def _clean_item(model: type[models.Model], fields: dict[str, Any]) -> dict[str, Any]:
    if "recurrence" in fields:
        fields["recurrence"] = recurrence.normalise(str(fields["recurrence"] or ""))
    for key_field in ("metric", "report_type"):
        if key_field in fields and not KEY_PATTERN.match(str(fields[key_field] or "")):
            raise ValidationError(
                {key_field: "Use a key of lower-case letters, digits and underscores."}
            )
    if "currency" in fields and not re.fullmatch(r"[A-Z]{3}", str(fields["currency"])):
        raise ValidationError({"currency": "Give a three-letter currency code, e.g. GBP."})
    return fields


_ITEM_FIELDS: dict[type[models.Model], tuple[tuple[str, ...], tuple[str, ...]]] = {
    PlanMethod: (METHOD_FIELDS, METHOD_PEOPLE),
    Kpi: (KPI_FIELDS, ()),
    PlanReport: (REPORT_FIELDS, REPORT_PEOPLE),
}


def _split(model: type[models.Model], data: Mapping[str, Any]) -> tuple[dict, dict]:
    plain, people = _ITEM_FIELDS[model]
    fields, links = {}, {}
    for name, value in data.items():
        if name in people:
            links[name] = list(value)
        elif name in plain or (name.endswith("_id") and name[:-3] in plain):
            fields[name] = value
        else:
            raise ValidationError({name: "Not a field of this item."})
    return fields, links


@transaction.atomic
def add_item(
    *, actor: Actor, version: PlanVersion, model: type[M], data: Mapping[str, Any], via: str = "web"
) -> M:
    """Add a method, KPI or report to a draft; people (stakeholders, contacts, external
    parties, recipients) as lists of objects under their field names."""
    plan = version.plan
    require(actor, Capability.EDIT_PLANS, plan.team_id)
    _require_draft(version)
    fields, links = _split(model, data)
    fields = _clean_item(model, fields)
    if "owner" in fields or "owner_id" in fields:
        require_member(fields=fields, name="owner", team_id=plan.team_id)
    _check_people(plan.account, links)
    item = create_audited(
        actor=actor,
        model=model,
        fields={**fields, "version": version},
        team_id=plan.team_id,
        via=via,
    )
    for name, values in links.items():
        getattr(item, name).set(values)
    return item


@transaction.atomic
def update_item(
    *, actor: Actor, item: models.Model, data: Mapping[str, Any], via: str = "web"
) -> list[str]:
    version: PlanVersion = item.version  # type: ignore[attr-defined]
    plan = version.plan
    require(actor, Capability.EDIT_PLANS, plan.team_id)
    _require_draft(version)
    fields, links = _split(type(item), data)
    fields = _clean_item(type(item), fields)
    if "owner" in fields or "owner_id" in fields:
        require_member(fields=fields, name="owner", team_id=plan.team_id)
    _check_people(plan.account, links)
    changed = update_audited(
        actor=actor, instance=item, changes=fields, team_id=plan.team_id, via=via
    )
    for name, values in links.items():
        manager = getattr(item, name)
        if {v.pk for v in values} != set(manager.values_list("pk", flat=True)):
            manager.set(values)
            changed.append(name)
    if links and set(changed) & set(links):
        record_audit(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=item,
            changed_fields=sorted(set(changed) & set(links)),
            team_id=plan.team_id,
            via=via,
        )
    return changed


@transaction.atomic
def delete_item(*, actor: Actor, item: models.Model, via: str = "web") -> None:
    version: PlanVersion = item.version  # type: ignore[attr-defined]
    require(actor, Capability.EDIT_PLANS, version.plan.team_id)
    _require_draft(version)
    delete_audited(actor=actor, instance=item, team_id=version.plan.team_id, via=via)


# --- change requests ------------------------------------------------------------------------


@transaction.atomic
def record_change_request(
    *,
    actor: Actor,
    plan: MonitoringPlan,
    requested_by: Contact | None,
    requested_on: date,
    description: str,
    via: str = "web",
) -> PlanChangeRequest:
    """The customer asked to change the plan (who, when, what)."""
    require(actor, Capability.EDIT_PLANS, plan.team_id)
    if requested_by is not None and requested_by.account_id != plan.account_id:
        raise ValidationError({"requested_by": "Choose a contact of this account."})
    if requested_on > timezone.localdate():
        raise ValidationError({"requested_on": "The request cannot be dated in the future."})
    if not description.strip():
        raise ValidationError({"description": "Say what the customer asked to change."})
    return create_audited(
        actor=actor,
        model=PlanChangeRequest,
        fields={
            "plan": plan,
            "requested_by": requested_by,
            "requested_by_name": requested_by.name if requested_by else "",
            "requested_on": requested_on,
            "description": description.strip(),
            "recorded_by": actor if actor.is_authenticated else None,
        },
        team_id=plan.team_id,
        via=via,
    )


@transaction.atomic
def decline_change_request(
    *, actor: Actor, change_request: PlanChangeRequest, response: str, via: str = "web"
) -> PlanChangeRequest:
    require(actor, Capability.EDIT_PLANS, change_request.plan.team_id)
    if change_request.status != ChangeRequestStatus.OPEN:
        raise ValidationError({"status": "Only an open request can be declined."})
    if not response.strip():
        raise ValidationError({"response": "Say what the customer was told."})
    update_audited(
        actor=actor,
        instance=change_request,
        changes={"status": ChangeRequestStatus.DECLINED, "response": response.strip()},
        team_id=change_request.plan.team_id,
        via=via,
    )
    return change_request


# --- templates ------------------------------------------------------------------------------


@transaction.atomic
def save_template(
    *, actor: Actor, tier: str, fields: Mapping[str, Any], via: str = "web"
) -> PlanTemplate:
    """Create or replace the template of a tier (organisation-wide: managers)."""
    require(actor, Capability.MANAGE_PLAN_TEMPLATES, None)
    for item in fields.get("methods", []):
        recurrence.normalise(str(item.get("recurrence", "")), field="methods")
    existing = PlanTemplate.objects.filter(tier=tier).first()
    if existing is None:
        return create_audited(
            actor=actor, model=PlanTemplate, fields={**fields, "tier": tier}, team_id=None, via=via
        )
    update_audited(actor=actor, instance=existing, changes=fields, team_id=None, via=via)
    return existing
