"""Signed webhooks: what a receiver gets and can check, retries with backoff, refused targets,
redirects not followed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.core.models import AuditEvent
from rapport.notifications import services
from rapport.notifications.models import (
    DeliveryStatus,
    EmailDelivery,
    Notification,
    WebhookAttempt,
    WebhookDelivery,
)
from rapport.notifications.signing import verify
from rapport.notifications.targets import UnsafeTarget, check_url
from tests.notifications.conftest import EVENT

pytestmark = pytest.mark.django_db


def _endpoint(manager, team, url, events=(EVENT,)):
    return services.create_endpoint(actor=manager, team=team, url=url, events=list(events))


def _due_now(delivery: WebhookDelivery) -> None:
    """Let the backoff pass (the row's next try brought to now)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_due_at=timezone.now())


def test_a_notification_reaches_the_subscribed_endpoint_signed(world, manager, receiver):
    endpoint = _endpoint(manager, world.team, receiver.url + "/hook")
    other = _endpoint(manager, world.team, receiver.url + "/other", events=["webhook.test"])
    services.notify(
        recipients=[world.user],
        kind="thing",
        subject="It happened",
        body="Details",
        link="/accounts/1/",
        team=world.team,
        email=False,
        event=EVENT,
        payload={"account": 1, "severity": "high"},
    )
    assert services.deliver_due() == 1
    (got,) = receiver.wait_for(1)
    assert got.path == "/hook"  # not to `other`, which did not subscribe
    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == endpoint
    assert other.deliveries.count() == 0
    assert got.headers["X-Rapport-Event"] == EVENT
    assert got.headers["X-Rapport-Delivery"] == str(delivery.pk)
    assert got.headers["Content-Type"] == "application/json"
    timestamp = got.headers["X-Rapport-Timestamp"]
    assert abs(int(timestamp) - timezone.now().timestamp()) < 600
    # A receiver holding the secret checks the signature over "<timestamp>.<body>" ...
    assert verify(
        secret=endpoint.secret,
        timestamp=timestamp,
        body=got.body,
        header=got.headers["X-Rapport-Signature"],
    )
    # ... which no other secret, timestamp or body passes.
    assert not verify(
        secret="whsec_other",
        timestamp=timestamp,
        body=got.body,
        header=got.headers["X-Rapport-Signature"],
    )
    assert not verify(
        secret=endpoint.secret,
        timestamp=str(int(timestamp) + 1),
        body=got.body,
        header=got.headers["X-Rapport-Signature"],
    )
    body = json.loads(got.body)
    assert body == {
        "id": delivery.pk,
        "event": EVENT,
        "created_at": delivery.created_at.isoformat(),
        "data": {"account": 1, "severity": "high"},
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("sent", 200, 1)


def test_500_then_200_is_two_attempts_with_the_backoff_recorded(world, manager, receiver):
    endpoint = _endpoint(manager, world.team, receiver.url)
    receiver.script = [500]
    delivery = services.send_test_event(actor=manager, endpoint=endpoint)
    assert services.deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    assert (delivery.attempts, delivery.response_code) == (1, 500)
    assert delivery.last_error.startswith("HTTP 500")
    first = WebhookAttempt.objects.get(delivery=delivery)
    assert first.response_code == 500
    assert first.next_try_at - first.at == timedelta(minutes=services.BACKOFF_MINUTES[0])
    assert delivery.next_due_at == first.next_try_at
    assert services.deliver_due() == 0  # not due for a minute
    _due_now(delivery)
    assert services.deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("sent", 2, 200)
    assert delivery.next_due_at is None
    assert delivery.last_error == ""
    assert [a.response_code for a in delivery.log.all()] == [500, 200]
    # the same delivery id and the same body on both tries: the receiver can drop a repeat
    first_try, second_try = receiver.requests
    assert first_try.headers["X-Rapport-Delivery"] == second_try.headers["X-Rapport-Delivery"]
    assert first_try.body == second_try.body


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_backoff(world, manager, receiver):
    endpoint = _endpoint(manager, world.team, receiver.url)
    receiver.default = 503
    delivery = services.send_test_event(actor=manager, endpoint=endpoint)
    for _ in range(services.MAX_ATTEMPTS):
        _due_now(delivery)
        services.deliver_due()
        assert len(receiver.requests) == delivery.log.count()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == services.MAX_ATTEMPTS == 6
    assert delivery.next_due_at is None
    gaps = [
        round((a.next_try_at - a.at).total_seconds() / 60)
        for a in delivery.log.all()
        if a.next_try_at
    ]
    assert gaps == [1, 5, 30, 120, 720]
    assert services.deliver_due() == 0  # a given-up row is not due any more
    # the manager who added the endpoint is told, once
    (line,) = Notification.objects.filter(recipient=manager)
    assert line.kind == "webhook.failed"
    assert line.link == f"/webhooks/{endpoint.pk}/"
    assert "HTTP 503" in line.body
    assert EmailDelivery.objects.get(notification=line).to == ["margaret@north.example"]


def test_a_redirect_is_not_followed(world, manager, receiver):
    endpoint = _endpoint(manager, world.team, receiver.url + "/start")
    receiver.script = [302]
    receiver.location = receiver.url + "/elsewhere"
    delivery = services.send_test_event(actor=manager, endpoint=endpoint)
    services.deliver_due()
    assert [r.path for r in receiver.wait_for(1)] == ["/start"]
    delivery.refresh_from_db()
    assert delivery.response_code == 302
    assert delivery.status == DeliveryStatus.QUEUED  # retried later, as any non-2xx
    assert "not followed" in delivery.last_error


def test_an_error_connecting_is_retried(world, manager, settings):
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = True
    from tests.processes import free_port

    endpoint = _endpoint(manager, world.team, f"http://127.0.0.1:{free_port()}/")
    delivery = services.send_test_event(actor=manager, endpoint=endpoint)
    services.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    assert delivery.response_code is None
    assert "ConnectionError" in delivery.last_error


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/",
        "http://192.168.1.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost/hook",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "http://user:pass@93.184.215.14/",
    ],
)
def test_private_and_odd_targets_are_refused(url, settings):
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(UnsafeTarget):
        check_url(url)


def test_a_public_address_passes(settings):
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = False
    check_url("https://93.184.215.14/hook")  # an IP literal: no DNS needed


def test_allow_private_lets_a_local_receiver_through(settings):
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = True
    check_url("http://127.0.0.1:8000/hook")
    with pytest.raises(UnsafeTarget):  # but never another scheme
        check_url("ftp://127.0.0.1/")


def test_refused_at_save_naming_url(world, manager, settings):
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as error:
        _endpoint(manager, world.team, "http://127.0.0.1:9/hook")
    assert list(error.value.message_dict) == ["url"]
    assert "loopback" in error.value.message_dict["url"][0]
    assert not AuditEvent.objects.filter(object_type="notifications.webhookendpoint").exists()


def test_refused_again_at_send(world, manager, receiver, settings):
    endpoint = _endpoint(manager, world.team, receiver.url)  # allowed when saved
    delivery = services.send_test_event(actor=manager, endpoint=endpoint)
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = False  # as if DNS now answered a private address
    services.deliver_due()
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("refused:")
    assert delivery.status == DeliveryStatus.QUEUED


def test_only_managers_manage_endpoints(world, receiver):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # alice is an account manager
        _endpoint(world.user, world.team, receiver.url)


def test_endpoint_writes_are_audited(world, manager, receiver):
    endpoint = _endpoint(manager, world.team, receiver.url)
    services.update_endpoint(actor=manager, endpoint=endpoint, active=False)
    old = endpoint.secret
    new = services.rotate_secret(actor=manager, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.secret == new != old
    assert endpoint.active is False
    services.delete_endpoint(actor=manager, endpoint=endpoint)
    events = AuditEvent.objects.filter(object_type="notifications.webhookendpoint")
    assert sorted(events.values_list("action", flat=True)) == [
        "create",
        "delete",
        "update",
        "update",
    ]
    assert all("secret" not in (e.detail or "") for e in events)


def test_unknown_events_are_refused_naming_events(world, manager, receiver):
    with pytest.raises(ValidationError) as error:
        _endpoint(manager, world.team, receiver.url, events=["no.such.event"])
    assert list(error.value.message_dict) == ["events"]


def test_inactive_endpoints_get_nothing(world, manager, receiver):
    endpoint = _endpoint(manager, world.team, receiver.url)
    services.update_endpoint(actor=manager, endpoint=endpoint, active=False)
    services.notify(
        recipients=[], kind="k", subject="s", body="", link="", team=world.team, event=EVENT
    )
    assert WebhookDelivery.objects.count() == 0


def test_another_teams_endpoints_get_nothing(world, manager, receiver):
    _endpoint(manager, world.team, receiver.url)
    services.notify(
        recipients=[], kind="k", subject="s", body="", link="", team=world.other_team, event=EVENT
    )
    assert WebhookDelivery.objects.count() == 0
