"""The portfolio rows are built in Python: everything from the database must be escaped."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from rapport.customers.templatetags.portfolio import ago, day_month_year
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
