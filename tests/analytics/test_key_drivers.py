"""Key drivers: relative weights checked on data whose answer is known in closed form."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random

import pytest
from django.http import Http404
from django.urls import reverse

from rapport.analytics.drivers import key_drivers as kd
from rapport.feedback.models import Response
from tests.analytics.builders import responses

TODAY = dt.date(2026, 6, 30)
DAY = TODAY - dt.timedelta(days=20)


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


@pytest.fixture
def orthogonal(world):
    """CSAT 3 ± 1, CES 4 ± 1 and a residual ± 1, fully crossed (so mutually uncorrelated, equal
    variances), four times over: NPS = 5 + 2·csat' + ces' + residual.

    Then r(csat) = 2/√6, r(ces) = 1/√6, and with uncorrelated predictors the relative weights
    are the squared correlations: 4/6 and 1/6, R² = 5/6, shares 80 % and 20 %.
    """
    for _ in range(4):
        for a, b, e in itertools.product((-1, 1), repeat=3):
            responses(world.account, DAY, 1, csat=3 + a, ces=4 + b, nps=5 + 2 * a + b + e)
    return world.account


def test_weights_equal_squared_correlations_for_uncorrelated_aspects(orthogonal):
    result = kd.key_drivers_for(orthogonal, "nps", months=12, today=TODAY)
    assert result.enough
    assert result.n == 32
    assert result.r_squared == pytest.approx(5 / 6)
    csat, ces = result.drivers  # biggest share first
    assert (csat.key, ces.key) == ("csat", "ces")
    assert csat.share.value == pytest.approx(80.0)
    assert ces.share.value == pytest.approx(20.0)
    assert csat.raw_weight.value == pytest.approx(4 / 6)
    assert csat.correlation.value == pytest.approx(2 / math.sqrt(6))
    assert ces.correlation.value == pytest.approx(1 / math.sqrt(6))
    assert csat.share.low <= 80.0 <= csat.share.high
    assert csat.correlation.low < csat.correlation.value < csat.correlation.high


def test_custom_numeric_answers_are_aspects_and_sparse_ones_are_left_out(world):
    for i in range(40):
        level = i % 5
        ease = 1 + level if i % 3 else 1 + (level + 2) % 5
        answers = {"ease_of_ordering": ease, "colour": "blue"}
        if i < 5:
            answers["rarely_asked"] = 3
        responses(world.account, DAY, 1, csat=1 + level, nps=2 * level + (i % 2), answers=answers)
    result = kd.key_drivers_for(world.account, "csat", months=12, today=TODAY)
    assert [d.key for d in result.drivers] == ["ease_of_ordering"]
    assert result.drivers[0].label == "Ease of ordering"
    assert result.drivers[0].share.value == pytest.approx(100.0)
    assert [(x.key, x.n) for x in result.left_out] == [("rarely_asked", 5)]


def test_below_minimum_n_says_too_few(world):
    for i in range(12):
        responses(world.account, DAY, 1, csat=1 + i % 5, ces=1 + i % 7, nps=i % 11)
    result = kd.key_drivers_for(world.account, "nps", months=12, today=TODAY)
    assert not result.enough
    assert result.drivers == ()
    assert "Too few responses" in result.message


def test_responses_outside_the_window_are_not_used(orthogonal):
    responses(orthogonal, TODAY - dt.timedelta(days=500), 10, csat=1, ces=7, nps=10)
    assert kd.key_drivers_for(orthogonal, "nps", months=12, today=TODAY).n == 32
    assert kd.key_drivers_for(orthogonal, "nps", months=24, today=TODAY).n == 42


def test_two_queries_then_only_the_version_when_cached(orthogonal, django_assert_num_queries):
    kd._analysis.cache_clear()
    with django_assert_num_queries(2):  # the data's version, then the rows
        first = kd.key_drivers_for(orthogonal, "nps", months=12, today=TODAY)
    with django_assert_num_queries(1):
        assert kd.key_drivers_for(orthogonal, "nps", months=12, today=TODAY) is first


def test_a_cached_analysis_follows_a_rescored_and_a_deleted_response(orthogonal):
    first = kd.key_drivers_for(orthogonal, "nps", months=12, today=TODAY)
    response = Response.objects.filter(account=orthogonal).order_by("pk").first()
    response.nps = 10 - response.nps
    response.save()
    rescored = kd.key_drivers_for(orthogonal, "nps", months=12, today=TODAY)
    assert rescored.n == 32
    assert rescored.r_squared != pytest.approx(first.r_squared)
    response.delete()
    assert kd.key_drivers_for(orthogonal, "nps", months=12, today=TODAY).n == 31


def test_a_cached_analysis_follows_the_minimum_n(orthogonal, settings):
    assert kd.key_drivers_for(orthogonal, "nps", months=12, today=TODAY).enough
    settings.RAPPORT_MIN_N = 40
    assert not kd.key_drivers_for(orthogonal, "nps", months=12, today=TODAY).enough


def test_scoped_and_checked(world, orthogonal):
    with pytest.raises(Http404):
        kd.key_drivers(world.other_user, account_id=world.account.pk, outcome="nps")
    with pytest.raises(ValueError, match="metric must be one of nps, csat"):
        kd.key_drivers(world.user, account_id=world.account.pk, outcome="ces")
    with pytest.raises(ValueError, match="months must be one of 12, 24"):
        kd.key_drivers(world.user, account_id=world.account.pk, outcome="nps", months=6)


@pytest.fixture
def with_noise(world):
    """CSAT drives NPS; "parking" is a custom answer of pure noise."""
    noise = random.Random(7)
    for i in range(60):
        csat = 1 + i % 5
        nps = min(10, 2 * csat + noise.choice((-1, 0, 1)))
        parking = noise.randint(1, 5)
        responses(world.account, DAY, 1, csat=csat, nps=nps, answers={"parking": parking})
    return world.account


def test_each_aspect_is_tested_against_a_random_benchmark(with_noise):
    # Issue 9, item 20: the noise's relative weight is positive with an interval above 0 like
    # any weight; against the random benchmark it is not significant.
    result = kd.key_drivers_for(with_noise, "nps", months=12, today=TODAY)
    by_key = {d.key: d for d in result.drivers}
    assert by_key["csat"].significant
    assert by_key["csat"].versus_random.low > 0
    assert not by_key["parking"].significant
    assert by_key["parking"].raw_weight.low > 0
    assert by_key["parking"].versus_random.low <= 0


def test_page_and_api_show_which_aspects_are_drivers(with_noise, user_client, api_client):
    page = reverse("analytics:account", args=[with_noise.pk])
    body = user_client.get(f"{page}?drivers=nps&drivers_months=24").content.decode()
    rows = {
        label: row
        for row in body.split("<tr>")
        for label in ("CSAT (1–5)", "Parking")
        if f"<td>{label}</td>" in row
    }
    assert "significant" in rows["CSAT (1–5)"]
    assert "not beyond random" in rows["Parking"]
    api = f"/api/v1/accounts/{with_noise.pk}/drivers?metric=nps&months=24"
    drivers = {d["aspect"]: d for d in api_client.get(api).json()["drivers"]}
    assert drivers["csat"]["significant"] is True
    assert drivers["parking"]["significant"] is False
    assert drivers["parking"]["versus_random"]["low"] <= 0


def test_below_the_bootstrap_minimum_there_is_no_analysis_even_with_a_lower_min_n(world, settings):
    settings.RAPPORT_MIN_N = 5
    for i in range(15):
        responses(world.account, DAY, 1, csat=1 + i % 5, ces=1 + i % 7, nps=i % 11)
    result = kd.key_drivers_for(world.account, "nps", months=12, today=TODAY)
    assert not result.enough
    assert result.min_n == 20
    assert "no reliable bootstrap interval" in result.message
