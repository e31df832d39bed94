"""/api/v1/notifications, /notification-settings and /webhooks."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.api.services import issue_token
from rapport.core.models import AuditEvent
from rapport.notifications import services
from rapport.notifications.models import Notification, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _api(user) -> Client:
    raw = issue_token(actor=user, user=user, name="t")[1]
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_list_and_mark_read(world, django_assert_max_num_queries):
    services.notify(
        recipients=[world.user, world.other_user],
        kind="alert.opened",
        subject="NPS fell",
        body="",
        link="/",
        team=world.team,
        email=False,
    )
    client = _api(world.user)
    with django_assert_max_num_queries(6):
        listing = client.get("/api/v1/notifications?unread=true")
    assert listing.status_code == 200
    (item,) = listing.json()["items"]
    assert item["subject"] == "NPS fell"
    assert item["read_at"] is None
    assert item["team"] == world.team.pk
    read = client.post(f"/api/v1/notifications/{item['id']}/read")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 0
    bobs = Notification.objects.get(recipient=world.other_user)
    assert client.get(f"/api/v1/notifications/{bobs.pk}").status_code == 404
    assert client.post(f"/api/v1/notifications/{bobs.pk}/read").status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_read_all(world):
    for i in range(3):
        Notification.objects.create(recipient=world.user, kind="k", subject=str(i))
    answer = _api(world.user).post("/api/v1/notifications/read-all", {}, content_type=JSON)
    assert answer.json() == {"marked_read": 3}


def test_email_setting(world):
    client = _api(world.user)
    assert client.get("/api/v1/notification-settings").json() == {"email": "immediately"}
    answer = client.put("/api/v1/notification-settings", {"email": "off"}, content_type=JSON)
    assert answer.json() == {"email": "off"}
    bad = client.put("/api/v1/notification-settings", {"email": "hourly"}, content_type=JSON)
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("email:")


def test_webhook_crud_test_event_and_deliveries(world, manager, receiver):
    client = _api(manager)
    events = client.get("/api/v1/webhook-events").json()
    assert {"name": "webhook.test", "description": events[0]["description"]} in events
    created = client.post(
        "/api/v1/webhooks",
        {"team": world.team.pk, "url": receiver.url, "events": ["webhook.test"]},
        content_type=JSON,
    )
    assert created.status_code == 201
    body = created.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] == endpoint.secret
    assert "secret" not in client.get(f"/api/v1/webhooks/{endpoint.pk}").json()
    assert client.get("/api/v1/webhooks").json()["count"] == 1

    patched = client.patch(
        f"/api/v1/webhooks/{endpoint.pk}", {"description": "CRM"}, content_type=JSON
    )
    assert patched.json()["description"] == "CRM"
    queued = client.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    assert queued.status_code == 202
    assert queued.json()["status"] == "queued"
    services.deliver_due()
    deliveries = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").json()["items"]
    assert deliveries[0]["status"] == "sent"
    assert deliveries[0]["log"][0]["response_code"] == 200
    rotated = client.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret").json()["secret"]
    endpoint.refresh_from_db()
    assert rotated == endpoint.secret
    assert client.delete(f"/api/v1/webhooks/{endpoint.pk}").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert (
        AuditEvent.objects.filter(object_type="notifications.webhookendpoint", via="api").count()
        == 4
    )


def test_a_private_url_is_422_naming_url(world, manager, settings):
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1/x", "http://localhost/x", "http://[::1]/", "gopher://a.b/"):
        answer = _api(manager).post(
            "/api/v1/webhooks",
            {"team": world.team.pk, "url": url, "events": ["webhook.test"]},
            content_type=JSON,
        )
        assert answer.status_code == 422, url
        assert answer.json()["detail"].startswith("url:"), answer.json()
    assert not WebhookEndpoint.objects.exists()


def test_other_teams_and_roles(world, manager, receiver):
    endpoint = services.create_endpoint(
        actor=manager, team=world.team, url=receiver.url, events=["webhook.test"]
    )
    for user in (world.other_user, world.user):  # South's account manager; North's, not manager
        client = _api(user)
        assert client.get("/api/v1/webhooks").json()["count"] == 0
        assert client.get(f"/api/v1/webhooks/{endpoint.pk}").status_code == 404
        assert client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").status_code == 404
        created = client.post(
            "/api/v1/webhooks",
            {"team": world.team.pk, "url": receiver.url, "events": ["webhook.test"]},
            content_type=JSON,
        )
        assert created.status_code == 403
    admin = _api(world.admin)
    assert admin.get(f"/api/v1/webhooks/{endpoint.pk}").status_code == 200
