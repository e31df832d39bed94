"""Customer types and loyalty: the NPS thresholds on the scale snapshots store (−100…100)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.analytics.health import selectors as health_selectors
from rapport.analytics.loyalty.customer_types import (
    SegmentDefinition,
    customer_type,
    loyalty_of,
    value_band,
)
from rapport.analytics.models import AccountHealth, AccountSnapshot
from tests.factories import AccountFactory


@pytest.mark.parametrize(
    ("nps", "loyalty"),
    [(30.0, "loyal"), (29.9, "passive"), (0.0, "passive"), (-0.1, "detractor"), (None, "unknown")],
)
def test_loyalty_thresholds_read_nps_on_its_display_scale(nps, loyalty):
    assert loyalty_of(nps) == loyalty


@pytest.mark.parametrize("nps", [45.0, 12.0, -20.0, None])
@pytest.mark.parametrize("band", ["green", "amber", "red", ""])
@pytest.mark.parametrize("value", [Decimal(300_000), Decimal(50_000)])
def test_sql_type_matches_the_python_rule(world, nps, band, value):
    account = AccountFactory(team=world.team, annual_value=value)
    AccountHealth.objects.create(account=account, as_of=timezone.localdate(), band=band)
    AccountSnapshot.objects.create(
        account=account, metric="nps", as_of=timezone.localdate(), value=nps
    )
    row = health_selectors.segment_accounts(world.user, SegmentDefinition()).get(pk=account.pk)
    assert row.nps_value == nps
    expected = customer_type(band=band or "none", loyalty=loyalty_of(nps), value=value_band(value))
    assert row.customer_type == expected
    if band == "green" and nps == 45.0 and value >= 100_000:
        assert expected == "partner"  # an NPS of 45 is loyal, not a hundredfold short of it
