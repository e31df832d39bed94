from __future__ import annotations

from collections.abc import Iterator

import pytest

from rapport.core.models import Role, User
from rapport.notifications.events import WEBHOOK_EVENTS, register_event
from tests.factories import MembershipFactory, UserFactory
from tests.notifications.receiver import receiver  # noqa: F401 - a fixture

EVENT = "thing.happened"


@pytest.fixture(autouse=True)
def test_event() -> Iterator[str]:
    """An event name as an app above would register it."""
    register_event(EVENT, "Something happened (tests)")
    yield EVENT
    WEBHOOK_EVENTS._entries.pop(EVENT, None)


@pytest.fixture
def manager(world) -> User:
    """A manager of North (alice's team): manages its webhooks."""
    user = UserFactory(username="margaret", email="margaret@north.example")
    MembershipFactory(user=user, team=world.team, role=Role.MANAGER)
    return user
