"""The share of each monitoring method's feedback that led to an action (decision 140): the
provider actions registers in monitoring's ACTION_SHARE_PROVIDERS, checked against counts made
by hand, and the methods page showing the figure instead of "not yet measured"."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import get_resolver
from freezegun import freeze_time

from rapport.actions.method_share import action_shares
from rapport.actions.models import Action, SourceKind
from rapport.enrichment.models import CommentAnalysis, ResponseTheme, Theme
from rapport.monitoring import evaluation
from rapport.monitoring.evaluation import ActionShare
from tests.factories import ResponseFactory
from tests.monitoring.builders import agree, draft_plan

NOW = datetime(2026, 12, 20, 12, tzinfo=UTC)
START = NOW - timedelta(days=180)  # 23 Jun 2026


def _at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=UTC)


def response(account, channel: str, at: datetime, *, theme: Theme | None = None):
    row = ResponseFactory(account=account, channel=channel, submitted_at=at, comment="x")
    if theme is not None:
        analysis = CommentAnalysis.objects.create(
            response=row, account=account, submitted_at=at, language="en", compound=-0.5,
            label="negative", redacted="x", model_version="test", analysed_at=at,
        )  # fmt: skip
        ResponseTheme.objects.create(analysis=analysis, theme=theme, confidence=1, source="rule")
    return row


def action(world, source_kind: str, opened: datetime, *, ref: str = "", account=None) -> Action:
    row = Action.objects.create(
        team=world.team, account=account or world.account, title=f"{source_kind} action",
        owner=world.user, due_on=opened.date() + dt.timedelta(days=7), source_kind=source_kind,
        source_ref=ref,
    )  # fmt: skip
    Action.objects.filter(pk=row.pk).update(created_at=opened)
    return row


@pytest.fixture
def history(world):
    """Feedback of Acme and Borealis and the actions that followed (or not), by hand:

    Acme, survey: 1 Oct (a SWOT action on 8 Oct, an alert one on 10 Oct, an incident one on
    20 Oct: led, once), 1 Aug (nothing within 30 days: no), 21 Oct (after it only a theme it
    does not carry, a manual action and an idea: no).
    Acme, complaints: 1 Nov with the theme "late invoices" (its theme action on 15 Nov: led),
    2 Nov without it (no).
    Acme, calls: 2 Oct (the same actions: led), 20 Nov (only a manual action and
    an idea followed: no).
    Acme, a review-site post (no method's) and a survey of May (before the window): not counted.
    Borealis, survey: 1 Oct (Acme's actions are not Borealis's: no).
    """
    theme, _ = Theme.objects.get_or_create(slug="late-invoices", defaults={"name": "Late invoices"})
    acme, borealis = world.account, world.other_account
    response(acme, "survey", _at(10, 1))
    response(acme, "survey", _at(8, 1))
    response(acme, "survey", _at(10, 21))
    response(acme, "complaint", _at(11, 1), theme=theme)
    response(acme, "complaint", _at(11, 2))
    response(acme, "call", _at(10, 2))
    response(acme, "call", _at(11, 20))
    response(acme, "review_site", _at(10, 1))
    response(acme, "survey", _at(5, 1))
    response(borealis, "survey", _at(10, 1))
    action(world, SourceKind.ALERT, _at(10, 10), ref="1")
    action(world, SourceKind.SWOT, _at(10, 8), ref="weakness")
    action(world, SourceKind.THEME, _at(11, 15), ref="late-invoices")
    action(world, SourceKind.INCIDENT, _at(10, 20), ref="3")
    action(world, SourceKind.MANUAL, _at(11, 25))
    action(world, SourceKind.IDEA, _at(11, 26), ref="4")
    return world


def test_the_provider_is_registered():
    assert action_shares in evaluation.ACTION_SHARE_PROVIDERS


def test_the_shares_match_the_hand_counts(history, django_assert_num_queries):
    acme, borealis = history.account.pk, history.other_account.pk
    with django_assert_num_queries(1):
        shares = action_shares({acme, borealis}, START, NOW)
    assert shares == {
        (acme, "survey_wave"): ActionShare(3, 1),
        (acme, "complaint_analysis"): ActionShare(2, 1),
        (acme, "account_call"): ActionShare(2, 1),
        (borealis, "survey_wave"): ActionShare(1, 0),
    }


def test_a_theme_action_counts_only_the_feedback_with_its_theme(history):
    Action.objects.exclude(source_kind=SourceKind.THEME).delete()
    shares = action_shares({history.account.pk}, START, NOW)
    assert shares[(history.account.pk, "complaint_analysis")] == ActionShare(2, 1)
    assert shares[(history.account.pk, "survey_wave")] == ActionShare(3, 0)


def test_actions_after_the_window_or_too_late_do_not_count(history):
    acme = history.account.pk
    # A window ending 9 Oct (from 12 Apr: the May survey is in it): the SWOT action of 8 Oct
    # answers the survey of 1 Oct; the alert of 10 Oct is after the window.
    end = _at(10, 9)
    shares = action_shares({acme}, end - timedelta(days=180), end)
    assert shares[(acme, "survey_wave")] == ActionShare(3, 1)
    Action.objects.filter(source_kind=SourceKind.SWOT).delete()
    shares = action_shares({acme}, end - timedelta(days=180), end)
    assert shares[(acme, "survey_wave")] == ActionShare(3, 0)
    # An action 31 days after a piece of feedback does not follow from it.
    Action.objects.all().delete()
    action(history, SourceKind.ALERT, _at(8, 1) + timedelta(days=30, minutes=1))
    assert action_shares({acme}, START, NOW)[(acme, "survey_wave")] == ActionShare(3, 0)


def test_the_methods_page_shows_the_share(history, client):
    get_resolver().url_patterns  # noqa: B018 - the API's schemas are built before time freezes
    with freeze_time("2026-09-20 12:00:00"):
        agree(history, draft_plan(history))
    with freeze_time(NOW):
        client.force_login(history.user)
        answer = client.get("/monitoring/methods/?days=180")
        assert answer.status_code == 200
        page = answer.content.decode()
        result = evaluation.evaluate_methods(
            accounts=type(history.account).objects.filter(pk=history.account.pk), days=180
        )
    assert result.per_method["account_call"].action_text == "50 % (1 of 2)"
    assert "50 % (1 of 2)" in page
    assert "not yet measured" not in page
