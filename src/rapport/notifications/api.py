"""/api/v1/notifications (one's own inbox) and /api/v1/webhooks (a team's endpoints, managers
and administrators; another team's endpoint is a 404)."""

from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from rapport.core.api import Message, call_service
from rapport.core.models import Team, User
from rapport.notifications import selectors, services
from rapport.notifications.events import event_choices
from rapport.notifications.models import Notification, WebhookAttempt, WebhookEndpoint

router = Router(tags=["notifications"])


# --- the inbox ------------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    link: str
    team: int | None = Field(None, alias="team_id")
    created_at: datetime
    read_at: datetime | None


class InboxQuery(Schema):
    kind: str = ""
    unread: bool = False


class ReadAllIn(Schema):
    kind: str = ""


class ReadAllOut(Schema):
    marked_read: int


class PreferenceIo(Schema):
    email: str = Field(..., description="immediately or off")


def _own(request: HttpRequest, notification_id: int) -> Notification:
    try:
        return selectors.get_notification(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise HttpError(404, "Not Found") from None


@router.get("/notifications", response=list[NotificationOut])
@paginate
def list_notifications(request: HttpRequest, query: Query[InboxQuery]) -> Any:
    """Your notifications, unread first, newest first."""
    return selectors.inbox(user=request.user, kind=query.kind, unread=query.unread)


# Before /notifications/{notification_id}, which would otherwise take "read-all" as an id.
@router.post("/notifications/read-all", response=ReadAllOut)
def read_all_notifications(request: HttpRequest, payload: ReadAllIn) -> Any:
    return {"marked_read": services.mark_all_read(actor=request.user, kind=payload.kind)}


@router.get("/notifications/{notification_id}", response=NotificationOut)
def get_notification(request: HttpRequest, notification_id: int) -> Any:
    return _own(request, notification_id)


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def read_notification(request: HttpRequest, notification_id: int) -> Any:
    return services.mark_read(actor=request.user, notification=_own(request, notification_id))


@router.get("/notification-settings", response=PreferenceIo)
def get_preference(request: HttpRequest) -> Any:
    user = request.user
    assert isinstance(user, User)  # the API authenticates every call
    return {"email": services.email_modes([user.pk])[user.pk]}


@router.put("/notification-settings", response={200: PreferenceIo, 422: Message})
def put_preference(request: HttpRequest, payload: PreferenceIo) -> Any:
    user = request.user
    assert isinstance(user, User)  # the API authenticates every call
    call_service(lambda: services.set_email_mode(actor=user, email=payload.email, via="api"))
    return {"email": payload.email}


# --- webhooks -------------------------------------------------------------------------------


class EventOut(Schema):
    name: str
    description: str


class EndpointOut(Schema):
    id: int
    team: int = Field(..., alias="team_id")
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(..., description="Shown once: keep it to check signatures.")


class EndpointIn(Schema):
    team: int
    url: str = Field(..., max_length=500)
    events: list[str]
    description: str = Field("", max_length=200)
    active: bool = True


class EndpointPatch(Schema):
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = None
    description: str | None = Field(None, max_length=200)
    active: bool | None = None


class SecretOut(Schema):
    secret: str


class AttemptOut(Schema):
    at: datetime
    response_code: int | None
    error: str
    next_try_at: datetime | None


class DeliveryOut(Schema):
    id: int
    event: str
    payload: dict[str, Any]
    status: str
    attempts: int
    response_code: int | None
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    next_try_at: datetime | None = Field(None, alias="next_due_at")
    log: list[AttemptOut] = Field(..., alias="log_list")


def _endpoint(request: HttpRequest, endpoint_id: int) -> WebhookEndpoint:
    try:
        return selectors.get_endpoint(user=request.user, endpoint_id=endpoint_id)
    except WebhookEndpoint.DoesNotExist:
        raise HttpError(404, "Not Found") from None


@router.get("/webhook-events", response=list[EventOut])
def list_events(request: HttpRequest) -> Any:
    """The events an endpoint may subscribe to."""
    return [{"name": name, "description": text} for name, text in event_choices()]


@router.get("/webhooks", response=list[EndpointOut])
@paginate
def list_endpoints(request: HttpRequest) -> Any:
    """The endpoints of the teams you manage."""
    return selectors.endpoints(user=request.user)


@router.post(
    "/webhooks", response={201: EndpointCreatedOut, 403: Message, 404: Message, 422: Message}
)
def create_endpoint(request: HttpRequest, payload: EndpointIn) -> Any:
    team = Team.objects.filter(pk=payload.team).first()
    if team is None:
        raise HttpError(404, "Not Found")
    endpoint = call_service(
        lambda: services.create_endpoint(
            actor=request.user,
            team=team,
            url=payload.url,
            events=payload.events,
            description=payload.description,
            active=payload.active,
            via="api",
        )
    )
    return Status(201, endpoint)


@router.get("/webhooks/{endpoint_id}", response=EndpointOut)
def get_endpoint(request: HttpRequest, endpoint_id: int) -> Any:
    return _endpoint(request, endpoint_id)


@router.patch("/webhooks/{endpoint_id}", response={200: EndpointOut, 403: Message, 422: Message})
def update_endpoint(request: HttpRequest, endpoint_id: int, payload: EndpointPatch) -> Any:
    endpoint = _endpoint(request, endpoint_id)
    changes = payload.dict(exclude_unset=True)
    call_service(
        lambda: services.update_endpoint(
            actor=request.user, endpoint=endpoint, via="api", **changes
        )
    )
    return endpoint


@router.delete("/webhooks/{endpoint_id}", response={204: None, 403: Message})
def delete_endpoint(request: HttpRequest, endpoint_id: int) -> Any:
    endpoint = _endpoint(request, endpoint_id)
    call_service(lambda: services.delete_endpoint(actor=request.user, endpoint=endpoint, via="api"))
    return Status(204, None)


@router.post("/webhooks/{endpoint_id}/rotate-secret", response={200: SecretOut, 403: Message})
def rotate_secret(request: HttpRequest, endpoint_id: int) -> Any:
    endpoint = _endpoint(request, endpoint_id)
    secret = call_service(
        lambda: services.rotate_secret(actor=request.user, endpoint=endpoint, via="api")
    )
    return {"secret": secret}


@router.post("/webhooks/{endpoint_id}/test", response={202: DeliveryOut, 403: Message})
def send_test_event(request: HttpRequest, endpoint_id: int) -> Any:
    endpoint = _endpoint(request, endpoint_id)
    delivery = call_service(
        lambda: services.send_test_event(actor=request.user, endpoint=endpoint, via="api")
    )
    delivery.log_list = []  # type: ignore[attr-defined]  # nothing tried yet
    return Status(202, delivery)


@router.get("/webhooks/{endpoint_id}/deliveries", response=list[DeliveryOut])
@paginate
def list_deliveries(request: HttpRequest, endpoint_id: int) -> Any:
    """The endpoint's deliveries, newest first, each with its attempts."""
    endpoint = _endpoint(request, endpoint_id)
    attempts = Prefetch(
        "log", queryset=WebhookAttempt.objects.order_by("at", "id"), to_attr="log_list"
    )
    return selectors.deliveries(endpoint=endpoint).prefetch_related(attempts)
