"""The portfolio rows are built in Python: everything from the database must be escaped."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone
from django.utils.html import format_html

from rapport.core.templatetags.rapport import sparkline
from rapport.workspace.templatetags.portfolio import ago, day_month_year
from tests.factories import AccountFactory, CommitmentFactory


def test_names_are_escaped_and_rows_show_their_facts(world, user_client):
    account = AccountFactory(
        team=world.team,
        name='<script>alert("x")</script> & Co',
        segment="<b>Retail</b>",
        annual_value=1234567,
        renewal_date=date(2027, 3, 9),
    )
    CommitmentFactory(account=account, due_date=timezone.localdate() - timedelta(days=3))
    body = user_client.get("/", {"q": "Co"}).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in body
    assert "&lt;b&gt;Retail&lt;/b&gt;" in body
    assert "GBP 1,234,567" in body
    assert "9 Mar 2027" in body
    assert "1 overdue" in body
    assert f'href="/accounts/{account.pk}/"' in body
    assert "never" in body  # no contact yet
    assert "no decision-maker contact 90 d" in body


def test_day_month_year_and_ago():
    now = datetime(2026, 12, 1, 12, tzinfo=timezone.get_current_timezone())
    assert day_month_year(date(2026, 3, 3)) == "3 Mar 2026"
    assert ago(now - timedelta(hours=5), now) == "today"
    assert ago(now - timedelta(days=1), now) == "1 day ago"
    assert ago(now - timedelta(days=45), now) == "45 days ago"
    assert ago(now - timedelta(days=200), now) == "6 months ago"
    assert ago(now - timedelta(days=800), now) == "2 years ago"


@pytest.mark.parametrize(
    "query",
    ["", "sort=nps&dir=desc&page=3", "page=2&q=a+b&sort=tier", "dir=desc&q=%3Cb%3E&x=1&x=%26",
     "q={0}&sort=name&sort=value", "team=2&page=1&silent=1"],
)  # fmt: skip
def test_sort_links_match_a_copy_of_the_query_with_sort_and_dir_set(rf, query):
    request = rf.get(f"/?{query}")
    rendered = Template(
        '{% load rapport %}{% sort_link "name" "Account" %}|{% sort_link "nps" "NPS" %}'
    ).render(Context({"request": request}))
    expected = []
    for key, label in (("name", "Account"), ("nps", "NPS")):
        params = request.GET.copy()
        current, descending = params.get("sort", "name"), params.get("dir") == "desc"
        params["sort"] = key
        params["dir"] = "desc" if current == key and not descending else "asc"
        params.pop("page", None)
        arrow = (" ▼" if descending else " ▲") if current == key else ""
        expected.append(format_html('<a href="?{}">{}{}</a>', params.urlencode(), label, arrow))
    assert rendered == "|".join(expected)


def test_sparkline_draws_numbers_only_and_skips_missing_months():
    points = [{"value": 10.0}, {"value": None}, {"value": 20.0}]
    assert sparkline(points) == (
        '<svg class="spark" width="90" height="22" viewBox="0 0 90 22" role="img" '
        'aria-label="Monthly trend from 10 to 20"><polyline fill="none" stroke="#1f5fbf" '
        'stroke-width="1.5" points="2.0,20.0 88.0,2.0"/></svg>'
    )
    assert sparkline([{"value": 5.0}, {"value": None}]) == '<span class="muted small">—</span>'
