"""A manager reads an account's analytics: a control-rule break, the theme behind it, the
episode's comments, health, SWOT, then the portfolio's health, SWOT and themes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.analytics.health.services import refresh_health
from rapport.analytics.models import MetricRollup, Period
from rapport.analytics.rollups.services import refresh_snapshots
from rapport.core.models import Role
from rapport.enrichment.models import ThemeRollup
from rapport.enrichment.rollups import ALL
from rapport.enrichment.taxonomy import install_standard_taxonomy
from tests.factories import (
    AccountFactory,
    ContactFactory,
    MembershipFactory,
    ResponseFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

# 26 baseline weeks at 80 % satisfied, then normal weeks, with a three-week drop 8 weeks ago.
WEEKS = 40
DROP = range(WEEKS - 9, WEEKS - 6)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@pytest.fixture
def account(transactional_db):
    team = TeamFactory(name="North")
    user = UserFactory(username="maria", first_name="Maria", last_name="Okafor")
    MembershipFactory(user=user, team=team, role=Role.MANAGER)
    account = AccountFactory(team=team, name="Galloway Haulage", segment="Logistics")
    ContactFactory(account=account, name="Dana Whitlock", decision_role="decision_maker")
    install_standard_taxonomy(actor=None)
    first = _monday(timezone.localdate()) - dt.timedelta(weeks=WEEKS - 1)
    for i in range(WEEKS):
        start = first + dt.timedelta(weeks=i)
        top2 = 25 if i in DROP else (38, 42)[i % 2]
        MetricRollup.objects.create(
            account=account, metric="csat", period=Period.WEEK, period_start=start,
            n=50, total=200.0, total_sq=800.0, top2=top2,
        )  # fmt: skip
        delivery = 20 if i in DROP else 4
        for key, n, mean in ((ALL, 40, 0.1), ("delivery", delivery, -0.3)):
            ThemeRollup.objects.create(
                account=account, key=key, period="week", period_start=start,
                n=n, total=mean * n, total_sq=n * (mean * mean + 0.04),
            )  # fmt: skip
    now = timezone.now()
    for day in range(120):  # raw responses for drivers, health and the feedback list
        drop = 50 <= day < 71
        ResponseFactory(
            account=account,
            submitted_at=now - dt.timedelta(days=day),
            nps=(4 if drop else 9) if day % 3 else 6,
            csat=(2 if drop else 5) if day % 4 else 3,
            ces=(3 if drop else 6),
            comment="The delivery arrived late again" if drop else "Helpful support team",
        )
    refresh_snapshots(account_ids={account.pk})
    refresh_health()
    return account


def test_rule_break_theme_comments_health_swot(page, live_server, account, shot, sign_in):
    sign_in("maria")
    page.click("text=Galloway Haulage")
    page.wait_for_url("**/accounts/*/")
    page.goto(f"{live_server.url}/accounts/{account.pk}/analytics/?period=week")
    chart = page.locator("#chart-csat")
    assert chart.locator(".chart svg:visible").count() == 1  # drawn wide and narrow, one shown
    episodes = chart.locator("ul.episodes > li")
    assert episodes.count() == 1
    text = episodes.first.inner_text()
    assert "CSAT worse, 3 signals" in text
    # The three weeks below the limit and the week each side below the centre: 68 of 200.
    assert "Delivery: in 34 % of comments against 10 %" in text
    assert "mentioned more often" in text
    # The themes partial loads by HTMX after the page.
    page.wait_for_selector("#themes-moved")
    shot("analytics")

    # One link per theme that explains the episode, with its dates; then all its comments
    # (this fixture writes the theme rollups by hand, so no comment carries a theme).
    about = episodes.first.get_by_role("link", name="Read the comments of")
    assert "theme=delivery" in about.get_attribute("href")
    episodes.first.locator("text=All comments of").click()
    page.wait_for_url("**/accounts/*/?from=*")
    page.wait_for_selector("#feedback tbody tr")
    first_day = dt.date.fromisoformat(page.url.split("from=")[1][:10])
    assert page.input_value("#feedback input[name=from]") == first_day.isoformat()
    assert "The delivery arrived late again" in page.locator("#feedback").inner_text()
    shot("episode-comments")

    page.goto(f"{live_server.url}/accounts/{account.pk}/health/")
    assert page.locator("h2", has_text="Health").count() >= 1
    assert page.locator("h2", has_text="Profitability").count() == 1
    shot("health")

    page.click("nav.tabs >> text=SWOT")
    page.wait_for_url("**/swot/")
    assert page.locator("section.swot-quadrant").count() == 4
    weaknesses = page.locator("#weaknesses").inner_text()
    assert "Coverage of decision makers" in weaknesses
    assert "Not contacted: Dana Whitlock" in weaknesses
    shot("swot")

    page.click("header nav >> text=SWOT")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("SWOT")
    shot("portfolio-swot")

    page.goto(f"{live_server.url}/portfolio/health/")
    assert page.locator("h1").inner_text() == "Health and risk"
    assert "Galloway Haulage" in page.content()
    shot("portfolio-health")

    page.click("header nav >> text=Themes")
    page.wait_for_url("**/themes/")
    assert page.locator("#tax-h").count() == 1
    assert "Delivery" in page.content()
    shot("themes")
