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
