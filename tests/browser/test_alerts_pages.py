"""The alerts pages on the demo data, looked at wide and narrow: the inbox, an alert, the
account's tab, the rules, a rule's form and its dry run (screenshots in test-artifacts/)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from rapport.alerts.models import Alert, AlertStatus, Rule, RuleScope
from rapport.sampledata.load import load_demo
from rapport.sampledata.plan import DEMO_PASSWORD, DEMO_USERNAME

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1440, 390])
def test_alert_pages_read_well(page: Any, live_server: Any, shot: Any, transactional_db: Any,
                               width: int) -> None:  # fmt: skip
    load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", DEMO_USERNAME)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/alerts/")
    assert page.locator("table.alerts tbody tr").count() >= 1
    shot(f"inbox-{width}")
    first = page.locator("table.alerts tbody tr a[href^='/alerts/']").first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_url(f"**{href}")
    alert = Alert.objects.get(pk=int(href.strip("/").split("/")[-1]))
    assert alert.status == AlertStatus.OPEN  # open ones come first
    assert page.get_by_text(alert.observed).is_visible()
    shot(f"alert-{width}")
    page.goto(f"{live_server.url}/accounts/{alert.account_id}/alerts/")
    assert page.get_by_role("link", name=alert.title).is_visible()
    shot(f"account-tab-{width}")
    page.goto(f"{live_server.url}/alerts/rules/")
    shot(f"rules-{width}")
    rule = Rule.objects.filter(scope=RuleScope.TEAM).first()
    assert rule is not None
    page.goto(f"{live_server.url}/alerts/rules/{rule.pk}/edit/")
    shot(f"rule-form-{width}")
    page.click("button:has-text('Test against current data')")
    page.wait_for_url("**/alerts/rules/test/**")
    assert page.get_by_text("It would open").is_visible()
    shot(f"dry-run-{width}")
