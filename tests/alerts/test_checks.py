"""Each kind of rule fires on hand-made data just past its boundary, and not at it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.agreements.models import ExpectationReview
from rapport.alerts.models import Alert, AlertStatus, RuleKind
from rapport.analytics.models import AccountHealth
from rapport.customers.models import CommitmentStatus, DecisionRole, Expectation
from rapport.monitoring.models import Kpi, MonitoringPlan, PlanStatus, PlanVersion
from tests.alerts.builders import (
    csat_sums,
    days_ago,
    evaluate,
    months_back,
    nps_sums,
    rule,
    snapshot,
)
from tests.analytics.builders import monday, weekly_csat
from tests.factories import CommitmentFactory, ContactFactory, ResponseFactory


def _open(account) -> list[Alert]:
    return list(Alert.objects.filter(account=account, status=AlertStatus.OPEN))


# --- target breached ------------------------------------------------------------------------


def test_target_breached_uses_the_default_target_and_tolerance_without_a_plan(world):
    # Organisation default CSAT target 80 %, tolerance 5: below 75 % fires.
    rule(RuleKind.TARGET_BREACHED, metric="csat", default_tolerance=5)
    snapshot(world.account, "csat", csat_sums(100, 75))  # exactly 75 %: inside the band
    assert evaluate(world.account).opened == []
    snapshot(world.account, "csat", csat_sums(100, 74))
    [alert] = evaluate(world.account).opened
    assert alert.subject == "csat"
    assert "CSAT 74 %" in alert.observed
    assert "n=100" in alert.observed
    assert "at least 75" in alert.expected
    assert "default" in alert.expected


def test_target_breached_reads_the_agreed_kpi_and_its_direction(world):
    plan = MonitoringPlan.objects.create(account=world.account, team=world.team)
    version = PlanVersion.objects.create(
        plan=plan, number=1, status=PlanStatus.AGREED, agreed_at=timezone.now()
    )
    # NPS agreed at 40 ± 10 (higher is better): below 30 fires; the default would say 30 ± 5.
    Kpi.objects.create(version=version, metric="nps", target=40, tolerance=10, direction="higher")
    rule(RuleKind.TARGET_BREACHED, metric="nps")
    snapshot(world.account, "nps", nps_sums(100, 50, 20))  # NPS 30: on the band's edge
    assert evaluate(world.account).opened == []
    snapshot(world.account, "nps", nps_sums(100, 49, 20))  # NPS 29
    [alert] = evaluate(world.account).opened
    assert "agreed plan v1" in alert.expected


def test_target_breached_waits_for_enough_responses(world, settings):
    rule(RuleKind.TARGET_BREACHED, metric="csat")
    snapshot(world.account, "csat", csat_sums(settings.RAPPORT_MIN_N - 1, 0))
    assert evaluate(world.account).opened == []


# --- control rule broken --------------------------------------------------------------------


def test_control_rule_fires_while_the_worse_episode_is_open(world):
    rule(RuleKind.CONTROL_RULE_BROKEN, metric="csat")
    this_week = monday(timezone.localdate())
    first = this_week - dt.timedelta(weeks=33)
    # 30 steady weeks at 80 % then three at 40 %, the last one this week: an open episode.
    weekly_csat(world.account, first, [(60, 48)] * 30 + [(60, 24)] * 3)
    [alert] = evaluate(world.account).opened
    assert alert.kind == RuleKind.CONTROL_RULE_BROKEN
    assert "#chart-csat" in alert.link
    assert "for the worse" in alert.observed


def test_control_rule_is_quiet_once_the_episode_has_ended(world):
    rule(RuleKind.CONTROL_RULE_BROKEN, metric="csat")
    this_week = monday(timezone.localdate())
    first = this_week - dt.timedelta(weeks=37)
    # The same three bad weeks, then five normal ones: the episode is over.
    weekly_csat(world.account, first, [(60, 48)] * 30 + [(60, 24)] * 3 + [(60, 48)] * 5)
    assert evaluate(world.account).opened == []


# --- significant trend ----------------------------------------------------------------------


def _monthly(today: dt.date, values: list[float], n: int = 60) -> list[dict]:
    return [
        {"month": months_back(today, len(values) - 1 - i).isoformat(), "n": n, "value": v}
        for i, v in enumerate(values)
    ]


def test_significant_trend_fires_when_the_slope_interval_lies_below_zero(world):
    rule(RuleKind.SIGNIFICANT_TREND, metric="csat", periods=6)
    today = timezone.localdate()
    snapshot(world.account, "csat", csat_sums(100, 80), _monthly(today, [86, 83, 81, 78, 75, 72]))
    [alert] = evaluate(world.account).opened
    assert "a month over 6 months" in alert.observed


def test_significant_trend_is_quiet_on_noise_and_too_few_months(world, other_account_with_trend):
    rule(RuleKind.SIGNIFICANT_TREND, metric="csat", periods=6)
    today = timezone.localdate()
    # Falling, but noisily: the slope's interval includes zero.
    snapshot(world.account, "csat", csat_sums(100, 80), _monthly(today, [80, 84, 77, 83, 76, 79]))
    # Steep, but three months only (the rule needs four with enough responses).
    assert evaluate(world.account, other_account_with_trend).opened == []


@pytest.fixture
def other_account_with_trend(world):
    today = timezone.localdate()
    snapshot(
        world.other_account,
        "csat",
        csat_sums(100, 80),
        _monthly(today, [90, 80, 70, 60, 50, 40])[:3],
    )
    return world.other_account


# --- complaints -----------------------------------------------------------------------------


def test_complaints_above_the_threshold_in_the_window(world):
    rule(RuleKind.COMPLAINTS, threshold=2, days=30)
    for days in (1, 10):
        ResponseFactory(account=world.account, channel="complaint", submitted_at=days_ago(days))
    ResponseFactory(account=world.account, channel="complaint", submitted_at=days_ago(31))
    ResponseFactory(account=world.account, channel="survey", submitted_at=days_ago(2))
    assert evaluate(world.account).opened == []  # two in the window: not above 2
    ResponseFactory(account=world.account, channel="complaint", submitted_at=days_ago(29))
    [alert] = evaluate(world.account).opened
    assert alert.observed.startswith("3 complaints since")
    assert "channel=complaint" in alert.link
    assert "#feedback" in alert.link


# --- decision maker who is a detractor ------------------------------------------------------


def test_a_decision_makers_latest_answer_decides(world):
    rule(RuleKind.DECISION_MAKER_DETRACTOR, days=90)
    dm = ContactFactory(account=world.account, name="Dana Boss",
                        decision_role=DecisionRole.DECISION_MAKER)  # fmt: skip
    user = ContactFactory(account=world.account, decision_role=DecisionRole.USER)
    ResponseFactory(account=world.account, respondent_contact=user, nps=0, submitted_at=days_ago(1))
    ResponseFactory(account=world.account, respondent_contact=dm, nps=2, submitted_at=days_ago(91))
    ResponseFactory(account=world.account, respondent_contact=dm, nps=7, submitted_at=days_ago(5))
    assert evaluate(world.account).opened == []  # 7 is passive; the 2 is outside the window
    ResponseFactory(account=world.account, respondent_contact=dm, nps=6, submitted_at=days_ago(2))
    [alert] = evaluate(world.account).opened
    assert alert.subject == f"contact:{dm.pk}"
    assert "Dana Boss" in alert.observed
    assert "6 out of 10" in alert.observed


# --- no contact with a decision maker -------------------------------------------------------


def test_silent_decision_makers_after_n_days(world):
    rule(RuleKind.DECISION_MAKER_SILENT, days=60)
    account = world.account
    account.last_decision_maker_contact_at = None
    account.save()
    assert evaluate(account).opened == []  # no decision maker known: nobody to call
    ContactFactory(account=account, decision_role=DecisionRole.DECISION_MAKER)
    account.last_decision_maker_contact_at = days_ago(59)
    account.save()
    assert evaluate(account).opened == []
    account.last_decision_maker_contact_at = days_ago(61)
    account.save()
    [alert] = evaluate(account).opened
    assert "61 days ago" in alert.observed or "60 days ago" in alert.observed


# --- commitment overdue ---------------------------------------------------------------------


def test_commitments_past_their_due_date_and_grace(world):
    rule(RuleKind.COMMITMENT_OVERDUE, grace_days=2)
    today = timezone.localdate()
    CommitmentFactory(account=world.account, due_date=today - dt.timedelta(days=2))
    CommitmentFactory(account=world.account, due_date=today - dt.timedelta(days=9),
                      status=CommitmentStatus.KEPT)  # fmt: skip
    assert evaluate(world.account).opened == []
    late = CommitmentFactory(account=world.account, due_date=today - dt.timedelta(days=3))
    [alert] = evaluate(world.account).opened
    assert alert.subject == f"commitment:{late.pk}"
    assert "3 days after its due date" in alert.observed


# --- expectation not met --------------------------------------------------------------------


def _review(account, expectation, outcome: str, days: int) -> ExpectationReview:
    return ExpectationReview.objects.create(
        account=account, expectation=expectation, outcome=outcome,
        reviewed_on=timezone.localdate() - dt.timedelta(days=days), evidence="checked",
        is_latest=True,
    )  # fmt: skip


def test_an_expectation_whose_latest_review_is_not_met(world):
    rule(RuleKind.EXPECTATION_NOT_MET)
    met = Expectation.objects.create(account=world.account, description="Weekly report",
                                     source="contract")  # fmt: skip
    _review(world.account, met, "met", 3)
    assert evaluate(world.account).opened == []
    unmet = Expectation.objects.create(account=world.account, description="Four-hour response",
                                       source="contract")  # fmt: skip
    _review(world.account, unmet, "not_met", 1)
    [alert] = evaluate(world.account).opened
    assert alert.subject == f"expectation:{unmet.pk}"
    assert "Four-hour response" in alert.title


# --- renewal near with health falling -------------------------------------------------------


def _health(account, falling: bool) -> None:
    risks = (
        [{"code": "falling_component", "label": "Falling", "text": "Feedback fell from 80 to 60",
          "data": {}}] if falling else []
    )  # fmt: skip
    AccountHealth.objects.update_or_create(
        account=account,
        defaults={"as_of": timezone.localdate(), "score": 55.0, "band": "amber", "risks": risks,
                  "risk_count": len(risks)},
    )  # fmt: skip


def test_renewal_within_n_days_with_a_falling_component(world):
    rule(RuleKind.RENEWAL_HEALTH_FALLING, days=90)
    account = world.account
    account.renewal_date = timezone.localdate() + dt.timedelta(days=91)
    account.save()
    _health(account, falling=True)
    assert evaluate(account).opened == []  # too far off
    account.renewal_date = timezone.localdate() + dt.timedelta(days=90)
    account.save()
    _health(account, falling=False)
    assert evaluate(account).opened == []  # health steady
    _health(account, falling=True)
    [alert] = evaluate(account).opened
    assert "Feedback fell from 80 to 60" in alert.observed
