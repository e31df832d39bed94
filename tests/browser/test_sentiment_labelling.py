"""An account manager labels comments' sentiment on the labelling page (HTMX, no reload)."""

from __future__ import annotations

import pytest

from rapport.core.models import Role
from rapport.enrichment.models import CommentAnalysis, EnrichmentJob
from rapport.enrichment.services import run_enrichment_job
from rapport.enrichment.taxonomy import install_standard_taxonomy
from tests.enrichment.helpers import respond
from tests.factories import AccountFactory, MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def labeller(transactional_db):
    team = TeamFactory(name="North")
    user = UserFactory(username="maria", first_name="Maria", last_name="Okafor")
    MembershipFactory(user=user, team=team, role=Role.ACCOUNT_MANAGER)
    account = AccountFactory(team=team, name="Acme Foods")
    install_standard_taxonomy(actor=None)
    for text in ("Our last delivery arrived late again.", "We order every Tuesday.",
                 "Excellent support, thank you!"):  # fmt: skip
        respond(account, text)
    run_enrichment_job(job_id=EnrichmentJob.objects.create(reason="test").pk)
    return user


def test_label_a_comments_sentiment(page, live_server, labeller, shot, sign_in):
    sign_in("maria")
    page.goto(f"{live_server.url}/themes/label/?for=sentiment")
    assert "0 of 50 labels" in page.content()
    shot("sentiment-queue")
    card = page.locator("li.card", has_text="arrived late again")
    assert card.locator("input[value=neutral]").is_checked()  # VADER knows no word of it
    card.locator("input[value=negative]").check()
    card.locator("button", has_text="Confirm").click()
    page.locator("li.card", has_text="negative (labelled)").wait_for()
    shot("labelled")
    found = CommentAnalysis.objects.get(response__comment="Our last delivery arrived late again.")
    assert (found.label, found.model_label, found.sentiment_labelled_by) == (
        "negative", "neutral", labeller
    )  # fmt: skip


def _wait_for_focus_on(page, card_id: str) -> None:
    """The focus moves on htmx:afterSettle, a moment after the swap the counts come with."""
    page.wait_for_function(
        "id => document.activeElement.closest('li.card')?.id === id", arg=card_id, timeout=5000
    )


def test_label_by_keyboard_and_keep_the_focus(page, live_server, labeller, shot, sign_in):
    """1/2/3 choose the sentiment, Enter confirms, and the focus moves to the next comment's
    first control; the counts follow every label."""
    sign_in("maria")
    page.goto(f"{live_server.url}/themes/label/?for=sentiment")
    assert "1 negative" in page.locator("#label-keys").inner_text()
    cards = page.locator("#label-queue > li.card")
    first, second = cards.nth(0).get_attribute("id"), cards.nth(1).get_attribute("id")
    cards.nth(0).locator("input:not([type=hidden])").first.focus()
    page.keyboard.press("1")
    assert cards.nth(0).locator("input[value=negative]").is_checked()
    page.keyboard.press("Enter")
    page.locator(f"#{first}", has_text="(labelled)").wait_for()
    page.locator("#label-counts", has_text="Best for sentiment (1 labelled)").wait_for()
    assert "1 of 50 labels" in page.locator("#sentiment-readiness").inner_text()
    _wait_for_focus_on(page, second)
    assert page.evaluate("document.activeElement.matches('form input:not([type=hidden])')")
    shot("focus-moved")
    page.keyboard.press("3")
    page.keyboard.press("Enter")
    page.locator(f"#{second}", has_text="positive (labelled)").wait_for()
    page.locator("#label-counts", has_text="Best for sentiment (2 labelled)").wait_for()
    labelled = CommentAnalysis.objects.filter(sentiment_labelled_at__isnull=False)
    assert sorted(labelled.values_list("label", flat=True)) == ["negative", "positive"]
    assert not labelled.filter(labelled_at__isnull=False).exists()  # no themes recorded
    # Back on the page, the two labelled comments are not asked about again.
    page.goto(f"{live_server.url}/themes/label/?for=sentiment")
    assert page.locator("#label-queue > li.card").count() == 1


def test_typing_in_a_box_is_not_taken_as_a_shortcut(page, live_server, labeller, sign_in):
    sign_in("maria")
    page.goto(f"{live_server.url}/themes/label/?for=sentiment")
    card = page.locator("#label-queue > li.card").first
    before = card.locator("input[name=sentiment]:checked").get_attribute("value")
    page.evaluate(
        "document.querySelector('#label-queue').insertAdjacentHTML('beforebegin',"
        " '<input id=note type=text aria-label=note>')"
    )
    page.locator("#note").type("13")
    assert page.locator("#note").input_value() == "13"
    assert card.locator("input[name=sentiment]:checked").get_attribute("value") == before
    page.locator("#note").press("Enter")
    assert not CommentAnalysis.objects.filter(sentiment_labelled_at__isnull=False).exists()
