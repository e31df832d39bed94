"""Demo data once per module for the report tests (loading takes a few seconds)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from rapport.core.models import Role, User
from rapport.customers.models import Account
from rapport.sampledata.load import load_demo
from rapport.sampledata.plan import DEMO_USERNAME


@dataclass
class Demo:
    user: User
    account: Account  # a key account of the demo user's team with an owner


@pytest.fixture(scope="module")
def demo_db(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The demo loaded once for a module, removed after it (module-scoped: each test still
    runs in its own transaction, rolled back)."""
    with django_db_blocker.unblock():
        from django.core.management import call_command

        load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
        try:
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(demo_db: None, db: Any) -> Demo:
    user = User.objects.get(username=DEMO_USERNAME)
    membership = user.memberships.filter(role__in=[Role.MANAGER, Role.ACCOUNT_MANAGER]).first()
    team_ids = (
        [membership.team_id]
        if membership
        else list(user.memberships.values_list("team_id", flat=True))
    )
    account = (
        Account.objects.filter(team_id__in=team_ids, owner__isnull=False)
        .order_by("-annual_value", "pk")
        .first()
    )
    assert account is not None
    return Demo(user=user, account=account)
