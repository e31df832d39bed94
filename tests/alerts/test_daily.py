"""The daily evaluation: a row per team due at 06:00 local time, claimed by one worker,
rescheduled to the next 06:00 across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from rapport.alerts import services
from rapport.alerts.models import DailyEvaluation, Evaluation, RuleKind
from tests.alerts.builders import rule
from tests.factories import CommitmentFactory

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _london(settings):
    settings.TIME_ZONE = "Europe/London"
    services.organisation_zone.cache_clear()
    yield
    services.organisation_zone.cache_clear()


def _local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Before 06:00 → the same day; at or after → the next day.
        (_local(2026, 6, 1, 5, 59), _local(2026, 6, 1, 6, 0)),
        (_local(2026, 6, 1, 6, 0), _local(2026, 6, 2, 6, 0)),
        # Clocks go forward on Sunday 29 March 2026 at 01:00 UTC: 06:00 BST, 23 hours later.
        (_local(2026, 3, 28, 6, 0), _local(2026, 3, 29, 6, 0)),
        # Clocks go back on Sunday 25 October 2026: 06:00 GMT, 25 hours later.
        (_local(2026, 10, 24, 6, 0), _local(2026, 10, 25, 6, 0)),
    ],
)
def test_the_next_run_is_at_six_local_time(after, expected):
    due = services.next_daily_run(after)
    assert due == expected
    assert due.astimezone(LONDON).hour == 6


def _elapsed(after: dt.datetime) -> dt.timedelta:
    """Real time to the next run (in UTC: aware datetimes of one zone subtract wall clocks)."""
    return services.next_daily_run(after).astimezone(dt.UTC) - after.astimezone(dt.UTC)


def test_the_gap_across_daylight_saving_changes_is_23_and_25_hours():
    spring = _elapsed(_local(2026, 3, 28, 6, 0))
    autumn = _elapsed(_local(2026, 10, 24, 6, 0))
    assert (spring, autumn) == (dt.timedelta(hours=23), dt.timedelta(hours=25))


def test_each_team_is_evaluated_once_a_day_at_six(world):
    rule(RuleKind.COMMITMENT_OVERDUE)
    CommitmentFactory(account=world.account, due_date=dt.date(2026, 3, 20))
    with freeze_time(_local(2026, 3, 28, 12, 0)):
        assert services.run_daily_evaluations() == 0  # rows made, due tomorrow at 06:00
        rows = DailyEvaluation.objects.order_by("team_id")
        assert {r.next_due_at for r in rows} == {_local(2026, 3, 29, 6, 0)}
    with freeze_time(_local(2026, 3, 29, 6, 0, 30)):  # the first minute after the change
        assert services.run_daily_evaluations() == 2
        assert services.run_daily_evaluations() == 0  # claimed and rescheduled: not again
        row = DailyEvaluation.objects.get(team=world.team)
        assert row.next_due_at == _local(2026, 3, 30, 6, 0)
        assert row.last_run_at is not None
        assert row.claimed_by == ""
    assert Evaluation.objects.filter(trigger="daily").count() == 2
    assert Evaluation.objects.get(trigger="daily", team=world.team).opened == 1
