"""Alerts tests start without the default rules (the migration installs them), so each test
says which rules are in force; a test that asks for `with_default_rules` keeps them."""

from __future__ import annotations

import importlib

import pytest

from rapport.alerts.models import Rule


@pytest.fixture
def with_default_rules(db) -> list[Rule]:
    """The rules migration 0002 installs. A transactional test run earlier on the same worker
    empties every table (data written by migrations included), so they are put back."""
    if not Rule.objects.filter(is_default=True).exists():
        from django.apps import apps

        importlib.import_module("rapport.alerts.migrations.0002_default_rules").install(apps, None)
    return list(Rule.objects.filter(is_default=True))


@pytest.fixture(autouse=True)
def _no_default_rules(request, db) -> None:
    if "with_default_rules" not in request.fixturenames:
        Rule.objects.filter(is_default=True).delete()
