"""Evaluation after imports and writes reads the touched accounts only, in a number of queries
that does not grow with the responses stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.alerts import evaluation
from rapport.alerts.models import Alert, Evaluation, EvaluationTrigger, RuleKind
from rapport.analytics.rollups.services import rebuild_rollups
from rapport.customers.models import Account, DecisionRole
from tests.alerts.builders import days_ago, rule
from tests.factories import AccountFactory, CommitmentFactory, ContactFactory, ResponseFactory
from tests.feedback.helpers import HEADER, csv_bytes, import_bytes

EVERY_KIND = {
    RuleKind.TARGET_BREACHED: {"metric": "csat"},
    RuleKind.CONTROL_RULE_BROKEN: {"metric": "nps"},
    RuleKind.SIGNIFICANT_TREND: {"metric": "nps"},
    RuleKind.COMPLAINTS: {},
    RuleKind.DECISION_MAKER_DETRACTOR: {},
    RuleKind.DECISION_MAKER_SILENT: {},
    RuleKind.COMMITMENT_OVERDUE: {},
    RuleKind.EXPECTATION_NOT_MET: {},
    RuleKind.RENEWAL_HEALTH_FALLING: {},
}


@pytest.fixture
def every_kind(db):
    return [rule(kind, **params) for kind, params in EVERY_KIND.items()]


def _responses(account, count: int, start: int) -> None:
    dm = ContactFactory(account=account, decision_role=DecisionRole.DECISION_MAKER)
    for i in range(count):
        ResponseFactory(
            account=account, nps=9 if i % 3 else 10, csat=5, channel="survey",
            respondent_contact=dm if i % 7 == 0 else None,
            submitted_at=days_ago(1 + (start + i) % 300), external_id=f"bulk-{start + i}",
        )  # fmt: skip


def _queries(account_ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as captured:
        evaluation.run(account_ids, trigger=EvaluationTrigger.CHANGE)
    return len(captured)


def test_the_query_count_does_not_grow_with_the_responses_stored(world, every_kind):
    account = world.account
    account.last_decision_maker_contact_at = timezone.now()
    account.save()
    _responses(account, 40, 0)
    rebuild_rollups()
    evaluation.run([account.pk], trigger=EvaluationTrigger.CHANGE)  # opens what it finds
    before = _queries([account.pk])
    _responses(account, 400, 40)  # ten times as many
    rebuild_rollups()
    evaluation.run([account.pk], trigger=EvaluationTrigger.CHANGE)
    assert _queries([account.pk]) == before
    # Nor with the accounts in one batch: a second account costs no extra query.
    other = AccountFactory(team=world.team, name="Second",
                           last_decision_maker_contact_at=timezone.now())  # fmt: skip
    _responses(other, 40, 1000)
    rebuild_rollups()
    evaluation.run([account.pk, other.pk], trigger=EvaluationTrigger.CHANGE)
    assert not Alert.objects.exists()  # nothing to open, refresh or close: reads only
    assert _queries([account.pk, other.pk]) == before


def test_only_the_given_accounts_are_evaluated(world):
    rule(RuleKind.COMMITMENT_OVERDUE)
    late = timezone.localdate() - dt.timedelta(days=3)
    CommitmentFactory(account=world.account, due_date=late)
    CommitmentFactory(account=world.other_account, due_date=late)
    evaluation.run([world.account.pk], trigger=EvaluationTrigger.CHANGE)
    assert list(Alert.objects.values_list("account_id", flat=True)) == [world.account.pk]
    assert Evaluation.objects.get().account_ids == [world.account.pk]


def test_an_import_evaluates_the_accounts_it_wrote(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Account.objects.filter(pk=world.account.pk).update(external_id="A-1")
    Account.objects.filter(pk=world.other_account.pk).update(external_id="B-1")
    rule(RuleKind.COMPLAINTS, threshold=0, days=30)
    ResponseFactory(account=world.other_account, channel="complaint", submitted_at=days_ago(1))
    when = timezone.localtime(days_ago(1)).strftime("%Y-%m-%d %H:%M")
    job = import_bytes(
        world.user,
        csv_bytes(HEADER + ",channel", f"A-1,c1,{when},3,2,,late again,complaint"),
    )
    record = Evaluation.objects.get(trigger=EvaluationTrigger.IMPORT)
    assert (record.import_job_id, record.account_ids, record.opened) == (
        job.pk,
        [world.account.pk],
        1,
    )
    # South's complaint came outside the import: its account was not evaluated.
    assert list(Alert.objects.values_list("account_id", flat=True)) == [world.account.pk]


def test_a_response_written_through_the_api_evaluates_its_account(world, api_client):
    rule(RuleKind.COMPLAINTS, threshold=0, days=30)
    answer = api_client.post(
        "/api/v1/responses",
        {"account": world.account.pk, "channel": "complaint", "nps": 2,
         "submitted_at": days_ago(1).isoformat(), "comment": "Nobody called back"},
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code in (200, 201), answer.content
    record = Evaluation.objects.get(trigger=EvaluationTrigger.CHANGE)
    assert record.account_ids == [world.account.pk]
    assert Alert.objects.get().account_id == world.account.pk


def test_an_import_with_no_account_written_evaluates_nothing(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rule(RuleKind.COMPLAINTS)
    # The only row names an unknown account: rejected, nothing written.
    import_bytes(world.user, csv_bytes(HEADER, "NOPE,x1,2025-03-04 10:00,3,2,,"))
    assert not Evaluation.objects.exists()
