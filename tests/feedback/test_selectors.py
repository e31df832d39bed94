"""Reads are scoped: another team's responses and other people's imports do not exist (404)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from rapport.feedback import selectors
from rapport.feedback.models import ImportJob, ImportStatus
from tests.factories import MembershipFactory, ResponseFactory, UserFactory
from tests.feedback.helpers import HEADER, SOME_ROWS, import_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def responses(accounts):
    return {
        "mine": ResponseFactory(account=accounts["A-1"], comment="ok"),
        "mine too": ResponseFactory(account=accounts["A-2"], channel="call"),
        "theirs": ResponseFactory(account=accounts["B-1"]),
    }


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_responses_are_seen_through_the_accounts_team(responses, world):
    mine = {responses["mine"].pk, responses["mine too"].pk}
    assert _ids(selectors.responses_for(world.user)) == mine
    assert _ids(selectors.responses_for(world.other_user)) == {responses["theirs"].pk}
    assert _ids(selectors.responses_for(world.admin)) == mine | {responses["theirs"].pk}
    assert not selectors.responses_for(AnonymousUser()).exists()
    assert not selectors.responses_for(UserFactory(username="nobody")).exists()


def test_another_teams_response_is_not_found(responses, world):
    assert selectors.get_response(world.user, responses["mine"].pk) == responses["mine"]
    for pk in (responses["theirs"].pk, 999_999):
        with pytest.raises(Http404):
            selectors.get_response(world.user, pk)
    assert selectors.get_response(world.admin, responses["theirs"].pk) == responses["theirs"]


def test_an_account_filter_cannot_reach_another_team(responses, accounts, world):
    assert not selectors.responses_for(world.user, account=accounts["B-1"].pk).exists()
    assert _ids(selectors.responses_for(world.user, account=accounts["A-2"].pk)) == {
        responses["mine too"].pk
    }


def test_filters_by_channel_comment_and_local_days(accounts, world):
    zone = ZoneInfo(settings.TIME_ZONE)
    late = ResponseFactory(
        account=accounts["A-1"], submitted_at=dt.datetime(2025, 7, 1, 23, 30, tzinfo=zone)
    )
    early_next = ResponseFactory(
        account=accounts["A-1"],
        submitted_at=dt.datetime(2025, 7, 2, 0, 30, tzinfo=zone),
        comment="next day",
        channel="email",
    )
    day = dt.date(2025, 7, 1)
    assert _ids(selectors.responses_for(world.user, start=day, end=day)) == {late.pk}
    assert _ids(selectors.responses_for(world.user, start=day + dt.timedelta(days=1))) == {
        early_next.pk
    }
    assert _ids(selectors.responses_for(world.user, channel="email")) == {early_next.pk}
    assert _ids(selectors.responses_for(world.user, has_comment=True)) == {early_next.pk}
    assert _ids(selectors.responses_for(world.user, has_comment=False)) == {late.pk}
    newest_first = list(selectors.responses_for(world.user))
    assert newest_first == [early_next, late]


@pytest.fixture
def jobs(accounts, world):
    bad = "A-1,rx,2025-03-04 10:00,11,,,"
    return {
        "alice": import_lines(world.user, *SOME_ROWS, bad),
        "bob": import_lines(world.other_user, HEADER, "B-1,r1,2025-03-04 10:00,12,,,"),
    }


def test_imports_are_seen_by_who_started_them_and_administrators(jobs, world):
    assert list(selectors.imports_for(world.user)) == [jobs["alice"]]
    assert list(selectors.imports_for(world.other_user)) == [jobs["bob"]]
    assert set(selectors.imports_for(world.admin)) == {jobs["alice"], jobs["bob"]}
    assert not selectors.imports_for(AnonymousUser()).exists()
    # A team-mate does not see alice's import (it may name accounts of her other teams).
    mate = UserFactory(username="mate")
    MembershipFactory(user=mate, team=world.team)
    assert not selectors.imports_for(mate).exists()


def test_another_persons_import_and_its_errors_are_not_found(jobs, world):
    assert selectors.get_import(world.user, jobs["alice"].pk) == jobs["alice"]
    with pytest.raises(Http404):
        selectors.get_import(world.user, jobs["bob"].pk)
    with pytest.raises(Http404):
        selectors.import_errors(world.user, jobs["bob"].pk)
    assert list(selectors.import_errors(world.user, jobs["alice"].pk).values_list(
        "row_number", "column", "value"
    )) == [(5, "nps", "11")]  # fmt: skip
    assert selectors.import_errors(world.admin, jobs["bob"].pk).count() == 1


@pytest.mark.parametrize(
    ("fields", "summary"),
    [
        ({"status": ImportStatus.PENDING}, "Waiting for a worker to start the import."),
        ({"status": ImportStatus.RUNNING, "rows_read": 12000}, "Running: 12,000 rows read so far."),
        (
            {"status": ImportStatus.FAILED, "error": "the file is empty"},
            "Failed: the file is empty.",
        ),
        (
            {
                "status": ImportStatus.FAILED,
                "error": "the import was interrupted; resume it",
                "rows_read": 5000,
                "rows_inserted": 4990,
                "rows_rejected": 10,
            },
            "Failed: the import was interrupted; resume it. Before it stopped, 5,000 rows read: "
            "4,990 inserted, 0 updated, 0 unchanged, 10 rejected.",
        ),
        (
            {
                "status": ImportStatus.SUCCEEDED,
                "rows_read": 4,
                "rows_inserted": 1,
                "rows_updated": 1,
                "rows_skipped": 1,
                "rows_rejected": 1,
                "accounts_created": 2,
            },
            "4 rows read: 1 inserted, 1 updated, 1 unchanged, 1 rejected; 2 accounts created.",
        ),
    ],
)
def test_import_summary(fields, summary):
    assert selectors.import_summary(ImportJob(**fields)) == summary
