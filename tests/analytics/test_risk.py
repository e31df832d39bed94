"""Each risk reason triggered on its own, on an account that is otherwise without risk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.analytics.health.risk import risk_reasons
from rapport.analytics.health.scoring import DEFAULT_WEIGHTING, Weighting, score_accounts
from rapport.analytics.health.services import refresh_health
from rapport.analytics.models import AccountHealth
from rapport.customers.models import CommitmentStatus, DecisionRole, Stance
from tests.analytics.health_builders import csat_sums, days_ago, snapshot
from tests.factories import CommitmentFactory, ContactFactory, ResponseFactory


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


@pytest.fixture
def calm(world):
    """A decision maker contacted 5 days ago, no renewal date, nothing broken."""
    account = world.account
    ContactFactory(account=account, name="Pat Boss", decision_role=DecisionRole.DECISION_MAKER,
                   stance=Stance.SUPPORTER, last_contacted_at=days_ago(5))  # fmt: skip
    account.last_contact_at = account.last_decision_maker_contact_at = days_ago(5)
    account.renewal_date = None
    account.save()
    return account


def _reasons(account, weighting=DEFAULT_WEIGHTING, **kwargs):
    account.refresh_from_db()
    batch, results = score_accounts([account], lambda _: weighting)
    return risk_reasons(account, batch, results[account.pk], weighting, **kwargs)


def test_calm_account_has_no_reasons(calm):
    assert _reasons(calm) == []


def test_decision_maker_recorded_as_critic(calm):
    calm.contacts.update(stance=Stance.CRITIC)
    (reason,) = _reasons(calm)
    assert reason.code == "critical_decision_maker"
    assert reason.text == "Pat Boss, decision maker, is recorded as a critic"


def test_decision_maker_detractor_in_latest_response_only(calm):
    boss = calm.contacts.get()
    ResponseFactory(account=calm, respondent_contact=boss, nps=10, submitted_at=days_ago(40))
    ResponseFactory(account=calm, respondent_contact=boss, nps=3, submitted_at=days_ago(2))
    (reason,) = _reasons(calm)
    assert reason.code == "critical_decision_maker"
    assert "answered 3 to the recommend question" in reason.text
    assert reason.data["latest_nps"] == 3
    ResponseFactory(account=calm, respondent_contact=boss, nps=9, submitted_at=days_ago(1))
    assert _reasons(calm) == []  # a later promoter answer clears it


def test_broken_commitments_in_last_12_months(calm):
    today = timezone.localdate()
    CommitmentFactory(account=calm, status=CommitmentStatus.BROKEN, description="Send the plan",
                      due_date=today - dt.timedelta(days=30),
                      closed_on=today - dt.timedelta(days=20))  # fmt: skip
    CommitmentFactory(account=calm, status=CommitmentStatus.BROKEN,
                      due_date=today - dt.timedelta(days=500),
                      closed_on=today - dt.timedelta(days=400))  # fmt: skip
    (reason,) = _reasons(calm)
    assert reason.code == "broken_commitments"
    assert reason.text.startswith("1 commitment broken in the last 12 months: “Send the plan”")


def test_renewal_within_the_team_window(calm):
    calm.renewal_date = timezone.localdate() + dt.timedelta(days=120)
    calm.save()
    assert _reasons(calm) == []
    (reason,) = _reasons(calm, Weighting(weights={}, renewal_days=150))
    assert reason.code == "renewal_soon"
    assert reason.data["days"] == 120
    calm.renewal_date = timezone.localdate() + dt.timedelta(days=30)
    calm.save()
    (reason,) = _reasons(calm)
    assert reason.text.startswith("Renewal in 30 days")


def test_no_decision_maker_contact_in_90_days(calm):
    calm.last_decision_maker_contact_at = days_ago(100)
    calm.save()
    (reason,) = _reasons(calm)
    assert reason.code == "decision_maker_silent"
    assert reason.text.startswith("No decision-maker contact for 100 days")


def test_feedback_significantly_down_is_a_falling_component(calm):
    snapshot(calm, "csat", csat_sums(100, 60), csat_sums(100, 90))
    (reason,) = _reasons(calm)
    assert reason.code == "falling_component"
    assert reason.text == "CSAT significantly down over 90 days: 90 → 60"
    snapshot(calm, "csat", csat_sums(100, 85), csat_sums(100, 90))  # not significant
    assert _reasons(calm) == []


def test_component_fallen_since_the_baseline(calm):
    since = timezone.localdate() - dt.timedelta(days=35)
    baseline = {"engagement": 100.0}
    assert _reasons(calm, baseline=baseline, baseline_as_of=since) == []
    calm.last_contact_at = days_ago(60)  # engagement 56.6, 43 points down
    calm.save()
    (reason,) = _reasons(calm, baseline=baseline, baseline_as_of=since)
    assert reason.code == "falling_component"
    assert reason.text.startswith("Engagement recency fell from 100 to 57 since")


def test_refresh_remembers_scores_and_compares_after_28_days(calm):
    today = timezone.localdate()
    refresh_health(today=today - dt.timedelta(days=40))
    calm.last_contact_at = days_ago(60)
    calm.save()
    refresh_health(today=today)
    stored = AccountHealth.objects.get(account=calm)
    assert stored.risk_codes == ",falling_component,"
    assert stored.baseline_as_of == today - dt.timedelta(days=40)
    assert len(stored.baseline["history"]) == 2
