"""The 90-day change by channel: hand-computed mix and rate effects that add up exactly."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from django.http import Http404

from rapport.analytics.variance import channels as cv
from rapport.analytics.variance.targets import Target
from rapport.stats.intervals import bca_interval
from tests.analytics.builders import responses

AS_OF = dt.date(2026, 6, 30)
CURRENT_DAY = AS_OF - dt.timedelta(days=10)
PREVIOUS_DAY = AS_OF - dt.timedelta(days=100)


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


@pytest.fixture
def two_channels(world):
    """Previous: survey 60/80 satisfied, e-mail 10/20 (70 % overall).
    Last 90 days: survey 40/50, e-mail 30/50 (70 % overall): no change, but not no news."""
    a = world.account
    responses(a, PREVIOUS_DAY, 60, channel="survey", csat=5)
    responses(a, PREVIOUS_DAY, 20, channel="survey", csat=2)
    responses(a, PREVIOUS_DAY, 10, channel="email", csat=4)
    responses(a, PREVIOUS_DAY, 10, channel="email", csat=3)
    responses(a, CURRENT_DAY, 40, channel="survey", csat=4)
    responses(a, CURRENT_DAY, 10, channel="survey", csat=1)
    responses(a, CURRENT_DAY, 30, channel="email", csat=5)
    responses(a, CURRENT_DAY, 20, channel="email", csat=3)
    # Outside both windows, or not answering CSAT: ignored.
    responses(a, AS_OF - dt.timedelta(days=200), 5, channel="call", csat=1)
    responses(a, CURRENT_DAY, 5, channel="call", csat=None)
    return a


def test_hand_computed_mix_and_rate_effects(two_channels):
    result = cv.channel_variance_for(two_channels, "csat", as_of=AS_OF, target=Target(80.0, "test"))
    assert result.enough
    assert result.previous.value == pytest.approx(70.0)
    assert result.current.value == pytest.approx(70.0)
    assert result.change.value == pytest.approx(0.0)
    rows = {row.key: row for row in result.channels}
    assert set(rows) == {"survey", "email"}
    # Shares 0.8/0.2 → 0.5/0.5; rates 75/50 → 80/60; midpoint overall rate 70.
    # mix: (0.5 - 0.8)(77.5 - 70) = -2.25 and (0.5 - 0.2)(55 - 70) = -4.5
    # rate: (80 - 75) × 0.65 = 3.25 and (60 - 50) × 0.35 = 3.5
    assert rows["survey"].mix.value == pytest.approx(-2.25)
    assert rows["email"].mix.value == pytest.approx(-4.5)
    assert rows["survey"].rate.value == pytest.approx(3.25)
    assert rows["email"].rate.value == pytest.approx(3.5)
    assert result.mix.value == pytest.approx(-6.75)
    assert result.rate.value == pytest.approx(6.75)
    assert rows["survey"].previous_share == pytest.approx(80.0)
    assert rows["email"].current.n == 50
    # Against the target of 80: gap -10, all from e-mail (0.5 × (60 - 80)).
    assert result.gap.value == pytest.approx(-10.0)
    assert rows["survey"].to_target.value == pytest.approx(0.0)
    assert rows["email"].to_target.value == pytest.approx(-10.0)


def test_parts_add_exactly_and_so_do_the_shown_figures(world):
    rng = random.Random(5)
    channels = ["survey", "email", "call", "business_review", "mystery_shop"]
    for day in (PREVIOUS_DAY, CURRENT_DAY):
        for channel in channels:
            for _ in range(rng.randint(3, 40)):
                responses(world.account, day, 1, channel=channel, nps=rng.randint(0, 10))
    result = cv.channel_variance_for(world.account, "nps", as_of=AS_OF)
    parts = sum(row.mix.value + row.rate.value for row in result.channels)
    assert parts == pytest.approx(result.current.value - result.previous.value, abs=1e-9)
    assert result.mix.value + result.rate.value == pytest.approx(result.change.value, abs=1e-9)
    shown = round(sum(row.mix.shown + row.rate.shown for row in result.channels), 1)
    assert shown == result.change.shown
    assert round(result.mix.shown + result.rate.shown, 1) == result.change.shown
    for row in result.channels:
        assert round(row.mix.shown + row.rate.shown, 1) == row.total.shown
        assert row.mix.low <= row.mix.value <= row.mix.high


def test_effect_intervals_cover_the_estimate_and_are_repeatable(two_channels):
    first = cv.channel_variance_for(two_channels, "csat", as_of=AS_OF)
    again = cv.channel_variance_for(two_channels, "csat", as_of=AS_OF)
    assert first == again
    assert first.rate.low < first.rate.value < first.rate.high
    # The total change interval is the one the significance test uses.
    assert first.change.low < 0 < first.change.high
    assert first.change_label == "no significant change"


def test_too_few_responses_says_so_and_does_not_decompose(world):
    responses(world.account, PREVIOUS_DAY, 40, channel="survey", csat=5)
    responses(world.account, CURRENT_DAY, 12, channel="survey", csat=5)
    result = cv.channel_variance_for(world.account, "csat", as_of=AS_OF)
    assert not result.enough
    assert result.change is None
    assert "Too few responses" in result.message
    assert "12 in the last 90 days" in result.message
    assert not result.current.enough


def test_no_bootstrap_effects_below_20_responses_even_with_a_lower_min_n(world, settings):
    settings.RAPPORT_MIN_N = 10
    responses(world.account, PREVIOUS_DAY, 40, channel="survey", csat=5)
    responses(world.account, CURRENT_DAY, 15, channel="survey", csat=4)
    result = cv.channel_variance_for(world.account, "csat", as_of=AS_OF)
    assert not result.enough
    assert result.mix is None
    assert "at least 20 in each are needed" in result.message
    assert result.current.enough  # the figure itself is shown; only the split is not


def test_effect_intervals_are_bca_with_the_cell_jackknife(two_channels):
    # Independent of the shortcut: the jackknife at response level (each response left out
    # in turn, 200 of them) gives the same BCa limits as one row per channel × category.
    keys = ["survey", "email"]
    cells0 = np.array([[60.0, 20.0], [10.0, 10.0]])
    cells1 = np.array([[40.0, 10.0], [30.0, 20.0]])
    effects = cv._effects("csat", keys, cells0, cells1, 80.0)
    low, high = cv._bca_limits("csat", tuple(keys), cv._frozen(cells0), cv._frozen(cells1), 80.0)
    rng = np.random.default_rng(cv._SEED)
    draws = zip(cv._redraw(rng, cells0), cv._redraw(rng, cells1), strict=True)
    replicates = np.array([cv._effects("csat", keys, c0, c1, 80.0) for c0, c1 in draws])
    jackknife = []
    for side, cells in enumerate((cells0, cells1)):
        for cell in np.ndindex(cells.shape):
            for _ in range(int(cells[cell])):
                fewer = cells.copy()
                fewer[cell] -= 1
                pair = (fewer, cells1) if side == 0 else (cells0, fewer)
                jackknife.append(cv._effects("csat", keys, *pair, 80.0))
    assert len(jackknife) == 200
    expected = bca_interval(replicates, estimate=effects, jackknife=np.array(jackknife))
    np.testing.assert_allclose((low, high), expected)
    result = cv.channel_variance_for(two_channels, "csat", as_of=AS_OF)
    assert (result.mix.low, result.mix.high) == pytest.approx((low[-2], high[-2]))


def test_an_account_without_responses_says_so(world):
    result = cv.channel_variance_for(world.account, "csat", as_of=AS_OF)
    assert not result.enough
    assert result.channels == ()
    assert "0 in the previous and 0 in the last 90 days" in result.message


@pytest.mark.parametrize(
    ("values", "total"),
    [([0.25, 0.25, 0.5], 1.0), ([1.04, 1.04, 1.04], 3.1), ([-0.05, -0.05], -0.1), ([2.0], 2.1)],
)
def test_shown_parts_add_up_to_the_shown_total(values, total):
    shown = cv._shares_of(values, total)
    assert round(sum(shown), 1) == total
    assert all(abs(s - v) <= 0.15 for s, v in zip(shown, values, strict=True))


def test_one_grouped_query(two_channels, django_assert_num_queries):
    # --- monitoring --- the counts in one grouped query, and the agreed KPI target in one
    with django_assert_num_queries(2):
        cv.channel_variance_for(two_channels, "csat", as_of=AS_OF)


def test_scoped_and_checked(world, two_channels):
    with pytest.raises(Http404):
        cv.channel_variance(world.other_user, account_id=world.account.pk, metric="csat")
    with pytest.raises(ValueError, match="metric must be one of csat, nps"):
        cv.channel_variance(world.user, account_id=world.account.pk, metric="ces")


def test_bootstrap_limits_are_cached_on_the_counts_and_follow_new_responses(two_channels):
    cv._bca_limits.cache_clear()
    first = cv.channel_variance_for(two_channels, "csat", as_of=AS_OF)
    again = cv.channel_variance_for(two_channels, "csat", as_of=AS_OF)
    assert cv._bca_limits.cache_info()[:2] == (1, 1)  # hits, misses: the second was cached
    assert again == first
    responses(two_channels, CURRENT_DAY, 10, channel="email", csat=1)
    changed = cv.channel_variance_for(two_channels, "csat", as_of=AS_OF)
    assert cv._bca_limits.cache_info().misses == 2  # new counts, a new bootstrap
    assert (changed.mix.low, changed.mix.high) != (first.mix.low, first.mix.high)
    assert changed.current.value < first.current.value
