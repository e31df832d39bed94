"""Actions fixtures: North's team with a manager, an owner and an agent; an action."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from rapport.actions import services
from rapport.core.models import Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def crew(world) -> SimpleNamespace:
    manager = UserFactory(username="mona")
    MembershipFactory(user=manager, team=world.team, role=Role.MANAGER)
    agent = UserFactory(username="agnes")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    return SimpleNamespace(
        team=world.team,
        owner=world.user,
        manager=manager,
        agent=agent,
        account=world.account,
        other=world.other_user,
        other_team=world.other_team,
        other_account=world.other_account,
        admin=world.admin,
    )


@pytest.fixture
def open_one(crew):
    def make(**changes):
        fields = {
            "actor": crew.owner,
            "team": crew.team,
            "account": crew.account,
            "title": "Call the sponsor about late deliveries",
            "description": "Agree a delivery plan.",
            "owner": crew.owner,
            "due_on": dt.date(2026, 3, 27),
            "severity": "high",
            "source_kind": "manual",
            "metric": "csat",
        }
        return services.open_action(**{**fields, **changes})

    return make
