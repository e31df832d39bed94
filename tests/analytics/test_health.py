"""Health scores computed by hand: each component, the weighting, re-normalisation, bands."""

from __future__ import annotations

import pytest

from rapport.analytics.health.scoring import DEFAULT_WEIGHTING, Weighting, combine, score_accounts
from rapport.analytics.health.services import refresh_health
from rapport.analytics.models import AccountHealth
from rapport.customers.models import CommitmentStatus
from tests.analytics.health_builders import known_account
from tests.factories import AccountFactory

ENGAGEMENT = 100 * (120 - 40) / (120 - 14)
EXPECTED = {
    "feedback_level": 68.75,
    "feedback_trend": 75.0,
    "coverage": 50.0,
    "commitments": 75.0,
    "engagement": ENGAGEMENT,
}


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


def _health(account, weighting=DEFAULT_WEIGHTING):
    account.refresh_from_db()
    _, results = score_accounts([account], lambda _: weighting)
    return results[account.pk]


def test_each_component_and_the_weighted_score_by_hand(world):
    known_account(world.account)
    health = _health(world.account)
    scores = {c.key: c.score for c in health.components}
    assert scores == pytest.approx(EXPECTED)
    expected = 0.30 * 68.75 + 0.15 * 75 + 0.20 * 50 + 0.20 * 75 + 0.15 * ENGAGEMENT
    assert health.score == pytest.approx(expected)  # 68.2
    assert health.band == "amber"
    facts = {c.key: c.facts for c in health.components}
    assert "NPS 25 (" in facts["feedback_level"][0]
    assert "n = 40" in facts["feedback_level"][0]
    assert facts["coverage"][0] == "Decision makers contacted in 90 days: 1 of 2"
    assert "Dev Silent" in facts["coverage"][2]
    assert "Ivo Never" in facts["coverage"][2]
    assert facts["commitments"][0] == "Kept 3, broken 1 in the last 12 months"
    assert facts["engagement"][0].startswith("Last communication 40 days ago")


def test_a_component_without_data_is_left_out_and_weights_renormalised(world):
    known_account(world.account)
    world.account.commitments.all().delete()
    health = _health(world.account)
    commitments = next(c for c in health.components if c.key == "commitments")
    assert commitments.score is None
    assert commitments.note == "no commitment closed in 12 months"
    assert health.excluded == ("Commitments kept",)
    assert sum(health.shares.values()) == pytest.approx(1.0)
    assert health.shares["feedback_level"] == pytest.approx(30 / 80)
    expected = (30 * 68.75 + 15 * 75 + 20 * 50 + 15 * ENGAGEMENT) / 80
    assert health.score == pytest.approx(expected)


def test_feedback_below_minimum_n_is_never_a_number(world, settings):
    known_account(world.account)
    settings.RAPPORT_MIN_N = 41
    health = _health(world.account)
    level = next(c for c in health.components if c.key == "feedback_level")
    assert level.score is None
    assert level.facts == ("NPS: too few responses (n = 40 of 41)",
                           "CSAT: too few responses (n = 40 of 41)")  # fmt: skip
    assert "Feedback level" in health.excluded
    assert "Feedback trend" in health.excluded


def test_custom_weights_and_bands(world):
    known_account(world.account)
    only_coverage = Weighting(weights=dict.fromkeys(EXPECTED, 0) | {"coverage": 5})
    assert _health(world.account, only_coverage).score == pytest.approx(50.0)
    assert _health(world.account, only_coverage).band == "amber"
    strict = Weighting(weights={}, green_from=90, amber_from=69)
    assert _health(world.account, strict).band == "red"  # 68.2 rounds to 68 < 69


def test_nothing_to_score_gives_no_score_and_no_band():
    result = combine([], DEFAULT_WEIGHTING)
    assert result.score is None
    assert result.band == ""


def test_engagement_bounds(world):
    from rapport.analytics.health.scoring import Engagement
    from tests.analytics.health_builders import days_ago

    for days, expected in ((0, 100.0), (14, 100.0), (120, 0.0), (400, 0.0)):
        world.account.last_contact_at = days_ago(days)
        world.account.save()
        assert _component(world.account, "engagement") == pytest.approx(expected)
    assert isinstance(Engagement().label, str)


def _component(account, key):
    return next(c.score for c in _health(account).components if c.key == key)


def test_refresh_stores_scores_risks_and_codes(world):
    known_account(world.account)
    world.other_account.commitments.create(
        description="x", due_date=world.account.created_at.date(), status=CommitmentStatus.OPEN
    )
    assert refresh_health() == 2
    stored = AccountHealth.objects.get(account=world.account)
    assert stored.score == pytest.approx(68.2, abs=0.05)
    assert stored.band == "amber"
    assert [c["key"] for c in stored.components][:2] == ["feedback_level", "feedback_trend"]
    assert stored.risk_codes == ",broken_commitments,"
    assert stored.baseline["history"][0]["scores"]["coverage"] == 50.0


def test_refresh_costs_the_same_queries_for_more_accounts(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        known_account(AccountFactory(team=world.team))
    with CaptureQueriesContext(connection) as few:
        refresh_health()
    for _ in range(12):
        known_account(AccountFactory(team=world.team))
    with django_assert_max_num_queries(len(few.captured_queries)):
        refresh_health()
