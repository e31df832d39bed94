"""/api/v1/ endpoints for accounts and the records around them.

Every list is paginated and filterable; every object outside the caller's teams is a 404.
The six account-owned record types share one set of handlers built by `_register_related`.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Model
from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, ModelSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from rapport.core.api import Message, call_service
from rapport.customers import selectors, services
from rapport.customers.models import (
    Account,
    AccountStakeholder,
    Commitment,
    Communication,
    Contact,
    Expectation,
    ExternalParty,
)

router = Router(tags=["accounts"])


# --- accounts -------------------------------------------------------------------------------


class AccountOut(ModelSchema):
    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "external_id",
            "tier",
            "segment",
            "team",
            "owner",
            "annual_value",
            "cost_to_serve",
            "currency",
            "renewal_date",
            "status",
            "last_contact_at",
            "last_decision_maker_contact_at",
            "created_at",
            "updated_at",
        ]


class AccountIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    team: int
    external_id: str = ""
    tier: str = "key"
    segment: str = ""
    owner: int | None = None
    annual_value: Decimal = Decimal(0)
    cost_to_serve: Decimal = Decimal(0)
    currency: str = "GBP"
    renewal_date: date | None = None
    status: str = "active"


class AccountPatch(Schema):
    name: str | None = None
    team: int | None = None
    external_id: str | None = None
    tier: str | None = None
    segment: str | None = None
    owner: int | None = None
    annual_value: Decimal | None = None
    cost_to_serve: Decimal | None = None
    currency: str | None = None
    renewal_date: date | None = None
    status: str | None = None


class AccountFilters(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__icontains", "external_id"])] = None
    team: Annotated[int | None, FilterLookup("team_id")] = None
    tier: str | None = None
    segment: str | None = None
    status: str | None = None
    external_id: str | None = None


def _account_fields(data: dict[str, Any]) -> dict[str, Any]:
    """API ids → model attribute names (team → team_id, owner → owner_id)."""
    return {(f"{k}_id" if k in ("team", "owner") else k): v for k, v in data.items()}


@router.get("/accounts", response=list[AccountOut])
@paginate
def list_accounts(request: HttpRequest, filters: Query[AccountFilters]) -> Any:
    return filters.filter(selectors.accounts_for(request.user).order_by("name", "pk"))


@router.post("/accounts", response={201: AccountOut, 403: Message, 422: Message})
def create_account(request: HttpRequest, payload: AccountIn) -> Any:
    fields = _account_fields(payload.dict())
    account = call_service(
        lambda: services.create_account(actor=request.user, fields=fields, via="api")
    )
    return Status(201, account)


@router.get("/accounts/{account_id}", response=AccountOut)
def get_account(request: HttpRequest, account_id: int) -> Any:
    return selectors.get_account(request.user, account_id)


@router.patch("/accounts/{account_id}", response={200: AccountOut, 403: Message, 422: Message})
def update_account(request: HttpRequest, account_id: int, payload: AccountPatch) -> Any:
    account = selectors.get_account(request.user, account_id)
    changes = _account_fields(payload.dict(exclude_unset=True))
    call_service(
        lambda: services.update_account(
            actor=request.user, account=account, changes=changes, via="api"
        )
    )
    return account


@router.delete("/accounts/{account_id}", response={204: None, 403: Message})
def delete_account(request: HttpRequest, account_id: int) -> Any:
    account = selectors.get_account(request.user, account_id)
    call_service(lambda: services.delete_account(actor=request.user, account=account, via="api"))
    return Status(204, None)


# --- records that belong to an account ------------------------------------------------------


class ContactIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    email: str = ""
    phone: str = ""
    job_title: str = ""
    decision_role: str = "user"
    stance: str = "neutral"
    consent_contact: bool = True
    consent_survey: bool = False
    preferred_channel: str = "email"
    external_id: str = ""


class StakeholderIn(Schema):
    user: int
    role: str
    since: date | None = None
    notes: str = ""


class ExternalPartyIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: str
    contact_name: str = ""
    email: str = ""
    scope: str = ""


class ExpectationIn(Schema):
    description: str = Field(..., min_length=1)
    source: str
    raised_by: int | None = None
    agreed: bool = False
    agreed_on: date | None = None


class CommitmentIn(Schema):
    description: str = Field(..., min_length=1)
    due_date: date
    owner: int | None = None
    status: str = "open"
    expectation: int | None = None


class CommunicationIn(Schema):
    channel: str
    occurred_at: datetime
    summary: str = Field(..., min_length=1)
    direction: str = "outbound"
    contacts: list[int] = []
    follow_up: str = ""
    follow_up_due: date | None = None
    follow_up_done_on: date | None = None


class ContactOut(ModelSchema):
    class Meta:
        model = Contact
        fields = "__all__"


class AccountStakeholderOut(ModelSchema):
    class Meta:
        model = AccountStakeholder
        fields = "__all__"


class ExternalPartyOut(ModelSchema):
    class Meta:
        model = ExternalParty
        fields = "__all__"


class ExpectationOut(ModelSchema):
    class Meta:
        model = Expectation
        fields = "__all__"


class CommitmentOut(ModelSchema):
    class Meta:
        model = Commitment
        fields = "__all__"


class CommunicationOut(ModelSchema):
    class Meta:
        model = Communication
        fields = "__all__"


class RelatedFilters(FilterSchema):
    account: Annotated[int | None, FilterLookup("account_id")] = None


_FK_FIELDS = {"user", "owner", "raised_by", "expectation"}


def _related_fields(account_id: int, data: dict[str, Any], user: Any) -> dict[str, Any]:
    """Resolve contact ids within the account (a foreign id is a 422, never a leak)."""
    fields = {}
    for key, value in data.items():
        if key == "raised_by" and value is not None:
            contact = Contact.objects.filter(pk=value, account_id=account_id).first()
            if contact is None:
                raise HttpError(422, "raised_by: no such contact on this account")
            fields[key] = contact
        elif key in _FK_FIELDS:
            fields[f"{key}_id"] = value
        else:
            fields[key] = value
    return fields


def _contacts(account_id: int, ids: list[int]) -> list[Contact]:
    contacts = list(Contact.objects.filter(pk__in=ids, account_id=account_id))
    if len(contacts) != len(set(ids)):
        raise HttpError(422, "contacts: every contact must belong to this account")
    return contacts


def _register_related(
    path: str, model: type[Model], schema_in: type[Schema], schema_out: type[ModelSchema]
) -> None:
    name = model._meta.model_name
    patch_fields = {
        k: (v.annotation | None, None)  # type: ignore[operator]
        for k, v in schema_in.model_fields.items()
    }
    from pydantic import create_model

    schema_patch = create_model(f"{model.__name__}Patch", __base__=Schema, **patch_fields)  # type: ignore[call-overload]

    @router.get(
        f"/{path}",
        response=list[schema_out],  # type: ignore[valid-type]
        operation_id=f"list_{name}",
        tags=[path],
    )
    @paginate
    def list_records(request: HttpRequest, filters: Query[RelatedFilters]) -> Any:
        return filters.filter(selectors.related_for(request.user, model).order_by("pk"))

    @router.get(f"/{path}/{{pk}}", response=schema_out, operation_id=f"get_{name}", tags=[path])
    def get_record(request: HttpRequest, pk: int) -> Any:
        return selectors.get_related(request.user, model, pk)

    @router.post(
        f"/accounts/{{account_id}}/{path}",
        response={201: schema_out, 403: Message, 422: Message},
        operation_id=f"create_{name}",
        tags=[path],
    )
    def create_record(request: HttpRequest, account_id: int, payload: schema_in) -> Any:  # type: ignore[valid-type]
        account = selectors.get_account(request.user, account_id)
        data = payload.dict()  # type: ignore[attr-defined]
        instance: Model
        if model is Communication:
            contacts = _contacts(account_id, data.pop("contacts"))
            instance = call_service(
                lambda: services.log_communication(
                    actor=request.user, account=account, fields=data, contacts=contacts, via="api"
                )
            )
        else:
            fields = _related_fields(account_id, data, request.user)
            instance = call_service(
                lambda: services.create_related(
                    actor=request.user, model=model, account=account, fields=fields, via="api"
                )
            )
        return Status(201, instance)

    @router.patch(
        f"/{path}/{{pk}}",
        response={200: schema_out, 403: Message, 422: Message},
        operation_id=f"update_{name}",
        tags=[path],
    )
    def update_record(request: HttpRequest, pk: int, payload: schema_patch) -> Any:  # type: ignore[valid-type]
        instance = selectors.get_related(request.user, model, pk)
        data = payload.dict(exclude_unset=True)  # type: ignore[attr-defined]
        if model is Communication:
            ids = data.pop("contacts", None)
            contacts = None if ids is None else _contacts(instance.account_id, ids)
            call_service(
                lambda: services.update_communication(
                    actor=request.user,
                    communication=instance,
                    changes=data,
                    contacts=contacts,
                    via="api",
                )
            )
        else:
            changes = _related_fields(instance.account_id, data, request.user)
            call_service(
                lambda: services.update_related(
                    actor=request.user, instance=instance, changes=changes, via="api"
                )
            )
        return instance

    @router.delete(
        f"/{path}/{{pk}}",
        response={204: None, 403: Message},
        operation_id=f"delete_{name}",
        tags=[path],
    )
    def delete_record(request: HttpRequest, pk: int) -> Any:
        instance = selectors.get_related(request.user, model, pk)
        call_service(
            lambda: services.delete_related(actor=request.user, instance=instance, via="api")
        )
        return Status(204, None)


_register_related("contacts", Contact, ContactIn, ContactOut)
_register_related("stakeholders", AccountStakeholder, StakeholderIn, AccountStakeholderOut)
_register_related("external-parties", ExternalParty, ExternalPartyIn, ExternalPartyOut)
_register_related("expectations", Expectation, ExpectationIn, ExpectationOut)
_register_related("commitments", Commitment, CommitmentIn, CommitmentOut)
_register_related("communications", Communication, CommunicationIn, CommunicationOut)


from rapport.customers.cost_api import router as cost_router  # noqa: E402

router.add_router("", cost_router)
