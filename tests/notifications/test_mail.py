"""Real messages through Django's SMTP backend to a local aiosmtpd server: read back, and their
links followed with the test client."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from rapport.notifications import services
from rapport.notifications.models import DeliveryStatus, EmailAttempt, EmailDelivery

pytestmark = pytest.mark.django_db

BASE = "https://rapport.example.org"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.RAPPORT_BASE_URL = BASE


def _link_in(text: str) -> str:
    match = re.search(re.escape(BASE) + r"/\S+", text)
    assert match, text
    return match.group(0)


def test_a_notification_email_arrives_and_its_link_opens_for_the_recipient_only(world, smtp_server):
    world.user.email = "alice@north.example"
    world.user.save()
    account_path = f"/accounts/{world.account.pk}/"
    services.notify(
        recipients=[world.user],
        kind="action.assigned",
        subject="Call Acme's sponsor",
        body="You own a new action on Acme Foods.",
        link=account_path,
        team=world.team,
    )
    assert services.deliver_due() == 1
    (message,) = smtp_server.wait_for(1)
    delivery = EmailDelivery.objects.get()
    assert message["To"] == "alice@north.example"
    assert message["Subject"] == "Call Acme's sponsor"
    assert message["Message-ID"] == delivery.message_id
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "You own a new action on Acme Foods." in text
    url = _link_in(text)
    assert url == BASE + account_path  # absolute, from RAPPORT_BASE_URL
    path = urlsplit(url).path

    recipient = Client()
    recipient.force_login(world.user)
    page = recipient.get(path)
    assert page.status_code == 200
    assert "Acme Foods" in page.content.decode()

    stranger = Client()  # bob, of the other team
    stranger.force_login(world.other_user)
    assert stranger.get(path).status_code == 404

    assert Client().get(path).status_code == 302  # signed out: to the login page
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert EmailAttempt.objects.get(delivery=delivery).ok


def test_queue_email_sends_html_and_a_pdf_attachment(world, smtp_server):
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    services.queue_email(
        to=["buyer@customer.example", "cfo@customer.example"],
        subject="Your quarterly service report",
        body="The report is attached.",
        html="<p>The report is <b>attached</b>.</p>",
        team=world.team,
        attachments=[("q1-report.pdf", pdf, "application/pdf")],
        reason="report.ready",
    )
    services.deliver_due()
    (message,) = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "buyer@customer.example, cfo@customer.example"
    assert message.get_body(preferencelist=("html",)).get_content().strip() == (
        "<p>The report is <b>attached</b>.</p>"
    )
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "q1-report.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf


def test_a_refused_connection_is_retried_then_sent(world, smtp_server, settings):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens: connection refused
    delivery = services.queue_email(to=["x@example.com"], subject="s", body="b", team=None)
    services.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error
    settings.EMAIL_PORT = port
    EmailDelivery.objects.filter(pk=delivery.pk).update(next_due_at=delivery.created_at)
    services.deliver_due()
    assert len(smtp_server.wait_for(1)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert [a.ok for a in delivery.log.all()] == [False, True]
