"""notify(), queue_email() and deliver_due() through Django's locmem mail backend."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from rapport.notifications import services
from rapport.notifications.models import (
    DeliveryStatus,
    EmailDelivery,
    EmailMode,
    Notification,
    NotificationPreference,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.RAPPORT_BASE_URL = "https://rapport.example"


def test_notify_adds_inbox_lines_and_queues_an_email_each(world):
    world.user.email = "alice@example.com"
    world.user.save()
    world.other_user.email = ""
    world.other_user.save()
    lines = services.notify(
        recipients=[world.user, world.other_user],
        kind="action.assigned",
        subject="You own an action",
        body="Call the sponsor",
        link="/accounts/1/",
        team=world.team,
    )
    assert [n.recipient for n in lines] == [world.user, world.other_user]
    assert Notification.objects.count() == 2
    # bob has no address: one e-mail only
    email = EmailDelivery.objects.get()
    assert email.to == ["alice@example.com"]
    assert "https://rapport.example/accounts/1/" in email.body
    assert services.deliver_due() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert email.status == DeliveryStatus.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert email.claimed_by == ""
    assert email.next_due_at is None
    assert services.deliver_due() == 0


def test_dedupe_key_keeps_one_unread_line(world):
    kwargs = {
        "recipients": [world.user],
        "kind": "alert.opened",
        "subject": "s",
        "body": "",
        "link": "",
        "team": None,
    }
    assert len(services.notify(**kwargs, dedupe_key="alert:1")) == 1
    assert services.notify(**kwargs, dedupe_key="alert:1") == []
    line = Notification.objects.get()
    services.mark_read(actor=world.user, notification=line)
    assert len(services.notify(**kwargs, dedupe_key="alert:1")) == 1
    assert Notification.objects.count() == 2


def test_email_off_keeps_the_inbox_line_only(world):
    world.user.email = "alice@example.com"
    world.user.save()
    NotificationPreference.objects.create(user=world.user, email=EmailMode.OFF)
    services.notify(recipients=[world.user], kind="k", subject="s", body="b", link="", team=None)
    assert Notification.objects.count() == 1
    assert EmailDelivery.objects.count() == 0


def test_queue_email_with_attachment_is_sent(world):
    delivery = services.queue_email(
        to=["buyer@customer.example"],
        subject="Quarterly report",
        body="Attached.",
        team=world.team,
        attachments=[("report.pdf", b"%PDF-1.7 test", "application/pdf")],
        reason="report",
    )
    assert services.deliver_due() == 1
    (message,) = mail.outbox
    assert message.to == ["buyer@customer.example"]
    assert message.attachments[0][0] == "report.pdf"
    assert bytes(message.attachments[0][1]) == b"%PDF-1.7 test"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_queue_email_refuses_a_bad_address(world):
    with pytest.raises(ValidationError) as error:
        services.queue_email(to=["not an address"], subject="s", body="b", team=None)
    assert "to" in error.value.message_dict


def test_an_unregistered_event_is_logged_and_reaches_no_endpoint(world, caplog):
    lines = services.notify(
        recipients=[world.user],
        kind="k",
        subject="s",
        body="",
        link="",
        team=world.team,
        event="nope",
    )
    assert len(lines) == 1  # the caller's notification is not lost
    assert "'nope' is not registered" in caplog.text


def test_a_subject_with_line_breaks_is_sent_on_one_line(world):
    world.user.email = "alice@example.com"
    world.user.save()
    services.notify(
        recipients=[world.user], kind="k", subject="Two\nlines\r\n", body="", link="", team=None
    )
    services.queue_email(to=["x@example.com"], subject="A\nB", body="b", team=None)
    assert services.deliver_due() == 2
    assert sorted(m.subject for m in mail.outbox) == ["A B", "Two lines"]
