"""/api/v1/: expectation reviews and alternatives, agreement changes, incidents with their
accounts, notices and effect, notice templates. Same services as the pages: 422 naming the
field, 404 for another team's ids."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, ModelSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from rapport.agreements import selectors, services
from rapport.agreements.models import (
    AffectedAccount,
    AgreementChange,
    Alternative,
    ExpectationReview,
    Incident,
    Notice,
    NotificationTemplate,
)
from rapport.core.api import Message, call_service
from rapport.core.models import Team, User
from rapport.customers.models import Commitment, Contact, Expectation
from rapport.customers.selectors import get_account
from rapport.monitoring.models import PlanVersion

router = Router(tags=["agreements"])

OutcomeIn = Literal["met", "partly_met", "not_met"]
SeverityIn = Literal["low", "medium", "high", "critical"]
Money = Decimal | None


class AlternativeOut(ModelSchema):
    class Meta:
        model = Alternative
        fields = "__all__"


class AlternativeIn(Schema):
    description: str = Field(..., min_length=1)
    provider: Literal["inside", "outside"] = "inside"
    provider_name: str = Field("", max_length=200)
    currency: str | None = Field(None, description="Defaults to the account's currency.")
    cost_to_us: Money = Field(None, ge=0, max_digits=14, decimal_places=2)
    cost_to_us_note: str = Field("", max_length=300)
    benefit_to_us: Money = Field(None, ge=0, max_digits=14, decimal_places=2)
    benefit_to_us_note: str = Field("", max_length=300)
    cost_to_customer: Money = Field(None, ge=0, max_digits=14, decimal_places=2)
    cost_to_customer_note: str = Field("", max_length=300)
    benefit_to_customer: Money = Field(None, ge=0, max_digits=14, decimal_places=2)
    benefit_to_customer_note: str = Field("", max_length=300)


class ReviewOut(ModelSchema):
    alternatives: list[AlternativeOut]

    class Meta:
        model = ExpectationReview
        fields = "__all__"


class ReviewIn(Schema):
    outcome: OutcomeIn
    evidence: str = Field(..., min_length=1)
    reviewed_on: dt.date | None = None
    reasons_given: str = ""
    agreed_outcome: str = ""
    alternatives: list[AlternativeIn] = []


class ReviewPatch(Schema):
    outcome: OutcomeIn | None = None
    evidence: str | None = None
    reviewed_on: dt.date | None = None
    reasons_given: str | None = None
    agreed_outcome: str | None = None


class ChooseIn(Schema):
    agreed_outcome: str = ""


class ActionIn(Schema):
    owner: int
    due_on: dt.date
    severity: SeverityIn = "medium"


class ReviewFilters(Schema):
    account: int | None = None


def _alternative_fields(payload: AlternativeIn) -> dict[str, Any]:
    return payload.dict(exclude_none=True)


@router.get("/expectation-reviews", response=list[ReviewOut])
@paginate
def list_reviews(request: HttpRequest, filters: Query[ReviewFilters]) -> Any:
    return selectors.reviews_for(request.user, account_id=filters.account).prefetch_related(
        "alternatives"
    )


@router.get("/expectation-reviews/unmet", response=list[ReviewOut])
@paginate
def list_unmet(request: HttpRequest, team: int | None = None) -> Any:
    return selectors.team_unmet(request.user, team_id=team)


class DueOut(ModelSchema):
    last_reviewed_on: dt.date | None = None
    latest_outcome: str | None = None

    class Meta:
        model = Expectation
        fields = ["id", "account", "description", "source", "agreed", "agreed_on"]


class DueFilters(Schema):
    days: int = Field(selectors.REVIEW_EVERY_DAYS, ge=1, le=3650)
    team: int | None = None


@router.get("/expectation-reviews/due", response=list[DueOut])
@paginate
def list_due(request: HttpRequest, filters: Query[DueFilters]) -> Any:
    return selectors.review_schedule(request.user, days=filters.days, team_id=filters.team)


@router.get("/expectation-reviews/{pk}", response=ReviewOut)
def get_review(request: HttpRequest, pk: int) -> Any:
    return selectors.get_review(request.user, pk)


@router.post(
    "/expectations/{expectation_id}/reviews",
    response={201: ReviewOut, 403: Message, 422: Message},
)
def create_review(request: HttpRequest, expectation_id: int, payload: ReviewIn) -> Any:
    expectation = selectors.get_expectation(request.user, expectation_id)
    data = payload.dict(exclude={"alternatives"}, exclude_none=True)
    alternatives = [_alternative_fields(a) for a in payload.alternatives]
    review = call_service(
        lambda: services.record_review(
            actor=request.user,
            expectation=expectation,
            fields=data,
            alternatives=alternatives,
            via="api",
        )
    )
    return Status(201, review)


@router.patch("/expectation-reviews/{pk}", response={200: ReviewOut, 403: Message, 422: Message})
def update_review(request: HttpRequest, pk: int, payload: ReviewPatch) -> Any:
    review = selectors.get_review(request.user, pk)
    changes = payload.dict(exclude_unset=True)
    call_service(
        lambda: services.update_review(
            actor=request.user, review=review, changes=changes, via="api"
        )
    )
    return selectors.get_review(request.user, pk)


@router.delete("/expectation-reviews/{pk}", response={204: None, 403: Message})
def delete_review(request: HttpRequest, pk: int) -> Any:
    review = selectors.get_review(request.user, pk)
    call_service(lambda: services.delete_review(actor=request.user, review=review, via="api"))
    return Status(204, None)


@router.post(
    "/expectation-reviews/{pk}/action",
    response={201: ReviewOut, 403: Message, 422: Message},
)
def open_review_action(request: HttpRequest, pk: int, payload: ActionIn) -> Any:
    review = selectors.get_review(request.user, pk)
    owner = User.objects.filter(pk=payload.owner).first()
    if owner is None:
        raise HttpError(422, "owner: must be an active member of the team that owns this")
    call_service(
        lambda: services.open_review_action(
            actor=request.user,
            review=review,
            owner=owner,
            due_on=payload.due_on,
            severity=payload.severity,
        )
    )
    return Status(201, selectors.get_review(request.user, pk))


@router.post(
    "/expectation-reviews/{pk}/alternatives",
    response={201: AlternativeOut, 403: Message, 422: Message},
)
def create_review_alternative(request: HttpRequest, pk: int, payload: AlternativeIn) -> Any:
    review = selectors.get_review(request.user, pk)
    fields = _alternative_fields(payload)
    alternative = call_service(
        lambda: services.add_alternative(
            actor=request.user, review=review, fields=fields, via="api"
        )
    )
    return Status(201, alternative)


@router.post(
    "/incident-accounts/{pk}/alternatives",
    response={201: AlternativeOut, 403: Message, 422: Message},
)
def create_incident_alternative(request: HttpRequest, pk: int, payload: AlternativeIn) -> Any:
    affected = selectors.get_affected(request.user, pk)
    fields = _alternative_fields(payload)
    alternative = call_service(
        lambda: services.add_alternative(
            actor=request.user, affected_account=affected, fields=fields, via="api"
        )
    )
    return Status(201, alternative)


@router.get("/alternatives/{pk}", response=AlternativeOut)
def get_alternative(request: HttpRequest, pk: int) -> Any:
    return selectors.get_alternative(request.user, pk)


@router.post(
    "/alternatives/{pk}/choose", response={200: AlternativeOut, 403: Message, 422: Message}
)
def choose_alternative(request: HttpRequest, pk: int, payload: ChooseIn) -> Any:
    alternative = selectors.get_alternative(request.user, pk)
    return call_service(
        lambda: services.choose_alternative(
            actor=request.user,
            alternative=alternative,
            agreed_outcome=payload.agreed_outcome,
            via="api",
        )
    )


@router.delete("/alternatives/{pk}", response={204: None, 403: Message})
def delete_alternative(request: HttpRequest, pk: int) -> Any:
    alternative = selectors.get_alternative(request.user, pk)
    call_service(
        lambda: services.delete_alternative(actor=request.user, alternative=alternative, via="api")
    )
    return Status(204, None)


# --- agreement changes ------------------------------------------------------------------------


class NoticeOut(ModelSchema):
    class Meta:
        model = Notice
        fields = "__all__"


class ChangeOut(ModelSchema):
    notices: list[NoticeOut]

    class Meta:
        model = AgreementChange
        fields = "__all__"


class ChangeIn(Schema):
    subject: Literal["expectation", "commitment", "plan", "other"]
    expectation: int | None = None
    commitment: int | None = None
    plan_version: int | None = None
    what_changed: str = Field(..., min_length=1, max_length=200)
    before: str = ""
    after: str = Field(..., min_length=1)
    effective_on: dt.date
    contacts: list[int] = Field(..., min_length=1)
    template: int | None = None


@router.get("/agreement-changes", response=list[ChangeOut])
@paginate
def list_changes(request: HttpRequest, filters: Query[ReviewFilters]) -> Any:
    return selectors.changes_for(request.user, account_id=filters.account)


@router.get("/agreement-changes/{pk}", response=ChangeOut)
def get_change(request: HttpRequest, pk: int) -> Any:
    return selectors.get_change(request.user, pk)


@router.post(
    "/accounts/{account_id}/agreement-changes",
    response={201: ChangeOut, 403: Message, 422: Message},
)
def create_change(request: HttpRequest, account_id: int, payload: ChangeIn) -> Any:
    account = get_account(request.user, account_id)
    fields: dict[str, Any] = payload.dict(exclude={"contacts", "template"})
    # Ids resolve within the account (or its team): another account's id is a 422, not a leak.
    for name, model in (("expectation", Expectation), ("commitment", Commitment)):
        if fields[name] is not None:
            fields[name] = model.objects.filter(pk=fields[name], account_id=account.pk).first()
            if fields[name] is None:
                raise HttpError(422, f"{name}: choose one of this account's")
    if fields["plan_version"] is not None:
        fields["plan_version"] = PlanVersion.objects.filter(
            pk=fields["plan_version"], plan__account_id=account.pk
        ).first()
        if fields["plan_version"] is None:
            raise HttpError(422, "plan_version: choose a version of this account's plan")
    contacts = list(Contact.objects.filter(pk__in=payload.contacts, account_id=account.pk))
    if len(contacts) != len(set(payload.contacts)):
        raise HttpError(422, "contacts: every contact must belong to this account")
    template = None
    if payload.template is not None:
        template = NotificationTemplate.objects.filter(
            pk=payload.template, team_id=account.team_id
        ).first()
        if template is None:
            raise HttpError(422, "template: choose an agreement-change template of this team")
    change = call_service(
        lambda: services.record_agreement_change(
            actor=request.user,
            account=account,
            fields=fields,
            contacts=contacts,
            template=template,
            via="api",
        )
    )
    return Status(201, selectors.get_change(request.user, change.pk))


# --- incidents --------------------------------------------------------------------------------


class AffectedOut(ModelSchema):
    alternatives: list[AlternativeOut]

    class Meta:
        model = AffectedAccount
        fields = "__all__"


class IncidentOut(ModelSchema):
    affected: list[AffectedOut]

    class Meta:
        model = Incident
        fields = "__all__"


class IncidentIn(Schema):
    team: int
    title: str = Field(..., min_length=1, max_length=200)
    kind: Literal["outage", "delay", "price_change", "other"]
    severity: SeverityIn = "medium"
    description: str = Field(..., min_length=1)
    started_at: dt.datetime
    expected_end_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    what_we_offer: str = ""
    accounts: list[int] = []


class IncidentPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    kind: Literal["outage", "delay", "price_change", "other"] | None = None
    severity: SeverityIn | None = None
    description: str | None = None
    started_at: dt.datetime | None = None
    expected_end_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    what_we_offer: str | None = None
    accounts: list[int] | None = None


class AffectedPatch(Schema):
    impact: str | None = None
    agreed_outcome: str | None = None


class NotifyIn(Schema):
    template: int
    contacts: list[int] | None = Field(
        None, description="Key contacts to tell; all not yet told when left out."
    )


class NoticeDoneIn(Schema):
    summary: str = ""
    occurred_at: dt.datetime | None = None


class MetricOut(Schema):
    metric: str
    n: int
    value: float | None
    low: float | None
    high: float | None
    enough: bool


class EffectRowOut(Schema):
    label: str
    account_id: int | None
    before: MetricOut
    after: MetricOut
    difference: float | None
    low: float | None
    high: float | None
    verdict: str


class EffectOut(Schema):
    metric: str
    weeks: int
    before_start: dt.date
    start: dt.date
    after_end: dt.date
    complete: bool
    overall: EffectRowOut
    accounts: list[EffectRowOut]


def _incident(request: HttpRequest, pk: int) -> Incident:
    return (
        selectors.incidents_for(request.user)
        .prefetch_related("affected__alternatives")
        .get(pk=selectors.get_incident(request.user, pk).pk)
    )


@router.get("/incidents", response=list[IncidentOut])
@paginate
def list_incidents(request: HttpRequest, team: int | None = None) -> Any:
    return selectors.incidents_for(request.user, team_id=team).prefetch_related(
        "affected__alternatives"
    )


@router.get("/incidents/{pk}", response=IncidentOut)
def get_incident(request: HttpRequest, pk: int) -> Any:
    return _incident(request, pk)


@router.post("/incidents", response={201: IncidentOut, 403: Message, 422: Message})
def create_incident(request: HttpRequest, payload: IncidentIn) -> Any:
    team = selectors.visible_teams(request.user).filter(pk=payload.team).first()
    if team is None:
        raise HttpError(422, "team: choose one of your teams")
    data = payload.dict(exclude={"team", "accounts"})
    incident = call_service(
        lambda: services.create_incident(
            actor=request.user, team=team, fields=data, account_ids=payload.accounts, via="api"
        )
    )
    return Status(201, _incident(request, incident.pk))


@router.patch("/incidents/{pk}", response={200: IncidentOut, 403: Message, 422: Message})
def update_incident(request: HttpRequest, pk: int, payload: IncidentPatch) -> Any:
    incident = selectors.get_incident(request.user, pk)
    changes = payload.dict(exclude_unset=True)
    accounts = changes.pop("accounts", None)

    def apply() -> None:
        services.update_incident(actor=request.user, incident=incident, changes=changes, via="api")
        if accounts is not None:
            services.set_affected_accounts(
                actor=request.user, incident=incident, account_ids=accounts, via="api"
            )

    call_service(apply)
    return _incident(request, pk)


@router.delete("/incidents/{pk}", response={204: None, 403: Message})
def delete_incident(request: HttpRequest, pk: int) -> Any:
    incident = selectors.get_incident(request.user, pk)
    call_service(lambda: services.delete_incident(actor=request.user, incident=incident, via="api"))
    return Status(204, None)


@router.patch("/incident-accounts/{pk}", response={200: AffectedOut, 403: Message, 422: Message})
def update_affected(request: HttpRequest, pk: int, payload: AffectedPatch) -> Any:
    affected = selectors.get_affected(request.user, pk)
    changes = payload.dict(exclude_unset=True)
    call_service(
        lambda: services.update_affected_account(
            actor=request.user, affected=affected, changes=changes, via="api"
        )
    )
    return affected


@router.get("/incidents/{pk}/notices", response=list[NoticeOut])
@paginate
def list_incident_notices(request: HttpRequest, pk: int) -> Any:
    incident = selectors.get_incident(request.user, pk)
    return incident.notices.order_by("pk")


@router.post("/incidents/{pk}/notify", response={201: list[NoticeOut], 403: Message, 422: Message})
def notify_incident(request: HttpRequest, pk: int, payload: NotifyIn) -> Any:
    incident = selectors.get_incident(request.user, pk)
    template = NotificationTemplate.objects.filter(
        pk=payload.template, team_id=incident.team_id
    ).first()
    if template is None:
        raise HttpError(422, "template: choose an incident template of this team")
    notices = call_service(
        lambda: services.notify_incident(
            actor=request.user,
            incident=incident,
            template=template,
            contact_ids=payload.contacts,
            via="api",
        )
    )
    return Status(201, notices)


class EffectFilters(Schema):
    metric: Literal["nps", "csat"] = "nps"
    weeks: int | None = Field(
        None, ge=1, le=52, description="Defaults to the incident's length in weeks (2 to 12)."
    )


@router.get("/incidents/{pk}/effect", response=EffectOut)
def incident_effect(request: HttpRequest, pk: int, filters: Query[EffectFilters]) -> Any:
    incident = selectors.get_incident(request.user, pk)
    weeks = filters.weeks or selectors.effect_weeks(incident)
    effect = selectors.incident_effect(incident=incident, metric=filters.metric, weeks=weeks)
    return {
        "metric": effect.metric,
        "weeks": effect.weeks,
        "before_start": effect.before_start,
        "start": effect.start,
        "after_end": effect.after_end,
        "complete": effect.complete,
        "overall": effect.overall.as_dict(),
        "accounts": [row.as_dict() for row in effect.accounts],
    }


@router.get("/notices/{pk}", response=NoticeOut)
def get_notice(request: HttpRequest, pk: int) -> Any:
    return selectors.get_notice(request.user, pk)


@router.post("/notices/{pk}/done", response={200: NoticeOut, 403: Message, 422: Message})
def notice_done(request: HttpRequest, pk: int, payload: NoticeDoneIn) -> Any:
    notice = selectors.get_notice(request.user, pk)
    return call_service(
        lambda: services.complete_notice(
            actor=request.user,
            notice=notice,
            summary=payload.summary,
            occurred_at=payload.occurred_at,
            via="api",
        )
    )


# --- templates --------------------------------------------------------------------------------


class TemplateOut(ModelSchema):
    class Meta:
        model = NotificationTemplate
        fields = "__all__"


class TemplateIn(Schema):
    team: int
    name: str = Field(..., min_length=1, max_length=120)
    kind: Literal["incident", "agreement_change"]
    subject: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1)


class TemplatePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    kind: Literal["incident", "agreement_change"] | None = None
    subject: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = Field(None, min_length=1)


@router.get("/notice-templates", response=list[TemplateOut])
@paginate
def list_templates(request: HttpRequest, team: int | None = None) -> Any:
    return selectors.templates_for(request.user, team_id=team)


@router.get("/notice-templates/{pk}", response=TemplateOut)
def get_template(request: HttpRequest, pk: int) -> Any:
    return selectors.get_template(request.user, pk)


@router.post("/notice-templates", response={201: TemplateOut, 403: Message, 422: Message})
def create_template(request: HttpRequest, payload: TemplateIn) -> Any:
    team: Team | None = selectors.visible_teams(request.user).filter(pk=payload.team).first()
    if team is None:
        raise HttpError(422, "team: choose one of your teams")
    data = payload.dict(exclude={"team"})
    template = call_service(
        lambda: services.create_template(actor=request.user, team=team, fields=data, via="api")
    )
    return Status(201, template)


@router.patch("/notice-templates/{pk}", response={200: TemplateOut, 403: Message, 422: Message})
def update_template(request: HttpRequest, pk: int, payload: TemplatePatch) -> Any:
    template = selectors.get_template(request.user, pk)
    changes = payload.dict(exclude_unset=True)
    call_service(
        lambda: services.update_template(
            actor=request.user, template=template, changes=changes, via="api"
        )
    )
    return template


@router.delete("/notice-templates/{pk}", response={204: None, 403: Message})
def delete_template(request: HttpRequest, pk: int) -> Any:
    template = selectors.get_template(request.user, pk)
    call_service(lambda: services.delete_template(actor=request.user, template=template, via="api"))
    return Status(204, None)
