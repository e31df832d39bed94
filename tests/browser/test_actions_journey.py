"""A manager on the demo: the action board with its overdue and escalated actions, an action
opened from a SWOT line, taken to done, the customer told, and the loop in the log; every
actions page looked at wide and narrow."""

from __future__ import annotations

import io
from typing import Any

import pytest

from rapport.actions.models import Action, LoopClosure
from rapport.core.models import User
from rapport.customers.models import Communication
from rapport.sampledata.load import load_demo
from rapport.sampledata.plan import DEMO_PASSWORD, DEMO_USERNAME

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db: Any) -> User:
    load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
    return User.objects.get(username=DEMO_USERNAME)


def test_open_from_swot_close_and_tell_the_customer(
    page: Any, live_server: Any, sign_in: Any, shot: Any, demo: User
) -> None:
    sign_in(DEMO_USERNAME, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/actions/?overdue=1")
    assert page.locator("strong.overdue").count() > 0
    assert page.locator(".badge.escalated").count() > 0
    shot("board-overdue")
    page.goto(f"{live_server.url}/actions/escalations/")
    assert page.get_by_role("cell", name="2", exact=True).count() > 0  # a level-2 escalation
    shot("escalations")

    team_ids = list(demo.memberships.values_list("team_id", flat=True))
    account = Action.objects.filter(team__in=team_ids, account__isnull=False).first().account
    page.goto(f"{live_server.url}/accounts/{account.pk}/swot/")
    page.get_by_role("link", name="Open an action").first.click()
    page.wait_for_url("**/actions/new/**")
    title = page.input_value("#id_title")
    assert title
    assert page.input_value("#id_source_kind") == "swot"
    page.select_option("#id_owner", label=str(demo))
    page.select_option("#id_severity", "high")
    shot("new-action")
    page.get_by_role("button", name="Open the action").click()
    page.wait_for_url("**/actions/*/")
    action = Action.objects.get(title=title, source_kind="swot", created_by=demo)
    assert action.account_id == account.pk

    page.select_option("#id_status", "done")
    page.get_by_role("button", name="Change status").click()
    assert page.get_by_text("needs an outcome").count() > 0  # refused without one
    page.select_option("#id_status", "done")
    page.fill("#id_outcome", "Weekly delivery call set up with the depot.")
    page.get_by_role("button", name="Change status").click()
    page.wait_for_selector("text=Record that the customer was told")
    page.fill("#id_told_what", "Deliveries are confirmed by phone the day before.")
    page.select_option("#id_channel", "call")
    page.get_by_role("button", name="Record that the customer was told").click()
    page.wait_for_selector("text=Logged in the account's communications")
    closure = LoopClosure.objects.get(action=action)
    assert Communication.objects.filter(pk=closure.communication_id, account=account).exists()
    assert page.locator("table.effect").count() == 1
    shot("action-told")

    page.goto(f"{live_server.url}/actions/loops/")
    assert page.get_by_role("link", name=action.title).count() == 1
    shot("loops")
    for path in (
        "/actions/",
        "/actions/ideas/",
        "/actions/plans/",
        "/actions/personal/",
        "/actions/performance/",
        f"/accounts/{account.pk}/actions/",
    ):
        page.goto(f"{live_server.url}{path}")
        shot(path.strip("/").replace("/", "-"))
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/actions/", f"/actions/{action.pk}/", "/actions/performance/"):
        page.goto(f"{live_server.url}{path}")
        # Nothing of the page's own content runs off the side (tables scroll in their frame).
        wide = page.evaluate(
            """() => [...document.querySelectorAll('main *')]
                .filter(e => e.getBoundingClientRect().right > 392 && !e.closest('.table-wrap'))
                .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
        )
        assert not wide, (path, wide)
        shot("narrow-" + (path.strip("/").replace("/", "-") or "board"))
