"""The owner's and the manager's e-mails, read from a real SMTP server, and their links."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from freezegun import freeze_time

from rapport.actions import services
from rapport.notifications.services import deliver_due

pytestmark = pytest.mark.django_db


def _link(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    [url] = re.findall(r"https?://\S+/actions/\d+/", body)
    return url


def test_owner_and_manager_are_mailed_with_links_that_open_the_action(
    crew, open_one, smtp_server, settings
):
    settings.RAPPORT_BASE_URL = "https://rapport.example"
    with freeze_time("2026-03-20 09:00:00"):
        action = open_one(owner=crew.owner, due_on=dt.date(2026, 3, 25))
    deliver_due()
    [opened] = smtp_server.wait_for(1)
    assert opened["To"] == crew.owner.email
    assert action.title in opened["Subject"]
    url = _link(opened)
    assert url == f"https://rapport.example/actions/{action.pk}/"
    with freeze_time("2026-03-26 00:30:00"):
        assert services.run_escalations() == 1
    deliver_due()
    messages = smtp_server.wait_for(2)
    [escalated] = [m for m in messages if m["To"] == crew.manager.email]
    assert "escalated" in escalated["Subject"].lower()
    client = Client()
    client.force_login(crew.manager)
    page = client.get(_link(escalated).removeprefix("https://rapport.example"))
    assert page.status_code == 200
    assert "Escalated (level 1)" in page.content.decode()
