"""Shared fixtures: two teams with a member each, an administrator, and API clients."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from rapport.core.models import Role, Team, User
from tests.factories import AccountFactory, MembershipFactory, TeamFactory, UserFactory
from tests.smtp import smtp_server  # noqa: F401 - a fixture for every mail test

SHARED_REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


@pytest.fixture
def reference_dir() -> Path:
    if not SHARED_REFERENCE.is_dir():
        pytest.skip("../shared/reference is not present")
    return SHARED_REFERENCE


@dataclass
class World:
    """Two teams, each with an account manager and an account; an administrator over all."""

    team: Team
    other_team: Team
    user: User
    other_user: User
    admin: User
    account: object
    other_account: object


@pytest.fixture
def world(db) -> World:
    team, other_team = TeamFactory(name="North"), TeamFactory(name="South")
    user = UserFactory(username="alice")
    other_user = UserFactory(username="bob")
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    MembershipFactory(user=user, team=team, role=Role.ACCOUNT_MANAGER)
    MembershipFactory(user=other_user, team=other_team, role=Role.ACCOUNT_MANAGER)
    return World(
        team=team,
        other_team=other_team,
        user=user,
        other_user=other_user,
        admin=admin,
        account=AccountFactory(team=team, name="Acme Foods"),
        other_account=AccountFactory(team=other_team, name="Borealis Bank"),
    )


@pytest.fixture
def user_client(world: World) -> Client:
    client = Client()
    client.force_login(world.user)
    return client


@pytest.fixture
def api_token(world: World) -> str:
    from rapport.api.services import issue_token

    _, raw = issue_token(actor=world.user, user=world.user, name="tests")
    return raw


@pytest.fixture
def api_client(api_token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token}"})


@pytest.fixture
def worker_pass(monkeypatch):
    """One pass of `rapport worker`. The worker closes stale connections between tasks, which
    on PostgreSQL would close the test's own connection (its transaction holds the data)."""
    from rapport.core.worker import run_worker

    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    return lambda: run_worker(once=True)


@pytest.fixture(autouse=True, scope="session")
def _url_conf_loaded() -> None:
    """Import the URL conf (and with it the API's pydantic schemas) before any test freezes
    time: under freezegun, `date` in a schema built at first import is freezegun's FakeDate."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imported for its side effect
