"""A manager on the demo: reviews an expectation as not met with an alternative, sees it on the
team's "not met" list, opens the billing incident (notices, alternatives, choices, effect) and
previews its notice; every page looked at wide and narrow."""

from __future__ import annotations

import io
from typing import Any

import pytest

from rapport.agreements.models import ExpectationReview, Incident
from rapport.core.models import User
from rapport.customers.models import Expectation
from rapport.sampledata.load import load_demo
from rapport.sampledata.plan import DEMO_PASSWORD, DEMO_USERNAME

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db: Any) -> User:
    load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
    return User.objects.get(username=DEMO_USERNAME)


def _both_widths(page: Any, shot: Any, name: str) -> None:
    shot(f"{name}-wide")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(f"{name}-narrow")
    page.set_viewport_size({"width": 1440, "height": 900})


def test_review_an_expectation_and_read_the_incident(
    page: Any, live_server: Any, sign_in: Any, shot: Any, demo: User
) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(DEMO_USERNAME, DEMO_PASSWORD)
    expectation = (
        Expectation.objects.filter(account__team__memberships__user=demo, reviews__isnull=True)
        .select_related("account")
        .order_by("pk")
        .first()
    )
    assert expectation is not None
    page.goto(f"{live_server.url}/expectations/{expectation.pk}/review/")
    page.get_by_label("Not met").check()
    page.get_by_label("Evidence").fill("Three late reports in a row.")
    page.get_by_label("Reasons given").fill("The data feed from their ERP arrives late.")
    page.locator("#id_alt-description").fill("A partner builds the feed for them")
    page.locator("#id_alt-provider").select_option("outside")
    page.locator("#id_alt-cost_to_customer").fill("2500")
    _both_widths(page, shot, "review-form")
    page.get_by_role("button", name="Save review").click()
    page.wait_for_url(f"**/accounts/{expectation.account_id}/expectations/**")
    review = ExpectationReview.objects.get(expectation=expectation)
    assert review.outcome == "not_met"
    assert review.alternatives.get().cost_to_customer == 2500
    assert (
        page.locator(f"#review-{review.pk}").get_by_text("A partner builds the feed").is_visible()
    )
    _both_widths(page, shot, "account-expectations")

    page.get_by_role("link", name="Expectations", exact=True).first.click()
    page.goto(f"{live_server.url}/expectations/")
    assert page.get_by_text("The data feed from their ERP arrives late.").is_visible()
    _both_widths(page, shot, "team-expectations")

    incident = Incident.objects.get()
    page.goto(f"{live_server.url}/incidents/")
    page.get_by_role("link", name=incident.title).click()
    page.wait_for_url(f"**/incidents/{incident.pk}/")
    notices = page.locator("#notices tbody tr")
    assert notices.count() == incident.notices.count()
    assert page.locator("#effect table.effect tbody tr").count() == incident.affected.count() + 1
    assert page.get_by_text("Chosen").first.is_visible()
    _both_widths(page, shot, "incident")
    page.get_by_role("link", name="Notify key contacts").click()
    page.wait_for_url(f"**/incidents/{incident.pk}/notify/")
    page.get_by_text("Every key contact has been told about this incident.").wait_for()
    assert page.get_by_text("already told").count() == incident.notices.count()
    _both_widths(page, shot, "incident-notify")
