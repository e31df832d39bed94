"""The account page's trend: by week, month or quarter, drawn to fill its card, and by the
period that can be judged when months have too few responses (issue 11, item 1)."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.analytics.models import MetricRollup, Period
from rapport.analytics.rollups.selectors import metric_series, period_with_enough, trend_series


def month_rollup(account, start: dt.date, n: int, top2: int) -> None:
    MetricRollup.objects.create(
        account=account, metric="csat", period=Period.MONTH, period_start=start, n=n,
        total=4.0 * n, total_sq=16.0 * n, top2=top2,
    )  # fmt: skip


def months_of(account, year: int, counts: list[tuple[int, int]]) -> None:
    for i, (n, top2) in enumerate(counts):
        month_rollup(account, dt.date(year, i + 1, 1), n, top2)


@pytest.fixture
def small_account(world, settings):
    """Twelve months of 12 responses: no month reaches 30, every quarter (36) does."""
    settings.RAPPORT_MIN_N = 30
    months_of(world.account, 2025, [(12, 9)] * 12)
    return world.account


def test_quarters_add_up_their_months(world, settings):
    settings.RAPPORT_MIN_N = 30
    months_of(world.account, 2025, [(10, 5), (20, 10), (30, 30), (40, 20)])
    points = metric_series(
        world.user, scope_kind="account", scope_id=world.account.pk, metric="csat",
        period="quarter",
    )  # fmt: skip
    assert [(p.period_start, p.value.n) for p in points] == [
        (dt.date(2025, 1, 1), 60),
        (dt.date(2025, 4, 1), 40),
    ]
    assert points[0].value.value == pytest.approx(100 * 45 / 60)
    assert [p.value.enough for p in points] == [True, True]


def test_a_quarter_series_starting_mid_quarter_takes_the_whole_quarter(world):
    months_of(world.account, 2025, [(10, 5), (20, 10), (30, 30)])
    points = metric_series(
        world.user, scope_kind="account", scope_id=world.account.pk, metric="csat",
        period="quarter", start=dt.date(2025, 3, 15),
    )  # fmt: skip
    assert [(p.period_start, p.value.n) for p in points] == [(dt.date(2025, 1, 1), 60)]


def test_another_teams_account_has_no_quarters(world):
    months_of(world.other_account, 2025, [(40, 20)])
    with pytest.raises(Exception, match="No"):
        metric_series(
            world.user, scope_kind="account", scope_id=world.other_account.pk, metric="csat",
            period="quarter",
        )  # fmt: skip


def test_the_period_with_enough_is_the_shortest_where_most_periods_reach_min_n(
    small_account, world
):
    series = trend_series(world.user, account_id=small_account.pk, metric="csat")
    assert [len(series[p]) for p in ("week", "month", "quarter")] == [0, 12, 4]
    assert period_with_enough(series) == "quarter"


def test_no_period_is_enough_when_even_quarters_are_short(world, settings):
    settings.RAPPORT_MIN_N = 30
    months_of(world.account, 2025, [(5, 3)] * 6)
    assert period_with_enough(trend_series(world.user, account_id=world.account.pk,
                                           metric="csat")) is None  # fmt: skip


def test_a_small_account_is_shown_by_quarter_and_says_so(small_account, user_client):
    body = user_client.get(f"/accounts/{small_account.pk}/").content.decode()
    assert '<option value="quarter" selected>' in body
    assert "Shown by quarter: most months have fewer than 30 responses" in body
    assert "Trend of CSAT (%) by quarter from 2025-01-01 to 2025-10-01, 4 periods" in body


def test_asking_for_months_on_a_small_account_offers_quarters(small_account, user_client):
    body = user_client.get(f"/accounts/{small_account.pk}/?period=month").content.decode()
    assert '<option value="month" selected>' in body
    assert "Most months have fewer than 30 responses, too few to judge." in body
    assert 'href="?metric=csat&amp;period=quarter">Show by quarter</a>' in body


def test_an_account_with_enough_per_month_is_shown_by_month(world, user_client, settings):
    settings.RAPPORT_MIN_N = 30
    months_of(world.account, 2025, [(40, 30)] * 6)
    body = user_client.get(f"/accounts/{world.account.pk}/").content.decode()
    assert '<option value="month" selected>' in body
    assert "Most months have at least 30 responses." in body


def test_the_trend_is_drawn_wide_and_narrow_for_the_card(small_account, user_client):
    body = user_client.get(f"/accounts/{small_account.pk}/").content.decode()
    wide = body.index('<div class="chart-wide"><svg')
    narrow = body.index('<div class="chart-narrow"><svg')
    wide_width, narrow_width = (
        int(body[start:].split('viewBox="0 0 ', 1)[1].split()[0]) for start in (wide, narrow)
    )
    assert wide_width > 1000  # drawn for a desktop card
    assert narrow_width < 400  # and for a phone
