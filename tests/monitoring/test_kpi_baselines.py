"""The control-chart baseline comes from the agreed KPI: agreeing a version with baseline dates
agrees the analytics limits from that window; a window with too few responses says so."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.analytics.control import selectors as control
from rapport.analytics.models import ControlLimitSet
from rapport.monitoring import services
from rapport.monitoring.models import Kpi
from tests.analytics.builders import monday, weekly_csat
from tests.monitoring.builders import draft_plan, sponsor

FIRST_WEEK = monday(dt.date(2026, 1, 5))
BASELINE = [(50, 38), (50, 42)] * 13  # p̄ = 0.8 exactly


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


def _agree_with_baseline(world, start: dt.date, end: dt.date) -> list[str]:
    version = draft_plan(world)
    kpi = version.kpis.get(metric="csat")
    services.update_item(
        actor=world.user, item=kpi, data={"baseline_start": start, "baseline_end": end}
    )
    services.propose(actor=world.user, version=version)
    return services.agree(
        actor=world.user, version=version, agreed_with=sponsor(world), evidence_reference="QBR"
    )


def test_agreeing_sets_the_control_limits_from_the_kpi_baseline(world):
    weeks = weekly_csat(world.account, FIRST_WEEK, BASELINE)
    notes = _agree_with_baseline(world, weeks[0], weeks[-1] + dt.timedelta(days=6))
    assert notes == []
    limits = control.current_limit_sets(world.user, world.account.pk, ["csat"])["csat"]
    assert (limits.baseline_start, limits.baseline_end) == (weeks[0], weeks[-1] + dt.timedelta(6))
    assert limits.limits["centre"] == pytest.approx(0.8)
    assert limits.created_by == world.user


def test_a_baseline_with_too_few_responses_is_a_note_not_an_error(world):
    notes = _agree_with_baseline(world, dt.date(2025, 1, 6), dt.date(2025, 3, 30))
    assert len(notes) == 1
    assert notes[0].startswith("csat: control limits not set")
    assert not ControlLimitSet.objects.exists()
    assert Kpi.objects.filter(version__status="agreed", metric="csat").exists()
