"""Every chart the pages draw is a valid Vega-Lite spec. Pages skip Altair's schema check for
speed (charts.VALIDATE_SPECS); these tests switch it on, so a bad spec fails here."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from rapport.analytics import charts
from rapport.analytics.health import charts as health_charts
from rapport.analytics.rollups.services import rebuild_rollups, refresh_snapshots
from rapport.customers.models import CostEntry
from tests.analytics.builders import responses

CACHED = (
    charts._trend_svg,
    charts.control_chart_svg,
    charts.waterfall_svg,
    charts.drivers_svg,
    health_charts._margin_svg,
)


@pytest.fixture
def validated(monkeypatch):
    monkeypatch.setattr(charts, "VALIDATE_SPECS", True)
    for drawn in CACHED:
        drawn.cache_clear()  # a chart drawn earlier unvalidated would not be drawn again


@pytest.fixture
def history(world):
    today = timezone.localdate()
    for days, csat, nps, channel in (
        (200, 4, 9, "survey"),
        (100, 3, 6, "email"),
        (5, 5, 10, "survey"),
    ):
        responses(world.account, today - dt.timedelta(days=days), 40, channel=channel, csat=csat,
                  nps=nps, ces=5)  # fmt: skip
    CostEntry.objects.create(
        account=world.account, date=today - dt.timedelta(days=30), kind="credit", amount=500
    )
    rebuild_rollups()
    refresh_snapshots(account_ids={world.account.pk})


@pytest.mark.parametrize("page", ["", "analytics/", "analytics/?period=week", "health/"])
def test_every_chart_of_the_account_pages_is_a_valid_spec(
    validated, history, world, user_client, page
):
    response = user_client.get(f"/accounts/{world.account.pk}/{page}")
    assert response.status_code == 200
    assert b"<svg" in response.content


@pytest.mark.parametrize("page", ["", "analytics/", "health/"])
def test_every_chart_is_one_image_with_a_text_alternative(history, world, user_client, page):
    """Screen readers get one named image per chart, not hundreds of unnamed marks."""
    body = user_client.get(f"/accounts/{world.account.pk}/{page}").content.decode()
    charts_drawn = re.findall(r'<svg [^>]*class="marks"[^>]*>', body)
    assert charts_drawn
    for tag in charts_drawn:
        label = re.search(r'role="img" aria-label="([^"]+)"', tag)
        assert label, tag
        assert len(label.group(1)) > 20, tag
    assert 'role="graphics-symbol"' not in body


def test_a_bad_spec_fails_when_validated(validated):
    import altair as alt

    with pytest.raises(Exception, match=r"invalid value for `bin`"):
        charts._svg(
            alt.Chart().mark_line().encode(x=alt.X("a:Q", bin="sometimes")), description="bad"
        )


def test_the_same_chart_is_drawn_once(history, world):
    from rapport.analytics.account_analytics import PageOptions, account_analytics

    charts.control_chart_svg.cache_clear()
    first = account_analytics(world.user, world.account, PageOptions()).charts[0]
    again = account_analytics(world.user, world.account, PageOptions()).charts[0]
    assert first is not again
    assert charts.control_chart_svg(first) is charts.control_chart_svg(again)
    assert charts.control_chart_svg.cache_info().hits == 1


def test_the_trend_chart_is_drawn_once_and_again_when_its_data_change(history, world, user_client):
    charts._trend_svg.cache_clear()
    url = f"/accounts/{world.account.pk}/"
    before = re.search(r"<svg .*?</svg>", user_client.get(url).content.decode(), re.S)
    user_client.get(url)
    assert charts._trend_svg.cache_info()[:2] == (1, 1)  # hits, misses
    responses(world.account, timezone.localdate() - dt.timedelta(days=5), 40, csat=1)
    rebuild_rollups()
    after = re.search(r"<svg .*?</svg>", user_client.get(url).content.decode(), re.S)
    assert charts._trend_svg.cache_info().misses == 2
    assert before
    assert after
    assert before.group() != after.group()


def test_the_margin_chart_is_drawn_once_and_again_after_a_cost_entry(history, world, user_client):
    health_charts._margin_svg.cache_clear()
    url = f"/accounts/{world.account.pk}/health/"
    before = user_client.get(url).content.decode()
    user_client.get(url)
    assert health_charts._margin_svg.cache_info()[:2] == (1, 1)  # hits, misses
    CostEntry.objects.create(
        account=world.account, date=timezone.localdate(), kind="credit", amount=90_000
    )
    after = user_client.get(url).content.decode()
    assert health_charts._margin_svg.cache_info().misses == 2
    assert "latest" in after
    label = re.compile(r'aria-label="(Margin per month[^"]+)"')
    assert label.search(before).group(1) != label.search(after).group(1)
