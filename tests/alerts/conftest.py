"""Alerts tests start without the default rules (the migration installs them), so each test
says which rules are in force."""

from __future__ import annotations

import pytest

from rapport.alerts.models import Rule


@pytest.fixture(autouse=True)
def _no_default_rules(db) -> None:
    Rule.objects.filter(is_default=True).delete()
