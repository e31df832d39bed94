"""A key-account manager finishes the draft plan of an account on the demo, proposes it and
records the customer's sign-off; the plan page then shows the new version in force, and the
calendar, team schedule and method comparison read as they should (screenshots at 1440 and
390 px in test-artifacts/)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from rapport.monitoring.models import PlanStatus, PlanVersion
from rapport.sampledata.load import load_demo
from rapport.sampledata.plan import ADMIN_PASSWORD, ADMIN_USERNAME

pytestmark = pytest.mark.browser


@pytest.fixture
def draft(transactional_db: Any) -> PlanVersion:
    load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
    return PlanVersion.objects.select_related("plan__account").get(status=PlanStatus.DRAFT)


def test_finish_propose_and_agree_a_plan(
    page: Any, live_server: Any, sign_in: Any, shot: Any, draft: PlanVersion
) -> None:
    account = draft.plan.account
    sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    page.goto(f"{live_server.url}/accounts/{account.pk}/plan/")
    assert page.get_by_role("heading", name="Plan in force").is_visible()
    shot("plan")
    page.get_by_role("link", name="edit it").click()
    page.wait_for_url(f"**/plan-versions/{draft.pk}/")
    page.get_by_role("link", name="Add a KPI").click()
    page.locator("#kpis-section form.item-form").wait_for()
    page.fill("#kpis-section input[name=metric]", "ces")
    page.fill("#kpis-section input[name=target]", "6")
    page.get_by_role("button", name="Save KPI").click()
    page.locator("#kpis-section td", has_text="ces").wait_for()
    shot("draft-with-kpi")
    page.get_by_role("button", name="Propose to the customer").click()
    page.get_by_role("link", name="Record the customer's sign-off").click()
    page.fill("input[name=evidence_reference]", "Signed minutes, ref. QBR-7")
    shot("sign-off")
    page.get_by_role("button", name="Record the sign-off").click()
    page.wait_for_url(f"**/accounts/{account.pk}/plan/")
    assert f"Version {draft.number} agreed with" in page.locator(".messages").inner_text()
    draft.refresh_from_db()
    assert draft.status == PlanStatus.AGREED
    assert draft.kpis.filter(metric="ces", target=6).exists()
    shot("agreed")
    page.goto(f"{live_server.url}/plans/{draft.plan_id}/versions/")
    assert page.get_by_text("KPI ces").is_visible()  # v2 → v3 adds the CES KPI
    shot("versions-diff")
    page.goto(f"{live_server.url}/accounts/{account.pk}/plan/calendar/")
    shot("calendar")
    page.goto(f"{live_server.url}/monitoring/")
    assert page.locator(".state-overdue").first.is_visible()
    shot("team-schedule")
    page.goto(f"{live_server.url}/monitoring/methods/")
    shot("methods")
    page.set_viewport_size({"width": 390, "height": 844})
    for name, path in (
        ("phone-plan", f"/accounts/{account.pk}/plan/"),
        ("phone-calendar", f"/accounts/{account.pk}/plan/calendar/"),
        ("phone-version", f"/plan-versions/{draft.pk}/"),
    ):
        page.goto(f"{live_server.url}{path}")
        shot(name)
