"""The functions other apps call: the agreed version, its KPIs and targets, the owner."""

from __future__ import annotations

from datetime import UTC, datetime

from rapport.analytics.variance.targets import target_for
from rapport.monitoring import selectors
from rapport.monitoring.models import Kpi, MonitoringPlan, PlanMethod, PlanStatus, PlanVersion
from tests.factories import UserFactory


def _plan(world, *, status: str, number: int = 1) -> PlanVersion:
    plan, _ = MonitoringPlan.objects.get_or_create(account=world.account, team=world.team)
    return PlanVersion.objects.create(
        plan=plan,
        number=number,
        status=status,
        agreed_at=datetime(2026, 10, 1, 10, tzinfo=UTC) if status == "agreed" else None,
    )


def test_nothing_agreed_means_organisation_defaults(world):
    _plan(world, status=PlanStatus.DRAFT)
    assert selectors.agreed_version(account=world.account) is None
    assert selectors.kpis_for(account=world.account) == []
    assert selectors.kpi_target(account=world.account, metric="csat") is None
    target = target_for(world.account, "csat")
    assert target is not None
    assert target.value == 80.0
    assert "organisation default" in target.source


def test_agreed_kpi_replaces_the_default_with_its_source(world):
    _plan(world, status=PlanStatus.SUPERSEDED, number=2)
    agreed = _plan(world, status=PlanStatus.AGREED, number=3)
    Kpi.objects.create(version=agreed, metric="csat", target=88.0, tolerance=3.0)
    assert selectors.agreed_version(account=world.account) == agreed
    assert [k.metric for k in selectors.kpis_for(account=world.account)] == ["csat"]
    kpi = selectors.kpi_target(account=world.account, metric="csat")
    assert kpi is not None
    assert kpi.value == 88.0
    assert kpi.band == (85.0, 88.0)
    assert kpi.source == "agreed plan v3, 2026-10-01"
    target = target_for(world.account, "csat")
    assert target is not None
    assert (target.value, target.source) == (88.0, kpi.source)
    # A metric the plan does not name keeps the organisation's default.
    nps = target_for(world.account, "nps")
    assert nps is not None
    assert nps.value == 30.0


def test_responsible_owner_is_the_method_owner_else_the_account_owner(world):
    assert selectors.responsible_owner(account=world.account) is None
    world.account.owner = world.user
    world.account.save()
    assert selectors.responsible_owner(account=world.account) == world.user
    agreed = _plan(world, status=PlanStatus.AGREED)
    caller = UserFactory(username="carol")
    PlanMethod.objects.create(
        version=agreed, kind="account_call", recurrence="FREQ=MONTHLY", owner=caller
    )
    assert selectors.responsible_owner(account=world.account, method_kind="account_call") == caller
    assert selectors.responsible_owner(account=world.account) == caller
    assert selectors.responsible_owner(account=world.account, method_kind="survey_wave") == (
        world.user
    )
