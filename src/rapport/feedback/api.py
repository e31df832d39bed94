"""/api/v1/ endpoints for responses (single and bulk) and imports (upload, status, errors).

Responses are validated by the same rules as file rows, so an API client gets the same
messages as the import page; a rejected item is named by its index in the request.
"""

from datetime import date, datetime
from typing import Any

from django.db.models import F
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, File, Form, ModelSchema, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from rapport.core.api import Message, RowErrorOut, call_service
from rapport.feedback import selectors, services
from rapport.feedback.exports import import_errors_csv
from rapport.feedback.forms import checked_mapping
from rapport.feedback.importing.rows import RowProblem
from rapport.feedback.models import ImportJob, Response

router = Router(tags=["feedback"])

Answer = int | float | bool | str


class ResponseOut(ModelSchema):
    class Meta:
        model = Response
        fields = [
            "id",
            "account",
            "channel",
            "submitted_at",
            "respondent_contact",
            "nps",
            "csat",
            "ces",
            "answers",
            "comment",
            "source_system",
            "external_id",
            "import_job",
            "created_at",
            "updated_at",
        ]


class ResponseIn(Schema):
    account: int
    submitted_at: datetime = Field(..., description="ISO 8601; a time without offset is local")
    external_id: str = Field(
        "", description="Your id; with source_system it makes writes idempotent"
    )
    source_system: str = Field("", description='Defaults to "api"')
    nps: int | None = Field(None, description="0–10")
    csat: int | None = Field(None, description="1–5")
    ces: int | None = Field(None, description="1–7")
    comment: str = ""
    channel: str = Field("", description="survey, email, call, business_review, … (default survey)")
    contact_email: str = Field("", description="Links the response to the account's contact")
    answers: dict[str, Answer] = Field(default_factory=dict, description="Custom answers by key")


class ResponsePatch(Schema):
    submitted_at: datetime | None = None
    nps: int | None = None
    csat: int | None = None
    ces: int | None = None
    comment: str | None = None
    channel: str | None = None
    contact_email: str | None = None
    answers: dict[str, Answer] | None = None


class RejectedOut(Schema):
    detail: str
    errors: list[RowErrorOut]


class BulkIn(Schema):
    items: list[ResponseIn] = Field(..., max_length=services.MAX_BULK_ITEMS)


class BulkOut(Schema):
    inserted: int
    updated: int
    unchanged: int
    ids: list[int] = Field(..., description="The stored responses, in the order of the items")
    import_id: int | None


class ResponseFilters(Schema):
    account: int | None = None
    channel: str | None = None
    start: date | None = Field(None, alias="from", description="First local day")
    end: date | None = Field(None, alias="to", description="Last local day")
    has_comment: bool | None = None


def _rejected(problems: list[RowProblem]) -> Status[dict[str, Any]]:
    errors = [
        {"row": p.row_number, "column": p.column, "value": p.value, "reason": p.reason}
        for p in problems
    ]
    rows = len({p.row_number for p in problems})
    return Status(
        422, {"detail": f"{rows} item(s) rejected; nothing was written", "errors": errors}
    )


@router.get("/responses", response=list[ResponseOut])
@paginate
def list_responses(request: HttpRequest, filters: Query[ResponseFilters]) -> Any:
    return selectors.responses_for(
        request.user,
        account=filters.account,
        channel=filters.channel,
        start=filters.start,
        end=filters.end,
        has_comment=filters.has_comment,
    )


@router.post(
    "/responses",
    response={200: ResponseOut, 201: ResponseOut, 403: Message, 422: RejectedOut},
    summary="Record one response (an existing source_system + external_id is updated)",
)
def create_response(request: HttpRequest, payload: ResponseIn) -> Any:
    try:
        response, created = call_service(
            lambda: services.create_response(actor=request.user, item=payload.dict())
        )
    except services.ItemsRejected as rejected:
        return _rejected(rejected.problems)
    return Status(201 if created else 200, response)


@router.post(
    "/responses/bulk",
    response={200: BulkOut, 403: Message, 422: RejectedOut},
    summary="Record up to 1,000 responses, all or none",
)
def bulk_responses(request: HttpRequest, payload: BulkIn) -> Any:
    items = [item.dict() for item in payload.items]
    try:
        result = call_service(lambda: services.record_responses(actor=request.user, items=items))
    except services.ItemsRejected as rejected:
        return _rejected(rejected.problems)
    return {
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.skipped,
        "ids": result.ids,
        "import_id": result.job.pk if result.job else None,
    }


@router.get("/responses/{response_id}", response=ResponseOut)
def get_response(request: HttpRequest, response_id: int) -> Any:
    return selectors.get_response(request.user, response_id)


@router.patch("/responses/{response_id}", response={200: ResponseOut, 403: Message, 422: Any})
def update_response(request: HttpRequest, response_id: int, payload: ResponsePatch) -> Any:
    response = selectors.get_response(request.user, response_id)
    changes = payload.dict(exclude_unset=True)
    try:
        call_service(
            lambda: services.update_response(actor=request.user, response=response, changes=changes)
        )
    except services.ItemsRejected as rejected:
        return _rejected(rejected.problems)
    return response


@router.delete("/responses/{response_id}", response={204: None, 403: Message})
def delete_response(request: HttpRequest, response_id: int) -> Any:
    response = selectors.get_response(request.user, response_id)
    call_service(lambda: services.delete_response(actor=request.user, response=response))
    return Status(204, None)


# --- imports --------------------------------------------------------------------------------


class ImportOut(Schema):
    id: int
    status: str
    file_name: str
    file_format: str
    file_size: int
    dry_run: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress_percent: int
    rows_read: int
    rows_inserted: int
    rows_updated: int
    rows_skipped: int = Field(..., description="Rows identical to what is stored")
    rows_rejected: int
    accounts_created: int
    error: str
    warnings: list[str] = Field(
        ..., description="What to check, e.g. a mapped name that matches several columns"
    )
    summary: str
    heartbeat_at: datetime | None = Field(
        ..., description="Last sign of life of the run: its start or its latest checkpoint"
    )
    stalled: bool = Field(
        ...,
        description="Running, but its worker stopped: silent for RAPPORT_WORKER_LOST_SECONDS "
        "(or, for a run without a worker id, no checkpoint for RAPPORT_IMPORT_STALLED_MINUTES)",
    )
    resumable: bool = Field(..., description="POST /imports/{id}/resume would carry it on")
    resume_possible_at: datetime | None = Field(
        ..., description="While running: when a resume becomes possible if its worker stays silent"
    )
    file_removed_at: datetime | None = Field(
        ..., description="When the uploaded file was deleted (RAPPORT_IMPORT_KEEP_UPLOADS_DAYS)"
    )

    @staticmethod
    def resolve_summary(job: ImportJob) -> str:
        return selectors.import_summary(job)

    @staticmethod
    def resolve_stalled(job: ImportJob) -> bool:
        return services.stalled(job)

    @staticmethod
    def resolve_resumable(job: ImportJob) -> bool:
        return services.resumable(job)

    @staticmethod
    def resolve_resume_possible_at(job: ImportJob) -> datetime | None:
        return services.resume_possible_at(job)


@router.post(
    "/imports",
    response={202: ImportOut, 403: Message, 422: Message},
    summary="Upload a CSV or XLSX file; a worker imports it in the background",
)
def upload_import(
    request: HttpRequest,
    file: File[UploadedFile],
    mapping: File[UploadedFile] = None,  # type: ignore[assignment]
    file_format: Form[str] = "",
    dry_run: Form[bool] = False,
) -> Any:
    """`mapping` is a JSON file, or JSON text in a form field of that name; it is checked
    as the import page checks it (422 naming the wrong option)."""
    job = call_service(
        lambda: services.start_import(
            actor=request.user,
            file_name=file.name or "upload",
            upload=file,
            file_format=file_format or None,
            mapping=checked_mapping(mapping or request.POST.get("mapping")),
            dry_run=dry_run,
            via="api",
        )
    )
    return Status(202, job)


@router.get("/imports", response=list[ImportOut])
@paginate
def list_imports(request: HttpRequest) -> Any:
    return selectors.imports_for(request.user)


@router.get("/imports/{import_id}", response=ImportOut)
def get_import(request: HttpRequest, import_id: int) -> Any:
    return selectors.get_import(request.user, import_id)


@router.post("/imports/{import_id}/resume", response={202: ImportOut, 403: Message, 422: Message})
def resume_import(request: HttpRequest, import_id: int) -> Any:
    job = selectors.get_import(request.user, import_id)
    return Status(202, call_service(lambda: services.resume_import(actor=request.user, job=job)))


@router.get("/imports/{import_id}/errors", response=list[RowErrorOut])
@paginate
def import_errors(request: HttpRequest, import_id: int) -> Any:
    return selectors.import_errors(request.user, import_id).values(
        "value", "reason", "column", row=F("row_number")
    )


@router.get(
    "/imports/{import_id}/errors.csv",
    response={200: None},
    summary="The rejected rows as CSV (cells that could run as formulas are neutralised)",
)
def import_errors_download(request: HttpRequest, import_id: int) -> StreamingHttpResponse:
    return import_errors_csv(import_id, selectors.import_errors(request.user, import_id))
