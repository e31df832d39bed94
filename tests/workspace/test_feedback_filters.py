"""The account page's feedback filters: each narrows the list, they live in the URL (the full
page and its partial read the same query), and an episode's link carries its theme."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.http import QueryDict
from django.utils import timezone

from rapport.enrichment.models import CommentAnalysis, ResponseTheme, Theme, ThemeSource
from rapport.enrichment.public import feedback_matching
from rapport.enrichment.taxonomy import install_standard_taxonomy
from rapport.feedback.models import FeedbackChannel
from rapport.feedback.public import SENTIMENT_BANDS, FeedbackFilters
from rapport.text.sentiment import LABELS
from tests.analytics.test_episodes import _min_n, _themes, chart, week  # noqa: F401 - fixtures
from tests.enrichment.helpers import enrich, respond

pytestmark = pytest.mark.django_db


def _at(day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 6, day, 12, 0))


@pytest.fixture
def feedback(world):
    install_standard_taxonomy(actor=None)
    rows = {
        "late": respond(
            world.account,
            "The delivery arrived late and broken. Terrible, awful service.",
            when=_at(1),
            nps=2,
            channel=FeedbackChannel.EMAIL,
        ),
        "great": respond(
            world.account, "Great team, excellent and friendly support!", when=_at(10), nps=10
        ),
        "silent": respond(world.account, "", when=_at(20), nps=5),
        "invoice": respond(
            world.account,
            "The invoice arrived on Tuesday.",
            when=_at(15),
            nps=8,
            channel=FeedbackChannel.CALL,
        ),
        "other_late": respond(world.other_account, "Delivery late again", when=_at(2), nps=1),
    }
    enrich()
    delivery = Theme.objects.get(slug="delivery")
    ResponseTheme.objects.filter(analysis__response__in=rows.values()).delete()
    ResponseTheme.objects.create(
        analysis=CommentAnalysis.objects.get(response=rows["late"]),
        theme=delivery,
        confidence=1,
        source=ThemeSource.PERSON,
    )
    return rows


def _names(world, feedback, query: str) -> set[str]:
    ids = set(
        feedback_matching(world.account, FeedbackFilters.from_query(QueryDict(query))).values_list(
            "pk", flat=True
        )
    )
    return {name for name, r in feedback.items() if r.pk in ids}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"late", "great", "silent", "invoice"}),
        ("theme=delivery", {"late"}),
        ("sentiment=negative", {"late"}),
        ("sentiment=positive", {"great"}),
        ("sentiment=neutral", {"invoice"}),
        ("text=ARRIVED", {"late", "invoice"}),
        ("text=arrived&sentiment=neutral", {"invoice"}),
        ("channel=call", {"invoice"}),
        ("from=2026-06-10&to=2026-06-15", {"great", "invoice"}),
        ("with_comment=1", {"late", "great", "invoice"}),
        ("detractors=1", {"late", "silent"}),
        # Values that cannot be used are dropped, not guessed.
        (
            "sentiment=furious&theme=%27%3B--&channel=fax&from=June",
            {"late", "great", "silent", "invoice"},
        ),
    ],
)
def test_each_filter_narrows_the_list(world, feedback, query, expected):
    assert _names(world, feedback, query) == expected


def test_the_filters_survive_a_round_trip_through_the_url():
    query = QueryDict(
        "channel=survey&from=2026-06-01&to=2026-06-30&with_comment=1&detractors=1"
        "&theme=delivery&sentiment=negative&text=late+again%20%26+broken&page=3"
    )
    filters = FeedbackFilters.from_query(query)
    assert filters == FeedbackFilters(
        channel="survey",
        start=dt.date(2026, 6, 1),
        end=dt.date(2026, 6, 30),
        with_comment=True,
        detractors=True,
        theme="delivery",
        sentiment="negative",
        text="late again & broken",
    )
    assert FeedbackFilters.from_query(QueryDict(filters.to_query())) == filters
    assert FeedbackFilters().to_query() == ""


def test_the_sentiment_bands_are_the_analysis_labels():
    assert SENTIMENT_BANDS == LABELS


def _comments_shown(html: str) -> list[str]:
    body = html[html.index('<div id="feedback">') :]
    return re.findall(r"<td>([^<]{8,})</td>", body)


def test_the_full_page_and_the_partial_show_the_same_filtered_list(world, feedback, user_client):
    query = "theme=delivery&with_comment=1"
    page = user_client.get(f"/accounts/{world.account.pk}/?{query}").content.decode()
    partial = user_client.get(f"/accounts/{world.account.pk}/feedback/?{query}").content.decode()
    assert _comments_shown(page) == _comments_shown(partial)
    assert _comments_shown(page) == [
        "anonymous",
        "The delivery arrived late and broken. Terrible, awful service.",
    ]
    assert 'option value="delivery" selected' in page  # the form shows the filter in force


def test_the_partial_puts_the_account_page_url_in_the_address_bar(world, feedback, user_client):
    url = f"/accounts/{world.account.pk}/feedback/?sentiment=negative&text=late&page=1"
    response = user_client.get(url, headers={"HX-Request": "true"})
    assert response["HX-Push-Url"] == (
        f"/accounts/{world.account.pk}/?sentiment=negative&text=late&page=1"
    )


def test_paging_keeps_the_filters(world, user_client):
    for i in range(25):
        respond(world.account, f"Comment number {i}", when=_at(1 + i % 28), nps=3)
    respond(world.account, "", when=_at(3), nps=3)
    html = user_client.get(f"/accounts/{world.account.pk}/?with_comment=1").content.decode()
    assert "Page 1 of 2 · 25 in all" in html
    assert f'href="/accounts/{world.account.pk}/?with_comment=1&amp;page=2#feedback"' in html
    assert f'hx-get="/accounts/{world.account.pk}/feedback/?with_comment=1&amp;page=2"' in html
    second = user_client.get(
        f"/accounts/{world.account.pk}/?with_comment=1&page=2"
    ).content.decode()
    assert "Page 2 of 2 · 25 in all" in second


def test_another_teams_feedback_list_is_not_found(world, feedback, user_client):
    assert (
        user_client.get(f"/accounts/{world.other_account.pk}/feedback/?theme=delivery").status_code
        == 404
    )


@pytest.mark.usefixtures("chart")  # weekly CSAT with a dip from week 26 to week 30
def test_the_episode_link_filters_by_its_theme_and_dates(world, user_client):
    install_standard_taxonomy(actor=None)
    _themes(world.account, week(13), 13, 40, {"delivery": 4})
    _themes(world.account, week(26), 5, 40, {"delivery": 20})
    html = user_client.get(f"/accounts/{world.account.pk}/analytics/?period=week").content.decode()
    dates = f"from={week(26):%Y-%m-%d}&amp;to={week(30) + dt.timedelta(days=6):%Y-%m-%d}"
    link = re.search(
        rf'href="(/accounts/{world.account.pk}/\?{dates}[^"]*)">Read the comments', html
    )
    assert link is not None
    query = QueryDict(link.group(1).split("?", 1)[1].split("#")[0].replace("&amp;", "&"))
    filters = FeedbackFilters.from_query(query)
    assert (filters.theme, filters.start, filters.end) == (
        "delivery",
        week(26),
        week(30) + dt.timedelta(days=6),
    )
