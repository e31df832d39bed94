"""The inbox and a webhook endpoint in the browser: the unread count, opening a notification,
adding an endpoint (its secret once), a test event and its log."""

from __future__ import annotations

import re

import pytest

from rapport.core.models import Role
from rapport.notifications import services
from rapport.notifications.models import WebhookEndpoint
from tests.factories import AccountFactory, MembershipFactory, TeamFactory, UserFactory
from tests.notifications.receiver import start_receiver

pytestmark = pytest.mark.browser


@pytest.fixture
def people(transactional_db):
    team = TeamFactory(name="North")
    manager = UserFactory(username="maria", first_name="Maria", last_name="Okafor")
    MembershipFactory(user=manager, team=team, role=Role.MANAGER)
    account = AccountFactory(team=team, name="Acme Foods")
    for i, subject in enumerate(
        [
            "NPS at Acme Foods fell below its target",
            "You own a new action: call Acme's sponsor about late deliveries",
            "Quarterly service report for Acme Foods is ready",
        ]
    ):
        services.notify(
            recipients=[manager],
            kind=["alert.opened", "action.assigned", "report.ready"][i],
            subject=subject,
            body="Observed 12.5 (n = 64, 95 % interval 3.1 to 21.9) against a target of 30."
            if i == 0
            else "",
            link=f"/accounts/{account.pk}/",
            team=team,
            email=False,
        )
    return manager, team, account


@pytest.fixture
def receiver(settings):
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = True
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("width", [1440, 390])
def test_inbox_and_a_webhook_endpoint(people, receiver, page, live_server, sign_in, shot, width):
    _manager, _team, account = people
    page.set_viewport_size({"width": width, "height": 900})
    sign_in("maria")
    if width < 760:
        page.get_by_role("button", name="Menu").click()
    inbox_link = page.get_by_role("link", name="Inbox 3 new")
    assert inbox_link.is_visible()
    inbox_link.click()
    page.wait_for_url("**/inbox/")
    assert page.locator(".inbox-item.unread").count() == 3
    shot(f"inbox-{width}")
    page.locator(".inbox-item").first.get_by_role("button", name="Open").click()
    page.wait_for_url(f"**/accounts/{account.pk}/")
    assert page.locator("h1").inner_text().startswith("Acme Foods")
    if width < 760:
        page.get_by_role("button", name="Menu").click()
    assert page.get_by_role("link", name="Inbox 2 new").is_visible()

    page.goto(f"{live_server.url}/webhooks/")
    page.get_by_role("link", name="Add an endpoint").click()
    page.get_by_label("URL").fill(receiver.url + "/hook")
    page.get_by_label("webhook.test", exact=False).check()
    shot(f"endpoint-form-{width}")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/webhooks/\d+/$"))
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in page.locator(".secret").inner_text()
    page.get_by_role("button", name="Send test event").click()
    page.wait_for_url(f"**/webhooks/{endpoint.pk}/")
    services.deliver_due()
    page.reload()
    assert page.locator(".secret").count() == 0  # shown once
    row = page.locator("tbody tr").first
    assert "Sent" in row.inner_text()
    assert len(receiver.requests) == 1
    shot(f"endpoint-{width}")
