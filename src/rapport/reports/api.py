"""/api/v1/ for reports: types, definitions, runs (queue, read, document, files),
recommendations, approval and sending — the same services as the pages."""

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from rapport.core.api import Message, call_service
from rapport.reports import selectors, services
from rapport.reports.document import for_audience
from rapport.reports.generation import document_for, ensure_outputs
from rapport.reports.models import ReportDefinition, ReportRun
from rapport.reports.registry import REPORT_TYPES

router = Router(tags=["reports"])
AudienceIn = Literal["executive", "account_team", "customer"]
FrequencyIn = Literal["on_demand", "own", "plan"]
FormatIn = Literal["web", "pdf", "xlsx", "csv", "email"]


class ReportTypeOut(Schema):
    key: str
    label: str
    description: str
    sections: list[list[str]]
    internal_only: list[str]
    single_account: bool


class DefinitionOut(Schema):
    id: int
    team_id: int
    name: str
    report_type: str
    audience: str
    frequency_source: str
    recurrence: str
    period_months: int
    formats: list[str]
    tier: str
    owner_id: int
    active: bool
    next_due_at: dt.datetime | None
    accounts: list[int]
    recipients: list[int]
    contact_recipients: list[int]

    @staticmethod
    def resolve_accounts(obj: ReportDefinition) -> list[int]:
        return sorted(a.pk for a in obj.accounts.all())

    @staticmethod
    def resolve_recipients(obj: ReportDefinition) -> list[int]:
        return sorted(u.pk for u in obj.recipients.all())

    @staticmethod
    def resolve_contact_recipients(obj: ReportDefinition) -> list[int]:
        return sorted(c.pk for c in obj.contact_recipients.all())


class DefinitionIn(Schema):
    team_id: int
    name: str = Field(..., min_length=1, max_length=200)
    report_type: str
    audience: AudienceIn
    frequency_source: FrequencyIn = "on_demand"
    recurrence: str = Field("", max_length=300)
    period_months: int = Field(3, ge=1, le=24)
    formats: list[FormatIn] = Field(default_factory=lambda: list[FormatIn](["web", "pdf"]))
    tier: str = ""
    owner_id: int | None = None
    active: bool = True
    accounts: list[int] = Field(default_factory=list)
    recipients: list[int] = Field(default_factory=list)
    contact_recipients: list[int] = Field(default_factory=list)


class DefinitionPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    report_type: str | None = None
    audience: AudienceIn | None = None
    frequency_source: FrequencyIn | None = None
    recurrence: str | None = Field(None, max_length=300)
    period_months: int | None = Field(None, ge=1, le=24)
    formats: list[FormatIn] | None = None
    tier: str | None = None
    owner_id: int | None = None
    active: bool | None = None
    accounts: list[int] | None = None
    recipients: list[int] | None = None
    contact_recipients: list[int] | None = None


class RunOut(Schema):
    id: int
    definition_id: int
    team_id: int
    account_id: int | None
    report_type: str
    audience: str
    status: str
    scheduled: bool
    period_start: dt.date
    period_end: dt.date
    data_as_of: dt.datetime | None
    filters: dict[str, Any]
    steps_done: int
    steps_total: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    approved_at: dt.datetime | None
    delivered_at: dt.datetime | None
    return_note: str


class RecommendationOut(Schema):
    id: int
    position: int
    text: str
    source_kind: str
    source_ref: str
    source_url: str
    included: bool
    edited: bool


class RecommendationPatch(Schema):
    text: str | None = Field(None, max_length=2000)
    included: bool | None = None


class RecommendationIn(Schema):
    text: str = Field(..., max_length=2000)


class ReturnIn(Schema):
    note: str = Field(..., max_length=2000)


class RunFilters(Schema):
    definition: int | None = None
    status: str = ""


def _split(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    related: dict[str, Any] = {
        k: payload.pop(k) for k in ("accounts", "recipients", "contact_recipients") if k in payload
    }
    if "owner_id" in payload:
        owner_id = payload.pop("owner_id")
        if owner_id is not None:
            from rapport.core.models import User

            payload["owner"] = User.objects.filter(pk=owner_id).first() or User(pk=owner_id)
    return payload, related


@router.get("/report-types", response=list[ReportTypeOut])
def list_types(request: HttpRequest) -> Any:
    return [
        {
            "key": t.key,
            "label": t.label,
            "description": t.description,
            "sections": [list(s) for s in t.sections],
            "internal_only": list(t.internal_only),
            "single_account": t.single_account,
        }
        for t in REPORT_TYPES.values()
    ]


@router.get("/report-definitions", response=list[DefinitionOut])
@paginate
def list_definitions(request: HttpRequest) -> Any:
    return (
        selectors.definitions_for(request.user)
        .prefetch_related("accounts", "recipients", "contact_recipients")
        .order_by("name", "pk")
    )


@router.get("/report-definitions/{pk}", response=DefinitionOut)
def get_definition(request: HttpRequest, pk: int) -> Any:
    return selectors.get_definition(request.user, pk)


@router.post(
    "/report-definitions", response={201: DefinitionOut, 403: Message, 404: Message, 422: Message}
)
def create_definition(request: HttpRequest, payload: DefinitionIn) -> Any:
    data = payload.dict()
    team_id = data.pop("team_id")
    fields, related = _split(data)
    definition = call_service(
        lambda: services.create_definition(
            actor=request.user, team_id=team_id, fields=fields, related=related, via="api"
        )
    )
    return Status(201, definition)


@router.patch("/report-definitions/{pk}", response={200: DefinitionOut, 403: Message, 422: Message})
def update_definition(request: HttpRequest, pk: int, payload: DefinitionPatch) -> Any:
    definition = selectors.get_definition(request.user, pk)
    fields, related = _split(payload.dict(exclude_unset=True))
    call_service(
        lambda: services.update_definition(
            actor=request.user, definition=definition, changes=fields, related=related, via="api"
        )
    )
    return selectors.get_definition(request.user, pk)


@router.delete("/report-definitions/{pk}", response={204: None, 403: Message})
def delete_definition(request: HttpRequest, pk: int) -> Any:
    definition = selectors.get_definition(request.user, pk)
    call_service(
        lambda: services.delete_definition(actor=request.user, definition=definition, via="api")
    )
    return Status(204, None)


@router.post("/report-definitions/{pk}/runs", response={201: RunOut, 403: Message, 422: Message})
def queue_run(request: HttpRequest, pk: int) -> Any:
    definition = selectors.get_definition(request.user, pk)
    run = call_service(
        lambda: services.queue_run(actor=request.user, definition=definition, via="api")
    )
    return Status(201, run)


@router.get("/report-runs", response=list[RunOut])
@paginate
def list_runs(request: HttpRequest, filters: Query[RunFilters]) -> Any:
    return selectors.runs_for(request.user, definition_id=filters.definition, status=filters.status)


@router.get("/report-runs/{pk}", response=RunOut)
def get_run(request: HttpRequest, pk: int) -> Any:
    return selectors.get_run(request.user, pk)


@router.get("/report-runs/{pk}/document", response={200: dict[str, Any], 404: Message})
def run_document(request: HttpRequest, pk: int) -> Any:
    """The run's structured document as its audience reads it (sections, figures with
    intervals, tables; charts as SVG markup), recommendations included."""
    run = selectors.get_run(request.user, pk)
    if run.document is None:
        raise Http404("This run has no document yet.")
    return for_audience(document_for(run)).to_json()


@router.get("/report-runs/{pk}/recommendations", response=list[RecommendationOut])
def list_recommendations(request: HttpRequest, pk: int) -> Any:
    return list(selectors.get_run(request.user, pk).recommendations.all())


@router.post(
    "/report-runs/{pk}/recommendations",
    response={201: RecommendationOut, 403: Message, 422: Message},
)
def add_recommendation(request: HttpRequest, pk: int, payload: RecommendationIn) -> Any:
    run = selectors.get_run(request.user, pk)
    created = call_service(
        lambda: services.add_recommendation(
            actor=request.user, run=run, text=payload.text, via="api"
        )
    )
    return Status(201, created)


@router.patch(
    "/report-runs/{pk}/recommendations/{rec_id}",
    response={200: RecommendationOut, 403: Message, 404: Message, 422: Message},
)
def update_recommendation(
    request: HttpRequest, pk: int, rec_id: int, payload: RecommendationPatch
) -> Any:
    run = selectors.get_run(request.user, pk)
    recommendation = run.recommendations.filter(pk=rec_id).first()
    if recommendation is None:
        raise Http404("No such recommendation.")
    call_service(
        lambda: services.update_recommendation(
            actor=request.user,
            recommendation=recommendation,
            text=payload.text,
            included=payload.included,
            via="api",
        )
    )
    return recommendation


def _action(request: HttpRequest, pk: int, action: str, note: str = "") -> ReportRun:
    run = selectors.get_run(request.user, pk)
    if action == "approve":
        return call_service(lambda: services.approve_run(actor=request.user, run=run, via="api"))
    if action == "return":
        return call_service(
            lambda: services.return_run(actor=request.user, run=run, note=note, via="api")
        )
    if action == "resubmit":
        return call_service(lambda: services.resubmit_run(actor=request.user, run=run, via="api"))
    return call_service(lambda: services.send_run(actor=request.user, run=run, via="api"))


@router.post("/report-runs/{pk}/approve", response={200: RunOut, 403: Message, 422: Message})
def approve_run(request: HttpRequest, pk: int) -> Any:
    return _action(request, pk, "approve")


@router.post("/report-runs/{pk}/return", response={200: RunOut, 403: Message, 422: Message})
def return_run(request: HttpRequest, pk: int, payload: ReturnIn) -> Any:
    return _action(request, pk, "return", payload.note)


@router.post("/report-runs/{pk}/resubmit", response={200: RunOut, 403: Message, 422: Message})
def resubmit_run(request: HttpRequest, pk: int) -> Any:
    return _action(request, pk, "resubmit")


@router.post("/report-runs/{pk}/send", response={200: RunOut, 403: Message, 422: Message})
def send_run(request: HttpRequest, pk: int) -> Any:
    return _action(request, pk, "send")


@router.delete("/report-runs/{pk}", response={204: None, 403: Message})
def delete_run(request: HttpRequest, pk: int) -> Any:
    run = selectors.get_run(request.user, pk)
    call_service(lambda: services.delete_run(actor=request.user, run=run, via="api"))
    return Status(204, None)


@router.get("/report-runs/{pk}/files/{name}", response={200: None, 404: Message})
def run_file(request: HttpRequest, pk: int, name: str) -> Any:
    run = selectors.get_run(request.user, pk)
    ensure_outputs(run)
    output = selectors.get_output(request.user, run.pk, name)
    response = HttpResponse(bytes(output.content), content_type=output.content_type)
    response["Content-Disposition"] = f'attachment; filename="{output.name}"'
    return response
