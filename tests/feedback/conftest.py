"""Fixtures for the feedback tests: uploads under a temporary MEDIA_ROOT, fast passwords,
and accounts with external ids the test files can name."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.customers.models import Account
from tests.factories import AccountFactory


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def accounts(world) -> dict[str, Account]:
    """A-1 and A-2 in alice's team (North), B-1 in bob's (South)."""
    Account.objects.filter(pk=world.account.pk).update(external_id="A-1")
    Account.objects.filter(pk=world.other_account.pk).update(external_id="B-1")
    return {
        "A-1": Account.objects.get(pk=world.account.pk),
        "A-2": AccountFactory(team=world.team, name="Cobalt Retail", external_id="A-2"),
        "B-1": Account.objects.get(pk=world.other_account.pk),
    }
