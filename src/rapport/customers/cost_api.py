"""/api/v1/cost-entries: list (paginated, filterable), read, create on an account, patch, delete."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, ModelSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from rapport.core.api import Message, call_service
from rapport.customers import cost_selectors, cost_services
from rapport.customers.models import CostEntry
from rapport.customers.selectors import get_account

router = Router(tags=["cost-entries"])
Kind = Literal["service_hours", "discount", "credit", "other"]


class CostEntryOut(ModelSchema):
    class Meta:
        model = CostEntry
        fields = "__all__"


class CostEntryIn(Schema):
    date: dt.date
    kind: Kind
    amount: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, description="Defaults to the account's currency.")
    hours: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    note: str = Field("", max_length=300)


class CostEntryPatch(Schema):
    date: dt.date | None = None
    kind: Kind | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = None
    hours: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    note: str | None = Field(None, max_length=300)


class CostFilters(Schema):
    account: int | None = None
    kind: Kind | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@router.get("/cost-entries", response=list[CostEntryOut])
@paginate
def list_cost_entries(request: HttpRequest, filters: Query[CostFilters]) -> Any:
    return cost_selectors.cost_entries_for(
        request.user,
        account_id=filters.account,
        start=filters.start,
        end=filters.end,
        kind=filters.kind or "",
    )


@router.get("/cost-entries/{pk}", response=CostEntryOut)
def get_cost_entry(request: HttpRequest, pk: int) -> Any:
    return cost_selectors.get_cost_entry(request.user, pk)


@router.post(
    "/accounts/{account_id}/cost-entries",
    response={201: CostEntryOut, 403: Message, 422: Message},
)
def create_cost_entry(request: HttpRequest, account_id: int, payload: CostEntryIn) -> Any:
    account = get_account(request.user, account_id)
    fields = payload.dict(exclude_none=True)
    entry = call_service(
        lambda: cost_services.create_cost_entry(
            actor=request.user, account=account, fields=fields, via="api"
        )
    )
    return Status(201, entry)


@router.patch("/cost-entries/{pk}", response={200: CostEntryOut, 403: Message, 422: Message})
def update_cost_entry(request: HttpRequest, pk: int, payload: CostEntryPatch) -> Any:
    entry = cost_selectors.get_cost_entry(request.user, pk)
    changes = payload.dict(exclude_unset=True)
    call_service(
        lambda: cost_services.update_cost_entry(
            actor=request.user, entry=entry, changes=changes, via="api"
        )
    )
    return entry


@router.delete("/cost-entries/{pk}", response={204: None, 403: Message})
def delete_cost_entry(request: HttpRequest, pk: int) -> Any:
    entry = cost_selectors.get_cost_entry(request.user, pk)
    call_service(
        lambda: cost_services.delete_cost_entry(actor=request.user, entry=entry, via="api")
    )
    return Status(204, None)
