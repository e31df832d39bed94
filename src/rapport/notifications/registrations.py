"""What notifications registers with core (called from NotificationsConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from rapport.core.registries import DUE_WORK, NAV_ITEMS, PERIODIC, NavItem
from rapport.notifications.events import TEST_EVENT, register_event
from rapport.notifications.models import Notification
from rapport.notifications.services import deliver_due


def unread_count(request: HttpRequest) -> int:
    """The Inbox count in every page's navigation: one count on the partial unread index."""
    if not request.user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=request.user.pk, read_at__isnull=True).count()


def register() -> None:
    # In the minute's pass (order 50, before the apps above that queue notifications) and every
    # few seconds, so a notification sent from a request goes out promptly (decision 91).
    PERIODIC.register("notifications.deliver", deliver_due, order=50)
    DUE_WORK.register("notifications.deliver", deliver_due, order=50)
    NAV_ITEMS.register(
        "inbox", NavItem("Inbox", "notifications:inbox", "/inbox/", unread_count), order=50
    )
    register_event(TEST_EVENT, "A test event sent from the endpoint's page", order=0)
