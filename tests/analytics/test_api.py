"""/api/v1/accounts/{id}/control-chart, /variance and /drivers: same data, same scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.analytics.builders import monday, responses, weekly_csat

ENDPOINTS = ("control-chart", "variance", "drivers")


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


@pytest.fixture
def history(world):
    first = monday(timezone.localdate()) - dt.timedelta(weeks=29)
    weeks = [(50, 38), (50, 42)] * 13 + [(50, 40), (50, 40), (50, 20), (12, 10)]
    today = timezone.localdate()
    responses(world.account, today - dt.timedelta(days=100), 40, channel="survey", csat=4)
    responses(world.account, today - dt.timedelta(days=5), 30, channel="survey", csat=5)
    responses(world.account, today - dt.timedelta(days=5), 10, channel="email", csat=2)
    return weekly_csat(world.account, first, weeks)


def _url(world, endpoint, query=""):
    return f"/api/v1/accounts/{world.account.pk}/{endpoint}{query}"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_gets_401(world, endpoint):
    assert Client().get(_url(world, endpoint)).status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_other_team_gets_404(world, history, endpoint):
    from rapport.api.services import issue_token

    _, raw = issue_token(actor=world.other_user, user=world.other_user, name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = client.get(_url(world, endpoint))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "query", "message"),
    [
        ("control-chart", "?metric=foo", "metric must be one of csat, nps, ces, not 'foo'"),
        ("control-chart", "?period=day", "period must be auto, week or month"),
        ("control-chart", "?rules=0", "Nelson rule numbers 1 to 8"),
        ("control-chart", "?months=36", "months must be one of 12, 24"),
        ("variance", "?metric=ces", "metric must be one of csat, nps"),
        ("drivers", "?metric=ces", "metric must be one of nps, csat"),
    ],
)
def test_bad_parameters_are_400_with_a_clear_message(api_client, world, endpoint, query, message):
    response = api_client.get(_url(world, endpoint, query))
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_control_chart(api_client, world, history):
    body = api_client.get(_url(world, "control-chart", "?metric=csat&period=week")).json()
    assert body["chart"] == "p"
    assert body["period"] == "week"
    assert body["rules"] == [1, 2, 3, 5]
    assert body["limits"]["source"] == "default"
    assert body["limits"]["centre"] == pytest.approx(80.0)
    assert len(body["points"]) == 30
    assert body["points"][-1]["enough"] is False
    assert body["points"][-1]["ucl"] is None
    [signal] = body["signals"]
    assert signal["period_start"] == history[-2].isoformat()
    assert signal["rules"] == [1]
    assert "is below the lower control limit 63 %" in signal["text"]


def test_control_chart_with_preset_and_preview_baseline(api_client, world, history):
    first = history[0]
    query = (
        f"?metric=csat&period=week&rules=western-electric&baseline_start={first}"
        f"&baseline_end={first + dt.timedelta(days=13)}"
    )
    body = api_client.get(_url(world, "control-chart", query)).json()
    assert body["rules"] == [1, 2, 5, 6]
    assert body["limits"]["source"] == "preview"
    assert body["limits"]["baseline_points"] == 2


def test_variance(api_client, world, history):
    body = api_client.get(_url(world, "variance", "?metric=csat")).json()
    assert body["enough"] is True
    assert body["previous"]["value"] == pytest.approx(100.0)
    assert body["current"]["value"] == pytest.approx(75.0)
    assert body["change"]["value"] == pytest.approx(-25.0)
    # The whole drop is mix: e-mail (0 % satisfied) arrived; survey stayed at 100 %.
    assert body["mix"]["value"] == pytest.approx(-25.0)
    assert body["rate"]["value"] == pytest.approx(0.0)
    channels = {c["channel"]: c for c in body["channels"]}
    assert channels["email"]["previous"]["n"] == 0
    assert channels["email"]["current"]["n"] == 10
    assert body["target"]["value"] == pytest.approx(80.0)


def test_drivers_say_why_there_is_no_analysis(api_client, world, history):
    # Every response gave the factory's NPS of 9: nothing to explain.
    body = api_client.get(_url(world, "drivers", "?metric=nps")).json()
    assert body["enough"] is False
    assert body["n"] == 80
    assert "same answer in every response" in body["message"]
    assert body["drivers"] == []
    body = api_client.get(_url(world, "drivers", "?metric=csat")).json()
    assert "Too few responses" in body["message"]


@pytest.mark.parametrize(
    ("endpoint", "limit"),
    # + 2: episodes; drivers + 1: the responses' data version its cached analysis is keyed on
    [("control-chart", 8), ("variance", 6), ("drivers", 6)],
)
def test_query_counts(api_client, world, history, endpoint, limit, django_assert_max_num_queries):
    with django_assert_max_num_queries(limit):
        assert api_client.get(_url(world, endpoint)).status_code == 200
