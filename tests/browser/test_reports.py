"""A key-account manager runs the account team's review pack from its definition: the run page
shows its progress while the worker generates it, then the preview with its charts, the files
and the recommendations, one of which is edited before sending; looked at wide and narrow."""

from __future__ import annotations

import io
from typing import Any

import pytest

from rapport.core.models import User
from rapport.reports import generation
from rapport.reports.models import ReportDefinition, ReportRun
from rapport.sampledata.load import load_demo
from rapport.sampledata.plan import DEMO_PASSWORD, DEMO_USERNAME

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db: Any) -> User:
    load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
    return User.objects.get(username=DEMO_USERNAME)


def test_run_a_review_pack_and_edit_a_recommendation(
    page: Any, live_server: Any, sign_in: Any, shot: Any, demo: User
) -> None:
    definition = (
        ReportDefinition.objects.filter(report_type="account_review_pack", audience="account_team")
        .order_by("pk")
        .first()
    )
    assert definition is not None
    sign_in(DEMO_USERNAME, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/reports/")
    shot("definitions")
    page.get_by_role("link", name=definition.name).first.click()
    page.get_by_role("button", name="Run now").click()
    page.wait_for_url(f"{live_server.url}/reports/runs/*/")
    assert page.get_by_role("progressbar", name="Report progress").is_visible()
    run = ReportRun.objects.filter(definition=definition).order_by("-pk").first()
    assert run is not None
    generation.generate_due()  # the worker's periodic pass (no worker runs beside the tests)
    page.get_by_role("heading", name="Relationship summary").wait_for()  # HX-Refresh reloads
    assert page.locator(".report-chart svg").count() >= 1
    assert page.get_by_role("link", name=f"{generation.file_stem(run)}.pdf").is_visible()
    shot("run")
    page.get_by_label("Add a recommendation").fill("Agree a weekly call")
    page.get_by_role("button", name="Add").click()
    page.locator("#recommendations form.rec-form textarea").last.wait_for()
    added = page.locator("#recommendations form.rec-form").last
    assert added.locator("textarea").input_value() == "Agree a weekly call"
    added.locator("textarea").fill("Agree a weekly delivery call with the sponsor")
    added.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    run.refresh_from_db()
    assert run.recommendations.filter(text__startswith="Agree a weekly", edited=True).exists()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shot("run-phone")
    # Whatever is wider than the phone scrolls inside its own box (tables); the shell's top
    # bar is core's and left out here.
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .filter(e => !e.closest('.table-scroll'))
            .map(e => e.tagName + '.' + e.className)"""
    )
    assert wide == [], "parts of the run page stick out on a phone"
