"""Methods judged: response rate, coverage of decision makers and influencers, cost,
timeliness and the share of feedback that led to an action (a registry actions fills)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time

from rapport.customers import services as customer_services
from rapport.customers.models import Account, Channel, DecisionRole
from rapport.monitoring import evaluation, scheduling
from rapport.monitoring.models import ScheduledActivity
from tests.factories import ContactFactory, ResponseFactory
from tests.monitoring.builders import agree, draft_plan


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def used(world):
    """An agreed plan since 20 Sep: calls on the 1st (GBP 150 each), a survey wave on 1 Dec
    (GBP 987,654); two of the account's four key people on the call, one answers the wave."""
    with freeze_time("2026-09-20 12:00:00"):
        agree(world, draft_plan(world))
    dm = ContactFactory(account=world.account, decision_role=DecisionRole.DECISION_MAKER)
    influencer = ContactFactory(account=world.account, decision_role=DecisionRole.INFLUENCER)
    ContactFactory(account=world.account, decision_role=DecisionRole.INFLUENCER)
    ContactFactory(account=world.account, decision_role=DecisionRole.USER)
    account = Account.objects.get(pk=world.account.pk)
    with freeze_time("2026-10-02 12:00:00"):
        customer_services.log_communication(
            actor=world.user,
            account=account,
            fields={"channel": Channel.CALL, "occurred_at": _utc(2026, 10, 2, 10),
                    "summary": "Sponsor call"},
            contacts=[dm, influencer],
        )  # fmt: skip
    with freeze_time("2026-12-02 12:00:00"):
        wave = ScheduledActivity.objects.get(kind="survey_wave", due_at=_utc(2026, 12, 1, 9))
        scheduling.complete_activity(
            actor=world.user, activity=wave, invited=40, responses=10, note="sent"
        )
        ResponseFactory(
            account=world.account, submitted_at=_utc(2026, 12, 2), respondent_contact=dm
        )
    return world


@freeze_time("2026-12-20 12:00:00")
def test_each_method_is_judged(used):
    result = evaluation.evaluate_methods(
        accounts=Account.objects.filter(pk=used.account.pk), days=180
    )
    calls = result.per_method["account_call"]
    # Calls fell due 1 Oct, 1 Nov, 1 Dec: one done on time (by the logged call).
    assert (calls.activities, calls.done, calls.on_time) == (3, 1, 1)
    assert (calls.reached, calls.key_people) == (2, 4)  # the sponsor who signed is one
    assert calls.cost == {"GBP": Decimal("150.00")}
    assert calls.reached_per_thousand == pytest.approx(2 * 1000 / 150)
    assert calls.response_rate is None
    wave = result.per_method["survey_wave"]
    assert (wave.invited, wave.responses_with_invites) == (40, 10)
    assert wave.response_rate.value == pytest.approx(0.25)
    assert wave.reached == 1
    assert calls.action_text == "no feedback yet"  # actions registers its provider
    assert result.ranked()[0].kind == "account_call"
    assert result.advice.startswith("Account call reached the most")


@freeze_time("2026-12-20 12:00:00")
def test_the_action_share_comes_from_the_registered_provider(used, monkeypatch):
    def provider(account_ids, start, end):
        return {(used.account.pk, "survey_wave"): evaluation.ActionShare(10, 3)}

    monkeypatch.setattr(evaluation, "ACTION_SHARE_PROVIDERS", [provider])
    result = evaluation.evaluate_methods(accounts=Account.objects.all(), days=180)
    assert result.per_method["survey_wave"].action_text == "30 % (3 of 10)"
    assert result.per_method["account_call"].action_text == "no feedback yet"


@freeze_time("2026-12-20 12:00:00")
def test_the_evaluation_costs_a_fixed_number_of_queries(used, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):  # 6, and one for the actions provider
        evaluation.evaluate_methods(accounts=Account.objects.all(), days=180)
