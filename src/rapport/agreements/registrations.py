"""What agreements registers with the apps below it (called from AgreementsConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from rapport.agreements.selectors import due_notice_count
from rapport.core.registries import ACCOUNT_TABS, NAV_ITEMS, AccountTab, NavItem


def _due_notices(request: HttpRequest) -> int:
    return due_notice_count(request.user)


def register() -> None:
    ACCOUNT_TABS.register(
        "agreements",
        AccountTab("agreements", "Expectations", "agreements:account-reviews"),
        order=50,
    )
    # The count: notices the person still has to give by phone, meeting, letter or portal.
    NAV_ITEMS.register(
        "incidents",
        NavItem("Incidents", "agreements:incidents", "/incidents/", count=_due_notices),
        order=80,
    )
    NAV_ITEMS.register(
        "expectations",
        NavItem("Expectations", "agreements:expectations", "/expectations/"),
        order=81,
    )
