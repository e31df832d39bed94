"""/api/v1/ endpoints for monitoring plans, their versions and contents, schedules, adherence
and the methods' evaluation. The same services as the pages; another team's ids are 404."""

import base64
import binascii
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import create_model

from rapport.core.api import Message, call_service
from rapport.core.models import Membership
from rapport.customers.models import Contact, ExternalParty
from rapport.customers.selectors import accounts_for, get_account
from rapport.monitoring import diff as plan_diff
from rapport.monitoring import evaluation, recurrence, scheduling, selectors, services
from rapport.monitoring.models import Kpi, PlanMethod, PlanReport, PlanVersion

router = Router(tags=["monitoring"])
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


# --- schemas --------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    account: int = Field(..., alias="account_id")
    team: int = Field(..., alias="team_id")
    scheduled_until: datetime | None
    next_due_at: datetime | None


class MethodOut(Schema):
    id: int
    version: int = Field(..., alias="version_id")
    lineage: UUID
    kind: str
    formal: bool
    title: str
    recurrence: str
    recurrence_text: str
    starts_on: date | None
    due_time: time
    on_time_days: int
    owner: int | None = Field(None, alias="owner_id")
    our_stakeholders: list[int]
    customer_contacts: list[int]
    external_parties: list[int]
    technology: str
    cost: Decimal
    currency: str

    @staticmethod
    def resolve_recurrence_text(obj: PlanMethod) -> str:
        return recurrence.describe(obj.recurrence)

    @staticmethod
    def resolve_our_stakeholders(obj: PlanMethod) -> list[int]:
        return [u.pk for u in obj.our_stakeholders.all()]

    @staticmethod
    def resolve_customer_contacts(obj: PlanMethod) -> list[int]:
        return [c.pk for c in obj.customer_contacts.all()]

    @staticmethod
    def resolve_external_parties(obj: PlanMethod) -> list[int]:
        return [p.pk for p in obj.external_parties.all()]


class CustomerMethodOut(Schema):
    kind: str
    formal: bool
    title: str
    recurrence_text: str
    technology: str

    @staticmethod
    def resolve_recurrence_text(obj: PlanMethod) -> str:
        return recurrence.describe(obj.recurrence)


class KpiOut(Schema):
    id: int
    version: int = Field(..., alias="version_id")
    lineage: UUID
    metric: str
    target: float
    tolerance: float
    direction: str
    baseline_start: date | None
    baseline_end: date | None


class CustomerKpiOut(Schema):
    metric: str
    target: float
    tolerance: float
    direction: str


class ReportOut(Schema):
    id: int
    version: int = Field(..., alias="version_id")
    lineage: UUID
    report_type: str
    audience: str
    recurrence: str
    recurrence_text: str
    recipient_users: list[int]
    recipient_contacts: list[int]
    extra_recipients: str
    recipients: list[str]

    @staticmethod
    def resolve_recurrence_text(obj: PlanReport) -> str:
        return recurrence.describe(obj.recurrence)

    @staticmethod
    def resolve_recipient_users(obj: PlanReport) -> list[int]:
        return [u.pk for u in obj.recipient_users.all()]

    @staticmethod
    def resolve_recipient_contacts(obj: PlanReport) -> list[int]:
        return [c.pk for c in obj.recipient_contacts.all()]


class CustomerReportOut(Schema):
    report_type: str
    recurrence_text: str

    @staticmethod
    def resolve_recurrence_text(obj: PlanReport) -> str:
        return recurrence.describe(obj.recurrence)


class VersionSummaryOut(Schema):
    id: int
    plan: int = Field(..., alias="plan_id")
    number: int
    status: str
    agreed_at: datetime | None
    agreed_with_name: str
    superseded_at: datetime | None
    created_at: datetime


class VersionOut(VersionSummaryOut):
    based_on: int | None = Field(None, alias="based_on_id")
    objectives: str
    information_needs: str
    quantitative_needs: str
    communication_plan: str
    trigger_criteria: str
    internal_notes: str
    target_margin_percent: Decimal | None
    proposed_at: datetime | None
    agreed_with: int | None = Field(None, alias="agreed_with_id")
    agreed_by: int | None = Field(None, alias="agreed_by_id")
    evidence_reference: str
    evidence_file: str
    change_requests: list[int]
    methods: list[MethodOut]
    kpis: list[KpiOut]
    reports: list[ReportOut]

    @staticmethod
    def resolve_evidence_file(obj: PlanVersion) -> str:
        return obj.evidence.name or ""

    @staticmethod
    def resolve_change_requests(obj: PlanVersion) -> list[int]:
        return [c.pk for c in obj.change_requests.all()]


class CustomerVersionOut(Schema):
    """What the customer sees: no cost, margin or internal notes."""

    number: int
    status: str
    agreed_at: datetime | None
    agreed_with_name: str
    objectives: str
    information_needs: str
    quantitative_needs: str
    communication_plan: str
    trigger_criteria: str
    methods: list[CustomerMethodOut]
    kpis: list[CustomerKpiOut]
    reports: list[CustomerReportOut]

    @staticmethod
    def resolve_reports(obj: PlanVersion) -> list[PlanReport]:
        return [r for r in obj.reports.all() if r.audience == "customer"]


class VersionPatch(Schema):
    objectives: str | None = None
    information_needs: str | None = None
    quantitative_needs: str | None = None
    communication_plan: str | None = None
    trigger_criteria: str | None = None
    internal_notes: str | None = None
    target_margin_percent: Decimal | None = None


class StartIn(Schema):
    use_template: bool = True


class NewVersionIn(Schema):
    change_requests: list[int] = []


class AgreeIn(Schema):
    agreed_with: int
    agreed_at: datetime | None = None
    evidence_reference: str = ""
    evidence_name: str = ""
    evidence_base64: str = Field("", description="The evidence file, base64-encoded (≤ 10 MB)")


class MethodIn(Schema):
    kind: str
    recurrence: str
    formal: bool = True
    title: str = ""
    starts_on: date | None = None
    due_time: time = time(9)
    on_time_days: int = Field(3, ge=0, le=90)
    owner: int | None = None
    our_stakeholders: list[int] = []
    customer_contacts: list[int] = []
    external_parties: list[int] = []
    technology: str = ""
    cost: Decimal = Decimal(0)
    currency: str = "GBP"


class KpiIn(Schema):
    metric: str
    target: float
    tolerance: float = 0
    direction: str = "higher"
    baseline_start: date | None = None
    baseline_end: date | None = None


class ReportIn(Schema):
    report_type: str
    audience: str
    recurrence: str
    recipient_users: list[int] = []
    recipient_contacts: list[int] = []
    extra_recipients: str = ""


def _patch_of(schema: type[Schema]) -> type[Schema]:
    fields = {k: (v.annotation | None, None) for k, v in schema.model_fields.items()}  # type: ignore[operator]
    return create_model(f"{schema.__name__[:-2]}Patch", __base__=Schema, **fields)  # type: ignore[call-overload]


MethodPatch = _patch_of(MethodIn)
KpiPatch = _patch_of(KpiIn)
ReportPatch = _patch_of(ReportIn)


class ChangeRequestIn(Schema):
    description: str = Field(..., min_length=1)
    requested_on: date
    requested_by: int | None = None


class ChangeRequestOut(Schema):
    id: int
    plan: int = Field(..., alias="plan_id")
    requested_by: int | None = Field(None, alias="requested_by_id")
    requested_by_name: str
    requested_on: date
    description: str
    status: str
    version: int | None = Field(None, alias="version_id")
    response: str
    recorded_at: datetime


class DeclineIn(Schema):
    response: str = Field(..., min_length=1)


class ActivityOut(Schema):
    id: int
    account: int = Field(..., alias="account_id")
    plan: int = Field(..., alias="plan_id")
    method: int = Field(..., alias="method_id")
    kind: str
    due_at: datetime
    late_after: datetime
    owner: int | None = Field(None, alias="owner_id")
    status: str
    state: str
    done_at: datetime | None
    done_by: int | None = Field(None, alias="done_by_id")
    done_on_time: bool | None
    completed_via: str
    note: str
    source_ref: str
    invited: int | None
    responses: int | None

    @staticmethod
    def resolve_state(obj: Any) -> str:
        return selectors.overdue_text(obj)


class ActivityFilters(Schema):
    account: int | None = None
    status: str | None = None
    start: date | None = None
    end: date | None = None


class CompleteIn(Schema):
    done_at: datetime | None = None
    note: str = ""
    invited: int | None = Field(None, ge=0)
    responses: int | None = Field(None, ge=0)


class AdherenceQuery(Schema):
    account: int | None = None
    team: int | None = None
    start: date | None = None
    end: date | None = None


class AdherenceOut(Schema):
    start: date
    end: date
    due: int
    done_on_time: int
    done_late: int
    share: float | None
    low: float | None
    high: float | None
    text: str


class MethodFiguresOut(Schema):
    kind: str
    label: str
    accounts: int
    activities: int
    done: int
    on_time_share: float | None
    on_time_low: float | None
    on_time_high: float | None
    response_rate: float | None
    responses_per_activity: float | None
    key_people: int
    reached: int
    coverage: float | None
    cost: dict[str, Decimal]
    reached_per_thousand: float | None
    action_share: str


class EvaluationOut(Schema):
    start: datetime
    end: datetime
    days: int
    advice: str
    methods: list[MethodFiguresOut]


class TemplateIn(Schema):
    tier: str
    name: str = Field(..., min_length=1)
    objectives: str = ""
    information_needs: str = ""
    quantitative_needs: str = ""
    communication_plan: str = ""
    trigger_criteria: str = ""
    methods: list[dict[str, Any]] = []
    kpis: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []


class TemplateOut(TemplateIn):
    id: int
    updated_at: datetime


class DiffFieldOut(Schema):
    name: str
    label: str
    old: str
    new: str


class DiffItemOut(Schema):
    label: str
    changes: list[DiffFieldOut]


class DiffListOut(Schema):
    name: str
    added: list[str]
    removed: list[str]
    changed: list[DiffItemOut]


class DiffOut(Schema):
    old: int
    new: int
    fields: list[DiffFieldOut]
    lists: list[DiffListOut]


# --- helpers --------------------------------------------------------------------------------


def _people(account_id: int, team_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Ids of people → objects of this account and team; a foreign id is a 422 naming it."""
    result = dict(data)
    lookups: dict[str, Any] = {
        "customer_contacts": Contact.objects.filter(account_id=account_id),
        "recipient_contacts": Contact.objects.filter(account_id=account_id),
        "external_parties": ExternalParty.objects.filter(account_id=account_id),
    }
    members = Membership.objects.filter(team_id=team_id, user__is_active=True)
    for name in ("our_stakeholders", "recipient_users"):
        if name in result and result[name] is not None:
            ids = set(result[name])
            users = [m.user for m in members.filter(user_id__in=ids).select_related("user")]
            if len(users) != len(ids):
                raise HttpError(422, f"{name}: choose active members of the account's team")
            result[name] = users
    for name, queryset in lookups.items():
        if name in result and result[name] is not None:
            ids = set(result[name])
            found = list(queryset.filter(pk__in=ids))
            if len(found) != len(ids):
                raise HttpError(422, f"{name}: choose people of this account")
            result[name] = found
    if "owner" in result:
        result["owner_id"] = result.pop("owner")
    return {k: v for k, v in result.items() if v is not None or k == "owner_id"}


def _version(request: HttpRequest, pk: int) -> PlanVersion:
    version = selectors.get_version(request.user, pk)
    return selectors.version_contents(version.pk)


def _adherence_out(result: selectors.Adherence) -> dict[str, Any]:
    return {
        "start": result.start,
        "end": result.end,
        "due": result.due,
        "done_on_time": result.done_on_time,
        "done_late": result.done_late,
        "share": result.share,
        "low": result.interval.low if result.interval else None,
        "high": result.interval.high if result.interval else None,
        "text": result.percent_text,
    }


# --- plans and versions ---------------------------------------------------------------------


@router.get("/plans", response=list[PlanOut])
@paginate
def list_plans(request: HttpRequest, account: int | None = None) -> Any:
    plans = selectors.plans_for(request.user).order_by("pk")
    return plans.filter(account_id=account) if account is not None else plans


@router.post("/accounts/{account_id}/plan", response={201: VersionOut, 403: Message, 422: Message})
def start_plan(request: HttpRequest, account_id: int, payload: StartIn) -> Any:
    """Start the account's plan with a first draft (from its tier's template by default)."""
    account = get_account(request.user, account_id)
    version = call_service(
        lambda: services.start_plan(
            actor=request.user, account=account, use_template=payload.use_template, via="api"
        )
    )
    return Status(201, selectors.version_contents(version.pk))


@router.get("/plans/{pk}", response=PlanOut)
def get_plan(request: HttpRequest, pk: int) -> Any:
    return selectors.get_plan(request.user, pk)


@router.get("/plans/{pk}/versions", response=list[VersionSummaryOut])
@paginate
def list_versions(request: HttpRequest, pk: int) -> Any:
    plan = selectors.get_plan(request.user, pk)
    return plan.versions.order_by("-number")


@router.post("/plans/{pk}/versions", response={201: VersionOut, 403: Message, 422: Message})
def new_version(request: HttpRequest, pk: int, payload: NewVersionIn) -> Any:
    """A draft copied from the agreed version, citing the customer's change requests."""
    plan = selectors.get_plan(request.user, pk)
    requests = list(plan.changes.filter(pk__in=payload.change_requests))
    if len(requests) != len(set(payload.change_requests)):
        raise HttpError(422, "change_requests: choose change requests of this plan")
    version = call_service(
        lambda: services.new_version(
            actor=request.user, plan=plan, change_requests=requests, via="api"
        )
    )
    return Status(201, selectors.version_contents(version.pk))


@router.get("/plan-versions/{pk}", response=VersionOut)
def get_version(request: HttpRequest, pk: int) -> Any:
    return _version(request, pk)


@router.get("/plan-versions/{pk}/customer", response=CustomerVersionOut)
def customer_version(request: HttpRequest, pk: int) -> Any:
    """The version as the customer sees it: no cost, margin or internal notes."""
    return _version(request, pk)


@router.get("/plan-versions/{pk}/diff", response=DiffOut)
def version_diff(request: HttpRequest, pk: int, against: int | None = None) -> Any:
    """What changed from version `against` (default: the version this one was copied from) to
    this one: fields, and methods, KPIs and reports matched by lineage."""
    new = _version(request, pk)
    against = against if against is not None else new.based_on_id
    if against is None:
        raise HttpError(422, "against: this version was not copied from another; name one")
    old = _version(request, against)
    if old.plan_id != new.plan_id:
        raise HttpError(422, "against: choose a version of the same plan")
    result = plan_diff.diff_versions(old, new)
    return {"old": old.pk, "new": new.pk, "fields": result.fields, "lists": result.lists}


@router.patch("/plan-versions/{pk}", response={200: VersionOut, 403: Message, 422: Message})
def update_version(request: HttpRequest, pk: int, payload: VersionPatch) -> Any:
    version = selectors.get_version(request.user, pk)
    changes = payload.dict(exclude_unset=True)
    call_service(
        lambda: services.update_draft(
            actor=request.user, version=version, changes=changes, via="api"
        )
    )
    return selectors.version_contents(version.pk)


@router.delete("/plan-versions/{pk}", response={204: None, 403: Message, 422: Message})
def discard_version(request: HttpRequest, pk: int) -> Any:
    version = selectors.get_version(request.user, pk)
    call_service(lambda: services.discard_draft(actor=request.user, version=version, via="api"))
    return Status(204, None)


@router.post("/plan-versions/{pk}/propose", response={200: VersionOut, 403: Message, 422: Message})
def propose(request: HttpRequest, pk: int) -> Any:
    version = selectors.get_version(request.user, pk)
    call_service(lambda: services.propose(actor=request.user, version=version, via="api"))
    return selectors.version_contents(version.pk)


@router.post("/plan-versions/{pk}/withdraw", response={200: VersionOut, 403: Message, 422: Message})
def withdraw(request: HttpRequest, pk: int) -> Any:
    version = selectors.get_version(request.user, pk)
    call_service(lambda: services.withdraw(actor=request.user, version=version, via="api"))
    return selectors.version_contents(version.pk)


@router.post("/plan-versions/{pk}/agree", response={200: VersionOut, 403: Message, 422: Message})
def agree(request: HttpRequest, pk: int, payload: AgreeIn) -> Any:
    """Sign-off by a contact of the account, with evidence: a reference, or a file sent
    base64-encoded. The version agreed before is superseded."""
    version = selectors.get_version(request.user, pk)
    contact = Contact.objects.filter(
        pk=payload.agreed_with, account_id=version.plan.account_id
    ).first()
    if contact is None:
        raise HttpError(422, "agreed_with: choose a contact of this account")
    evidence = None
    if payload.evidence_base64:
        try:
            content = base64.b64decode(payload.evidence_base64, validate=True)
        except (binascii.Error, ValueError):
            raise HttpError(422, "evidence_base64: not base64") from None
        if len(content) > MAX_EVIDENCE_BYTES:
            raise HttpError(422, "evidence_base64: the file is larger than 10 MB")
        evidence = SimpleUploadedFile(payload.evidence_name or "evidence", content)
    call_service(
        lambda: services.agree(
            actor=request.user,
            version=version,
            agreed_with=contact,
            agreed_at=payload.agreed_at,
            evidence=evidence,
            evidence_reference=payload.evidence_reference,
            via="api",
        )
    )
    return selectors.version_contents(version.pk)


# --- methods, KPIs and reports --------------------------------------------------------------


def _register_items(
    path: str,
    model: type[Model],
    schema_in: type[Schema],
    schema_patch: type[Schema],
    schema_out: type[Schema],
    visible: Any,
) -> None:
    name = model._meta.model_name

    @router.get(f"/{path}", response=list[schema_out], operation_id=f"list_{name}")  # type: ignore[valid-type]
    @paginate
    def list_items(request: HttpRequest, version: int | None = None) -> Any:
        items = visible(request.user).order_by("pk")
        return items.filter(version_id=version) if version is not None else items

    @router.get(f"/{path}/{{pk}}", response=schema_out, operation_id=f"get_{name}")
    def get_item(request: HttpRequest, pk: int) -> Any:
        item = visible(request.user).filter(pk=pk).first()
        if item is None:
            raise HttpError(404, f"No such {model._meta.verbose_name}.")
        return item

    @router.post(
        f"/plan-versions/{{pk}}/{path.removeprefix('plan-')}",
        response={201: schema_out, 403: Message, 422: Message},
        operation_id=f"create_{name}",
    )
    def create_item(request: HttpRequest, pk: int, payload: schema_in) -> Any:  # type: ignore[valid-type]
        version = selectors.get_version(request.user, pk)
        plan = version.plan
        data = _people(plan.account_id, plan.team_id, payload.dict())  # type: ignore[attr-defined]
        item = call_service(
            lambda: services.add_item(
                actor=request.user, version=version, model=model, data=data, via="api"
            )
        )
        return Status(201, item)

    @router.patch(
        f"/{path}/{{pk}}",
        response={200: schema_out, 403: Message, 422: Message},
        operation_id=f"update_{name}",
    )
    def update_item(request: HttpRequest, pk: int, payload: schema_patch) -> Any:  # type: ignore[valid-type]
        item = get_item(request, pk)
        plan = item.version.plan
        data = _people(plan.account_id, plan.team_id, payload.dict(exclude_unset=True))  # type: ignore[attr-defined]
        call_service(
            lambda: services.update_item(actor=request.user, item=item, data=data, via="api")
        )
        return visible(request.user).get(pk=pk)

    @router.delete(
        f"/{path}/{{pk}}",
        response={204: None, 403: Message, 422: Message},
        operation_id=f"delete_{name}",
    )
    def delete_item(request: HttpRequest, pk: int) -> Any:
        item = get_item(request, pk)
        call_service(lambda: services.delete_item(actor=request.user, item=item, via="api"))
        return Status(204, None)


_register_items("plan-methods", PlanMethod, MethodIn, MethodPatch, MethodOut, selectors.methods_for)
_register_items("plan-kpis", Kpi, KpiIn, KpiPatch, KpiOut, selectors.kpis_visible)
_register_items(
    "plan-reports", PlanReport, ReportIn, ReportPatch, ReportOut, selectors.reports_visible
)


# --- change requests ------------------------------------------------------------------------


@router.get("/plans/{pk}/change-requests", response=list[ChangeRequestOut])
@paginate
def list_change_requests(request: HttpRequest, pk: int) -> Any:
    plan = selectors.get_plan(request.user, pk)
    return plan.changes.order_by("-requested_on", "-pk")


@router.post(
    "/plans/{pk}/change-requests", response={201: ChangeRequestOut, 403: Message, 422: Message}
)
def record_change_request(request: HttpRequest, pk: int, payload: ChangeRequestIn) -> Any:
    """The customer asked to change the plan: who, when, what."""
    plan = selectors.get_plan(request.user, pk)
    contact = None
    if payload.requested_by is not None:
        contact = Contact.objects.filter(
            pk=payload.requested_by, account_id=plan.account_id
        ).first()
        if contact is None:
            raise HttpError(422, "requested_by: choose a contact of this account")
    change = call_service(
        lambda: services.record_change_request(
            actor=request.user,
            plan=plan,
            requested_by=contact,
            requested_on=payload.requested_on,
            description=payload.description,
            via="api",
        )
    )
    return Status(201, change)


@router.post(
    "/plan-change-requests/{pk}/decline",
    response={200: ChangeRequestOut, 403: Message, 422: Message},
)
def decline_change_request(request: HttpRequest, pk: int, payload: DeclineIn) -> Any:
    change = selectors.get_change_request(request.user, pk)
    return call_service(
        lambda: services.decline_change_request(
            actor=request.user, change_request=change, response=payload.response, via="api"
        )
    )


# --- activities, adherence, evaluation ------------------------------------------------------


@router.get("/activities", response=list[ActivityOut])
@paginate
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> Any:
    """Planned monitoring activities, soonest due first; `state` says in words if overdue."""
    items = selectors.activities_for(request.user).order_by("due_at", "pk")
    if filters.account is not None:
        items = items.filter(account_id=filters.account)
    if filters.status:
        items = items.filter(status=filters.status)
    zone = recurrence.organisation_zone()
    if filters.start:
        items = items.filter(due_at__gte=datetime.combine(filters.start, time.min, tzinfo=zone))
    if filters.end:
        end = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=zone)
        items = items.filter(due_at__lt=end)
    return items


@router.post("/activities/{pk}/complete", response={200: ActivityOut, 403: Message, 422: Message})
def complete_activity(request: HttpRequest, pk: int, payload: CompleteIn) -> Any:
    """Mark a planned activity done (when, a note, invitations and responses if known)."""
    activity = selectors.get_activity(request.user, pk)
    call_service(
        lambda: scheduling.complete_activity(
            actor=request.user,
            activity=activity,
            done_at=payload.done_at,
            note=payload.note,
            invited=payload.invited,
            responses=payload.responses,
            via="api",
        )
    )
    return selectors.get_activity(request.user, pk)


@router.get("/monitoring/adherence", response=AdherenceOut)
def adherence(request: HttpRequest, query: Query[AdherenceQuery]) -> Any:
    """Share of planned activities done on time, with its 95 % Wilson interval (default: the
    last 90 days, every account you may see)."""
    accounts = accounts_for(request.user)
    if query.account is not None:
        accounts = accounts.filter(pk=get_account(request.user, query.account).pk)
    if query.team is not None:
        accounts = accounts.filter(team_id=query.team)
    end = query.end or timezone.localdate()
    start = query.start or end - timedelta(days=89)
    if start > end:
        raise HttpError(422, "start: the period must start before it ends")
    return _adherence_out(selectors.adherence(accounts=accounts, start=start, end=end))


@router.get("/monitoring/methods", response=EvaluationOut)
def method_evaluation(
    request: HttpRequest, days: int = 180, account: int | None = None, team: int | None = None
) -> Any:
    """Each method's response rate, coverage of decision makers and influencers, cost,
    timeliness and share of feedback that led to an action, over the last `days`."""
    if not 7 <= days <= 730:
        raise HttpError(422, "days: between 7 and 730")
    accounts = accounts_for(request.user)
    if account is not None:
        accounts = accounts.filter(pk=get_account(request.user, account).pk)
    if team is not None:
        accounts = accounts.filter(team_id=team)
    result = evaluation.evaluate_methods(accounts=accounts, days=days)
    methods = []
    for figures in result.ranked():
        timeliness, rate, coverage = (
            figures.timeliness,
            figures.response_rate,
            figures.coverage,
        )
        methods.append(
            {
                "kind": figures.kind,
                "label": figures.label,
                "accounts": len(figures.accounts),
                "activities": figures.activities,
                "done": figures.done,
                "on_time_share": timeliness.value if timeliness else None,
                "on_time_low": timeliness.low if timeliness else None,
                "on_time_high": timeliness.high if timeliness else None,
                "response_rate": rate.value if rate else None,
                "responses_per_activity": figures.responses_per_activity,
                "key_people": figures.key_people,
                "reached": figures.reached,
                "coverage": coverage.value if coverage else None,
                "cost": figures.cost,
                "reached_per_thousand": figures.reached_per_thousand,
                "action_share": figures.action_text,
            }
        )
    return {
        "start": result.start,
        "end": result.end,
        "days": result.days,
        "advice": result.advice,
        "methods": methods,
    }


# --- templates ------------------------------------------------------------------------------


@router.get("/plan-templates", response=list[TemplateOut])
def list_templates(request: HttpRequest) -> Any:
    return list(selectors.templates())


@router.post("/plan-templates", response={200: TemplateOut, 403: Message, 422: Message})
def save_template(request: HttpRequest, payload: TemplateIn) -> Any:
    """Create or replace the template of a tier (managers and administrators)."""
    data = payload.dict()
    tier = data.pop("tier")
    return call_service(
        lambda: services.save_template(actor=request.user, tier=tier, fields=data, via="api")
    )
