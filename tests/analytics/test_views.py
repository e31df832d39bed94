"""The account analytics page: access, options, what it says, baseline form, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.analytics.models import ControlLimitSet
from rapport.core.models import AuditEvent, Role
from tests.analytics.builders import monday, responses, weekly_csat
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


@pytest.fixture
def history(world):
    """30 weeks of CSAT ending this week, the last full week far below the rest."""
    this_week = monday(timezone.localdate())
    first = this_week - dt.timedelta(weeks=29)
    weeks = [(50, 38), (50, 42)] * 13 + [(50, 40), (50, 40), (50, 20), (12, 10)]
    starts = weekly_csat(world.account, first, weeks)
    today = timezone.localdate()
    responses(world.account, today - dt.timedelta(days=100), 40, channel="survey", csat=4, nps=9)
    responses(world.account, today - dt.timedelta(days=5), 40, channel="survey", csat=2, nps=3)
    return starts


def _url(world, **query):
    base = reverse("analytics:account", args=[world.account.pk])
    if not query:
        return base
    from urllib.parse import urlencode

    return f"{base}?{urlencode(query, doseq=True)}"


def test_anonymous_is_sent_to_login(world):
    response = Client().get(_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_other_team_gets_404(world, history):
    client = Client()
    client.force_login(world.other_user)
    response = client.get(_url(world))
    assert response.status_code == 404
    assert "Acme Foods" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "day"}, "period must be one of auto, week, month"),
        ({"months": "6"}, "months must be one of 12, 24"),
        ({"rules": "9"}, "Nelson rule numbers 1 to 8"),
        ({"change": "ces"}, "change must be one of csat, nps"),
        ({"drivers": "foo"}, "drivers must be one of nps, csat"),
        ({"baseline": "csat", "start": "2026-01-05"}, "needs both a start and an end date"),
        ({"baseline": "csat", "start": "soon", "end": "2026-01-05"}, "must be a date"),
    ],
)
def test_bad_options_are_400_with_a_clear_message(user_client, world, query, message):
    response = user_client.get(_url(world, **query))
    assert response.status_code == 400
    assert message.lower() in response.content.decode().lower()


def test_page_shows_charts_signals_variance_and_drivers(user_client, world, history):
    response = user_client.get(_url(world, period="week"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "CSAT: satisfied (top-2 box)" in body
    assert "NPS: detractors" in body
    assert body.count("<svg") >= 2
    assert "No agreed limits yet." in body
    signal_week = history[-2]
    assert f"Week of {signal_week.day} {signal_week:%B %Y}: CSAT 40 %" in body
    assert "is below the lower control limit 63 %" in body
    assert "rule 1, one point beyond 3σ" in body
    # Rule 8 is shown with the convention it follows (issue 9, item 18).
    assert "8 points avoiding the centre line, with points on both sides (Nelson 1984)" in body
    # The current week has 12 responses: counted as too few, not as a signal.
    assert "1 had fewer than 30 responses" in body
    # Variance: 40 responses in each window, all through the survey channel.
    assert "What moved CSAT" in body
    assert "n=40" in body
    # Drivers: CES was never answered, so too few responses to analyse.
    assert "too few responses" in body


def test_account_page_links_to_analytics(user_client, world):
    body = user_client.get(reverse("customers:account", args=[world.account.pk])).content.decode()
    assert _url(world) in body


def test_page_query_count_is_bounded(user_client, world, history, django_assert_max_num_queries):
    user_client.get(_url(world))  # warm caches
    # The page, the agreed KPI targets of CSAT and NPS (monitoring's target provider) and the
    # navigation's counts (one indexed COUNT per app: inbox, overdue, alerts, approvals...).
    with django_assert_max_num_queries(17):
        response = user_client.get(_url(world))
    assert response.status_code == 200


def test_agreeing_the_baseline_shown_stores_it_and_audits(user_client, world, history):
    first = history[0]
    end = first + dt.timedelta(weeks=26, days=-1)
    response = user_client.post(
        reverse("analytics:set-baseline", args=[world.account.pk]),
        {"metric": "csat", "subgroup": "week", "start": first, "end": end},
    )
    assert response.status_code == 302
    limit_set = ControlLimitSet.objects.get()
    assert (limit_set.baseline_start, limit_set.baseline_end) == (first, end)
    assert limit_set.created_by == world.user
    assert AuditEvent.objects.filter(
        object_type="analytics.controllimitset", object_id=str(limit_set.pk)
    ).exists()
    body = user_client.get(_url(world, period="week")).content.decode()
    assert "Agreed limits" in body
    assert "centre 80.0 %" in body


def test_refused_baseline_explains_why_and_keeps_the_dates(user_client, world, history):
    response = user_client.post(
        reverse("analytics:set-baseline", args=[world.account.pk]),
        {"metric": "csat", "subgroup": "week", "start": "2020-01-06", "end": "2020-03-01"},
        follow=True,
    )
    body = response.content.decode()
    assert "The limits were not saved" in body
    assert "holds 0 responses" in body
    assert not ControlLimitSet.objects.exists()


def test_preview_shows_limits_from_other_dates_without_saving(user_client, world, history):
    first = history[0]
    query = {"baseline": "csat", "start": first, "end": first + dt.timedelta(days=13)}
    body = user_client.get(_url(world, period="week", **query)).content.decode()
    assert "Preview, not saved" in body
    assert not ControlLimitSet.objects.exists()


def test_analyst_sees_the_page_but_cannot_agree_limits(world, history):
    analyst = UserFactory(username="ann")
    MembershipFactory(user=analyst, team=world.team, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst)
    page = client.get(_url(world))
    assert page.status_code == 200
    assert "Agree the limits shown" not in page.content.decode()
    response = client.post(
        reverse("analytics:set-baseline", args=[world.account.pk]),
        {"metric": "csat", "subgroup": "week", "start": history[0], "end": history[5]},
    )
    assert response.status_code == 403
    assert not ControlLimitSet.objects.exists()


def test_other_team_cannot_post_a_baseline(world, history):
    client = Client()
    client.force_login(world.other_user)
    response = client.post(
        reverse("analytics:set-baseline", args=[world.account.pk]),
        {"metric": "csat", "subgroup": "week", "start": history[0], "end": history[5]},
    )
    assert response.status_code == 404
    assert not ControlLimitSet.objects.exists()
