"""The inbox, notification settings and webhook pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.core.models import AuditEvent, Role
from rapport.notifications import services
from rapport.notifications.models import (
    EmailMode,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _lines(user, n: int, *, kind: str = "action.assigned", read: bool = False):
    now = timezone.now()
    return Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            subject=f"{kind} {i}",
            link="/",
            created_at=now - timedelta(minutes=i),
            read_at=now if read else None,
        )
        for i in range(n)
    )


def test_inbox_lists_unread_first_then_newest(world):
    old_unread = Notification.objects.create(
        recipient=world.user,
        kind="k",
        subject="Old unread",
        created_at=timezone.now() - timedelta(days=3),
    )
    new_read = Notification.objects.create(
        recipient=world.user, kind="k", subject="New read", read_at=timezone.now()
    )
    new_unread = Notification.objects.create(recipient=world.user, kind="k", subject="New unread")
    Notification.objects.create(recipient=world.other_user, kind="k", subject="Bob's")
    page = _client(world.user).get(reverse("notifications:inbox"))
    assert page.status_code == 200
    ids = [n.pk for n in page.context["page"].object_list]
    assert ids == [new_unread.pk, old_unread.pk, new_read.pk]
    assert "Bob&#x27;s" not in page.content.decode()


def test_the_navigation_counts_unread_in_one_query(world, django_assert_max_num_queries):
    _lines(world.user, 3)
    _lines(world.user, 2, read=True)
    client = _client(world.user)
    html = client.get(reverse("customers:portfolio")).content.decode()
    assert re.search(r'Inbox <span class="nav-count">3<', html)
    from rapport.notifications.registrations import unread_count

    request = type("R", (), {"user": world.user})()
    with django_assert_max_num_queries(1):
        assert unread_count(request) == 3


def test_filters_and_paging(world, settings):
    settings.RAPPORT_PAGE_SIZE = 5
    _lines(world.user, 7, kind="alert.opened")
    _lines(world.user, 3, kind="action.assigned", read=True)
    client = _client(world.user)
    page = client.get(reverse("notifications:inbox"), {"kind": "alert.opened"}).context["page"]
    assert page.paginator.count == 7
    assert len(page.object_list) == 5
    second = client.get(reverse("notifications:inbox"), {"kind": "alert.opened", "page": 2})
    assert len(second.context["page"].object_list) == 2
    unread = client.get(reverse("notifications:inbox"), {"unread": "1"}).context["page"]
    assert unread.paginator.count == 7
    assert {n.kind for n in unread.object_list} == {"alert.opened"}


def test_the_inbox_page_costs_the_same_for_many_lines(world, django_assert_max_num_queries):
    _lines(world.user, 40)
    client = _client(world.user)
    client.get(reverse("notifications:inbox"))  # warm the session
    # The page and the navigation's counts (one indexed COUNT per app).
    with django_assert_max_num_queries(13):
        assert client.get(reverse("notifications:inbox")).status_code == 200


def test_mark_one_and_all_read(world):
    first, *_others = _lines(world.user, 3)
    client = _client(world.user)
    answer = client.post(reverse("notifications:read", args=[first.pk]))
    assert answer.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications:read-all"))
    assert not Notification.objects.filter(recipient=world.user, read_at__isnull=True).exists()


def test_mark_all_read_of_one_kind(world):
    _lines(world.user, 2, kind="a")
    _lines(world.user, 2, kind="b")
    _client(world.user).post(reverse("notifications:read-all"), {"kind": "a"})
    unread = Notification.objects.filter(recipient=world.user, read_at__isnull=True)
    assert set(unread.values_list("kind", flat=True)) == {"b"}


def test_another_persons_notification_is_404(world):
    (line,) = _lines(world.user, 1)
    client = _client(world.other_user)
    assert client.post(reverse("notifications:read", args=[line.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[line.pk])).status_code == 404
    line.refresh_from_db()
    assert line.read_at is None


def test_open_marks_read_and_follows_the_link_inside_rapport_only(world):
    line = Notification.objects.create(
        recipient=world.user, kind="k", subject="s", link=f"/accounts/{world.account.pk}/"
    )
    outside = Notification.objects.create(
        recipient=world.user, kind="k", subject="s", link="https://evil.example/"
    )
    client = _client(world.user)
    answer = client.post(reverse("notifications:open", args=[line.pk]))
    assert answer.status_code == 302
    assert answer["Location"] == f"/accounts/{world.account.pk}/"
    answer = client.post(reverse("notifications:open", args=[outside.pk]))
    assert answer["Location"] == reverse("notifications:inbox")


def test_settings_page_turns_email_off_and_it_is_audited(world):
    client = _client(world.user)
    assert client.get(reverse("notifications:settings")).status_code == 200
    answer = client.post(reverse("notifications:settings"), {"email": "off"})
    assert answer.status_code == 302
    assert NotificationPreference.objects.get(user=world.user).email == EmailMode.OFF
    assert (
        AuditEvent.objects.filter(
            object_type="notifications.notificationpreference", actor=world.user
        ).count()
        == 1
    )
    answer = client.post(reverse("notifications:settings"), {"email": "weekly"}, follow=True)
    assert "Not saved" in answer.content.decode()
    assert NotificationPreference.objects.get(user=world.user).email == EmailMode.OFF


# --- webhooks -------------------------------------------------------------------------------


def test_a_manager_adds_an_endpoint_and_sees_the_secret_once(world, manager, receiver):
    client = _client(manager)
    answer = client.post(
        reverse("notifications:webhook-create"),
        {
            "team": world.team.pk,
            "url": receiver.url + "/hook",
            "events": ["webhook.test"],
            "active": "on",
        },
    )
    assert answer.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert answer["Location"] == reverse("notifications:webhook", args=[endpoint.pk])
    first = client.get(answer["Location"]).content.decode()
    assert endpoint.secret in first
    again = client.get(answer["Location"]).content.decode()
    assert endpoint.secret not in again
    assert AuditEvent.objects.filter(object_type="notifications.webhookendpoint").count() == 1


def test_a_private_url_is_a_form_error_on_url(world, manager, settings):
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = False
    answer = _client(manager).post(
        reverse("notifications:webhook-create"),
        {"team": world.team.pk, "url": "http://10.0.0.5/hook", "events": ["webhook.test"]},
    )
    assert answer.status_code == 200
    assert "url" in answer.context["form"].errors
    assert "private" in " ".join(answer.context["form"].errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_send_test_event_and_the_delivery_log(world, manager, receiver):
    endpoint = services.create_endpoint(
        actor=manager, team=world.team, url=receiver.url, events=["webhook.test"]
    )
    client = _client(manager)
    answer = client.post(reverse("notifications:webhook-test", args=[endpoint.pk]))
    assert answer.status_code == 302
    receiver.script = [500]
    services.deliver_due()
    WebhookDelivery.objects.update(next_due_at=timezone.now())
    services.deliver_due()
    page = client.get(reverse("notifications:webhook", args=[endpoint.pk]))
    html = page.content.decode()
    (delivery,) = page.context["page"].object_list
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("sent", 2, 200)
    assert "Every attempt" in html
    assert "HTTP 500" in html


def test_rotate_and_delete(world, manager, receiver):
    endpoint = services.create_endpoint(
        actor=manager, team=world.team, url=receiver.url, events=["webhook.test"]
    )
    client = _client(manager)
    old = endpoint.secret
    client.post(reverse("notifications:webhook-rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    page = client.get(reverse("notifications:webhook", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in page
    client.post(reverse("notifications:webhook-delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_edit_keeps_the_team(world, manager, receiver):
    endpoint = services.create_endpoint(
        actor=manager, team=world.team, url=receiver.url, events=["webhook.test"]
    )
    answer = _client(manager).post(
        reverse("notifications:webhook-edit", args=[endpoint.pk]),
        {"url": receiver.url + "/v2", "events": ["webhook.test"], "team": world.other_team.pk},
    )
    assert answer.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url + "/v2"
    assert endpoint.team == world.team
    assert endpoint.active is False  # unticked


def test_read_only_and_other_team_roles_see_no_webhook_controls(world, manager, receiver):
    endpoint = services.create_endpoint(
        actor=manager, team=world.team, url=receiver.url, events=["webhook.test"]
    )
    agent = UserFactory(username="north-agent")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    for user in (agent, world.user, world.other_user):  # agent, account manager, South
        client = _client(user)
        listing = client.get(reverse("notifications:webhooks"))
        assert listing.status_code == 200
        assert endpoint.url not in listing.content.decode()
        assert reverse("notifications:webhook-create") not in listing.content.decode()
        assert client.get(reverse("notifications:webhook", args=[endpoint.pk])).status_code == 404
        assert client.get(reverse("notifications:webhook-create")).status_code == 403
        inbox = client.get(reverse("notifications:inbox")).content.decode()
        assert reverse("notifications:webhooks") not in inbox
    manager_inbox = _client(manager).get(reverse("notifications:inbox")).content.decode()
    assert reverse("notifications:webhooks") in manager_inbox


def test_webhooks_list_costs_a_fixed_number_of_queries(
    world, manager, receiver, django_assert_max_num_queries
):
    for i in range(5):
        endpoint = services.create_endpoint(
            actor=manager, team=world.team, url=f"{receiver.url}/{i}", events=["webhook.test"]
        )
        services.send_test_event(actor=manager, endpoint=endpoint)
    client = _client(manager)
    client.get(reverse("notifications:webhooks"))
    with django_assert_max_num_queries(10):
        page = client.get(reverse("notifications:webhooks"))
    assert len(page.context["endpoints"]) == 5
    assert all(e.waiting == 1 for e in page.context["endpoints"])
