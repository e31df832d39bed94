"""Signals grouped into episodes, and the themes that moved in each: the likely reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from rapport.analytics.account_analytics import explained_episodes
from rapport.analytics.control import charts as cc
from rapport.analytics.control import episodes as ep
from rapport.analytics.control import selectors as cs
from rapport.enrichment.models import ThemeRollup
from rapport.enrichment.rollups import ALL
from rapport.enrichment.taxonomy import install_standard_taxonomy
from tests.analytics.builders import monday, weekly_csat

TODAY = dt.date(2026, 3, 4)
CURRENT_WEEK = monday(TODAY)
BASELINE = [(50, 38), (50, 42)] * 13  # p̄ = 0.8; the lower limit at n = 50 is 63 %
DROP, NORMAL = (50, 25), (50, 40)
LOW = (50, 36)  # 72 %: below the centre, within the limits
# After the baseline: a low week, drop, drop, normal, drop (one episode: a gap of one week,
# widened by the low week before it), four normal weeks, one drop (a second episode), then a
# week far above the upper limit (better).
PHASE_TWO = [LOW, DROP, DROP, NORMAL, DROP, NORMAL, NORMAL, NORMAL, NORMAL, DROP, (50, 50), NORMAL]
FIRST_WEEK = CURRENT_WEEK - dt.timedelta(weeks=len(BASELINE) + len(PHASE_TWO) - 1)
OPTIONS = cc.ChartOptions(period="week")


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


def week(i: int) -> dt.date:
    return FIRST_WEEK + dt.timedelta(weeks=i)


@pytest.fixture
def chart(world):
    weekly_csat(world.account, FIRST_WEEK, BASELINE + PHASE_TWO)
    return cs.control_chart(
        world.user, account_id=world.account.pk, metric="csat", options=OPTIONS, today=TODAY
    )


def test_signals_close_together_make_one_episode(chart):
    found = ep.episodes(chart)
    assert [(e.direction, e.start, e.end, e.signals) for e in found] == [
        ("worse", week(26), week(30) + dt.timedelta(days=6), 3),
        ("worse", week(35), week(35) + dt.timedelta(days=6), 1),
        ("better", week(36), week(36) + dt.timedelta(days=6), 1),
    ]
    # Compared with the quarter before (13 weeks), or as many weeks as the episode when longer.
    assert [e.reference_start for e in found] == [week(13), week(22), week(23)]
    assert found[0].label("week") == (
        f"Week of {week(26).day} {week(26):%B %Y} to week of {week(30).day} {week(30):%B %Y}"
    )
    assert found[1].label("week") == f"Week of {week(35).day} {week(35):%B %Y}"


def test_a_narrower_gap_splits_episodes_and_does_not_widen_them(chart):
    narrow = ep.episodes(chart, gap=0)
    assert [(e.start, e.signals) for e in narrow] == [
        (week(27), 2),
        (week(30), 1),
        (week(35), 1),
        (week(36), 1),
    ]
    assert len(ep.episodes(chart, gap=5)) == 2  # the better week stays its own episode


def test_pattern_only_signals_and_unjudged_charts_are_no_episode(chart):
    patterned = [p if not p.rules else replace(p, direction="pattern") for p in chart.points]
    assert ep.episodes(replace(chart, points=tuple(patterned))) == ()
    assert ep.episodes(replace(chart, limits=None)) == ()


def _themes(account, start: dt.date, weeks: int, comments: int, mentions: dict, tone=None):
    """Weekly theme rollups: `mentions` per theme a week, their sentiment with mean
    `tone[theme]` (default −0.2) and standard deviation 0.2."""
    tone = tone or {}
    for i in range(weeks):
        day = start + dt.timedelta(weeks=i)
        ThemeRollup.objects.create(
            account=account, key=ALL, period="week", period_start=day, n=comments, total=0.1
        )
        for key, k in mentions.items():
            mean = tone.get(key, -0.2)
            ThemeRollup.objects.create(
                account=account,
                key=key,
                period="week",
                period_start=day,
                n=k,
                total=mean * k,
                total_sq=k * (mean * mean + 0.04),
            )


def test_the_theme_that_rose_in_the_episode_is_its_likely_reason(world, chart):
    install_standard_taxonomy(actor=None)
    # The 13 weeks before the first episode: 40 comments a week, 4 on delivery, 4 on billing.
    _themes(world.account, week(13), 13, 40, {"delivery": 4, "billing": 4})
    # The episode's five weeks: delivery in half of the comments, billing unchanged.
    _themes(world.account, week(26), 5, 40, {"delivery": 20, "billing": 4})
    first = explained_episodes(world.account, [chart])["csat"][0]
    assert first.themes.comments == 200
    assert first.themes.previous_comments == 520
    assert [m.slug for m in first.reasons] == ["delivery"]
    delivery = first.reasons[0]
    assert delivery.current.value == pytest.approx(0.5)
    assert delivery.previous.value == pytest.approx(0.1)
    assert delivery.difference == pytest.approx(40.0)
    assert delivery.diff_low < 40.0 < delivery.diff_high
    assert first.reference_end == week(26) - dt.timedelta(days=1)
    billing = next(m for m in first.themes.moves if m.slug == "billing")
    assert not billing.significant
    assert billing.tone is not None
    assert billing.tone_change == 0.0  # the same tone: no reason


def test_a_theme_that_turned_sour_is_a_reason_without_more_mentions(world, chart):
    install_standard_taxonomy(actor=None)
    _themes(world.account, week(13), 13, 40, {"billing": 4}, tone={"billing": 0.4})
    _themes(world.account, week(26), 5, 40, {"billing": 4}, tone={"billing": -0.4})
    first = explained_episodes(world.account, [chart])["csat"][0]
    billing = first.reasons[0]
    assert billing.slug == "billing"
    assert not billing.significant  # 10 % of comments before and during
    assert billing.tone.difference.value == pytest.approx(-0.8)
    assert billing.tone.difference.high < 0
    assert billing.tone_change == pytest.approx(-0.8)
    # The better episode is not explained by a theme that turned sour.
    better = explained_episodes(world.account, [chart])["csat"][2]
    assert better.episode.direction == "better"
    assert "billing" not in [m.slug for m in better.reasons]


def test_too_few_mentions_compare_no_tone(world, chart):
    install_standard_taxonomy(actor=None)
    _themes(world.account, week(13), 13, 40, {"billing": 1}, tone={"billing": 0.4})
    _themes(world.account, week(26), 5, 40, {"billing": 1}, tone={"billing": -0.4})
    first = explained_episodes(world.account, [chart])["csat"][0]
    billing = next(m for m in first.themes.moves if m.slug == "billing")
    assert billing.tone is None  # 5 mentions in the episode, fewer than MIN_MENTIONS
    assert first.reasons == []


def test_too_few_comments_name_no_reason(world, chart):
    install_standard_taxonomy(actor=None)
    _themes(world.account, week(13), 13, 40, {"delivery": 4})
    _themes(world.account, week(26), 5, 5, {"delivery": 5})  # 25 comments, under 30
    first = explained_episodes(world.account, [chart])["csat"][0]
    assert not first.themes.enough
    assert first.reasons == []


def test_explanations_take_two_queries_whatever_the_episodes(
    world, chart, django_assert_num_queries
):
    with django_assert_num_queries(2):
        explained = explained_episodes(world.account, [chart, chart])
    assert len(explained["csat"]) == 6  # three episodes of each chart


def test_the_page_says_which_theme_explains_the_episode(world, chart, user_client):
    install_standard_taxonomy(actor=None)
    _themes(world.account, week(13), 13, 40, {"delivery": 4})
    _themes(world.account, week(26), 5, 40, {"delivery": 20})
    page = user_client.get(f"/accounts/{world.account.pk}/analytics/?period=week")
    html = page.content.decode()
    assert "Episodes and what the comments say" in html
    assert (
        "<strong>Delivery</strong>: in 50 % of comments against 10 % (100 and 52 mentions)" in html
    )
    assert "mentioned more often" in html
    assert f"?from={week(26):%Y-%m-%d}&amp;to={week(30) + dt.timedelta(days=6):%Y-%m-%d}" in html


def test_the_api_returns_the_episodes_with_their_reasons(world, chart, user_client):
    install_standard_taxonomy(actor=None)
    _themes(world.account, week(13), 13, 40, {"delivery": 4})
    _themes(world.account, week(26), 5, 40, {"delivery": 20})
    url = f"/api/v1/accounts/{world.account.pk}/control-chart?metric=csat&period=week"
    body = user_client.get(url).json()
    first = body["episodes"][0]
    assert (first["direction"], first["start"], first["signals"]) == (
        "worse",
        week(26).isoformat(),
        3,
    )
    assert (first["comments"], first["reference_comments"], first["enough"]) == (200, 520, True)
    [delivery] = first["reasons"]
    assert delivery["theme"] == "delivery"
    assert delivery["share"] == pytest.approx(0.5)
    assert delivery["previous_share"] == pytest.approx(0.1)
    assert delivery["more_often"] is True
    assert delivery["difference_low"] < 40 < delivery["difference_high"]
    assert delivery["sentiment_change"]["value"] == pytest.approx(0.0)
    assert delivery["sourer_or_warmer"] is False
    other = f"/api/v1/accounts/{world.other_account.pk}/control-chart?metric=csat"
    assert user_client.get(other).status_code == 404
