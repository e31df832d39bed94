"""The account page's tabs come from core.registries.ACCOUNT_TABS, filled by each app."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rapport.core.models import Role
from tests.factories import AccountFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _tabs(html: str) -> list[tuple[str, str, bool]]:
    nav = re.search(r'<nav class="tabs" aria-label="Account">(.*?)</nav>', html, re.S)
    assert nav is not None
    return [
        (href, label, bool(current))
        for href, current, label in re.findall(
            r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav.group(1)
        )
    ]


@pytest.mark.parametrize(
    ("url_name", "current"),
    [
        ("customers:account", "Overview"),
        ("analytics:account", "Analytics"),
        ("analytics:health", "Health &amp; profit"),
        ("analytics:swot", "SWOT"),
    ],
)
def test_every_account_page_shows_the_registered_tabs_in_order(client, url_name, current):
    membership = MembershipFactory(role=Role.MANAGER)
    account = AccountFactory(team=membership.team)
    client.force_login(membership.user)
    response = client.get(reverse(url_name, args=[account.pk]))
    assert response.status_code == 200
    assert _tabs(response.content.decode()) == [
        (reverse("customers:account", args=[account.pk]), "Overview", current == "Overview"),
        (reverse("analytics:account", args=[account.pk]), "Analytics", current == "Analytics"),
        (
            reverse("analytics:health", args=[account.pk]),
            "Health &amp; profit",
            current == "Health &amp; profit",
        ),
        (reverse("analytics:swot", args=[account.pk]), "SWOT", current == "SWOT"),
        # the control loop: the plan agreed, the expectations reviewed, alerts, actions
        (reverse("monitoring:account-plan", args=[account.pk]), "Plan", False),
        (reverse("agreements:account-reviews", args=[account.pk]), "Expectations", False),
        (reverse("alerts:account", args=[account.pk]), "Alerts", False),
        (reverse("actions:account", args=[account.pk]), "Actions", False),
    ]
