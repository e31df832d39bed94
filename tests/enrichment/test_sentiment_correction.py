"""A comment's sentiment corrected on the account page, and the labelling queue's fixes
(issue 11, item 3): counts sent with every label, no comment asked about twice, and no
"no theme" recorded when only the sentiment was judged."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rapport.core.models import AuditEvent, Role
from rapport.enrichment import selectors
from rapport.enrichment.models import CommentAnalysis, ResponseTheme, ThemeSource
from rapport.enrichment.public import SENTIMENTS
from rapport.text.sentiment import LABELS
from tests.enrichment.helpers import analysis, enrich, respond, themes_of
from tests.factories import MembershipFactory, UserFactory

HX = {"HX-Request": "true"}


def client_for(world, role: str) -> Client:
    user = UserFactory()
    MembershipFactory(user=user, team=world.team, role=role)
    client = Client()
    client.force_login(user)
    return client


def sentiment_audits(analysis_row: CommentAnalysis) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(analysis_row.pk), changed_fields=["sentiment"])
        .order_by("pk")
        .values_list("detail", flat=True)
    )


def test_the_sentiments_offered_are_the_models_labels():
    assert SENTIMENTS == LABELS


@pytest.fixture
def late(world, taxonomy):
    response = respond(world.account, "Our last delivery arrived late again.")
    enrich()
    return response


def test_the_feedback_list_offers_a_sentiment_correction_per_comment(world, late, user_client):
    body = user_client.get(reverse("customers:account-feedback", args=[world.account.pk]))
    html = body.content.decode()
    assert reverse("enrichment:correct-sentiment", args=[late.pk]) in html
    assert 'aria-label="Correct the sentiment of this comment"' in html
    assert '<option value="neutral" selected>' in html  # VADER knows no word of it


def test_a_role_that_does_not_label_sees_no_correction(world, late):
    body = client_for(world, Role.AGENT).get(
        reverse("customers:account-feedback", args=[world.account.pk])
    )
    assert "Correct the sentiment" not in body.content.decode()
    assert "neutral" in body.content.decode()  # the sentiment is still shown


def test_correcting_a_sentiment_on_the_account_page_labels_it(world, late, user_client):
    url = reverse("enrichment:correct-sentiment", args=[late.pk])
    answer = user_client.post(url, {"sentiment": "negative"}, headers=HX)
    assert answer.status_code == 200
    assert "negative (labelled)" in answer.content.decode()
    row = analysis(late)
    assert (row.label, row.model_label, row.sentiment_labelled_by) == (
        "negative", "neutral", world.user
    )  # fmt: skip
    assert row.labelled_at is None  # the themes are left as the model found them
    assert themes_of(late) == {"delivery"}
    assert sentiment_audits(row) == ["sentiment corrected: neutral to negative"]
    # What the sentiment model learns from, as a label from the queue would be.
    assert selectors.sentiment_labelled_count(world.user) == 1
    assert late.pk not in [a.response_id for a in selectors.sentiment_labelling_queue(world.user)]


def test_a_bad_sentiment_is_refused_and_nothing_is_written(world, late, user_client):
    url = reverse("enrichment:correct-sentiment", args=[late.pk])
    answer = user_client.post(url, {"sentiment": "furious"}, headers=HX)
    assert answer.status_code == 422
    assert "unknown sentiment 'furious'" in answer.content.decode()
    row = analysis(late)
    assert (row.label, row.sentiment_labelled_at) == ("neutral", None)
    assert sentiment_audits(row) == []


def test_another_teams_comment_cannot_be_corrected(world, taxonomy, user_client):
    theirs = respond(world.other_account, "Our last delivery arrived late again.")
    enrich()
    url = reverse("enrichment:correct-sentiment", args=[theirs.pk])
    assert user_client.post(url, {"sentiment": "negative"}).status_code == 404
    assert analysis(theirs).sentiment_labelled_at is None


def test_a_role_that_does_not_label_cannot_correct(world, late):
    url = reverse("enrichment:correct-sentiment", args=[late.pk])
    answer = client_for(world, Role.AGENT).post(url, {"sentiment": "negative"}, headers=HX)
    assert answer.status_code == 403
    assert analysis(late).sentiment_labelled_at is None


# --- the labelling queue ----------------------------------------------------------------------


def label_url(response) -> str:
    return reverse("enrichment:label-response", args=[response.pk])


def test_judging_only_the_sentiment_records_no_theme(world, taxonomy, user_client):
    response = respond(world.account, "The invoice was wrong and support never answered.")
    enrich()
    shown = sorted(themes_of(response))
    assert shown  # the rules found themes, shown ticked
    user_client.post(
        label_url(response),
        {"for": "sentiment", "sentiment": "negative", "themes": shown, "shown_themes": shown},
        headers=HX,
    )
    row = analysis(response)
    assert (row.label, row.labelled_at) == ("negative", None)
    sources = set(ResponseTheme.objects.filter(analysis=row).values_list("source", flat=True))
    assert ThemeSource.PERSON not in sources  # still the rules' themes, not a person's


def test_unticking_the_themes_in_the_sentiment_queue_records_no_theme(world, taxonomy, user_client):
    response = respond(world.account, "The invoice was wrong and support never answered.")
    enrich()
    shown = sorted(themes_of(response))
    user_client.post(
        label_url(response),
        {"for": "sentiment", "sentiment": "negative", "shown_themes": shown},
        headers=HX,
    )
    row = analysis(response)
    assert row.labelled_at is not None
    assert themes_of(response) == set()


def test_every_label_sends_the_queues_counts_again(world, late, user_client):
    answer = user_client.post(
        label_url(late), {"for": "sentiment", "sentiment": "negative"}, headers=HX
    ).content.decode()
    assert 'id="label-counts" aria-label="Which comments first" hx-swap-oob="true"' in answer
    assert "Best for sentiment (1 labelled)" in answer
    assert "Best for themes (0 labelled)" in answer
    assert '<div id="sentiment-readiness" hx-swap-oob="true">' in answer
    assert "<strong>1 of " in answer


def test_a_comment_labelled_in_the_session_is_not_shown_in_the_other_queue(
    world, late, user_client
):
    assert "arrived late again" in user_client.get(reverse("enrichment:label")).content.decode()
    user_client.post(label_url(late), {"for": "sentiment", "sentiment": "negative"}, headers=HX)
    assert analysis(late).labelled_at is None  # its themes are still unjudged...
    page = user_client.get(reverse("enrichment:label")).content.decode()
    assert "arrived late again" not in page  # ...but this person is not asked again
    other = Client()
    other.force_login(world.user)  # a new session asks about its themes
    assert "arrived late again" in other.get(reverse("enrichment:label")).content.decode()


def test_a_text_is_asked_about_once_and_not_after_it_was_labelled(world, taxonomy, user_client):
    first = respond(world.account, "Thanks, nothing else to add.")
    second = respond(world.account, "Thanks, nothing else to add.")
    respond(world.account, "Pallets were late.")
    enrich()
    for queue in (selectors.labelling_queue, selectors.sentiment_labelling_queue):
        texts = [a.redacted for a in queue(world.user)]
        assert texts.count("Thanks, nothing else to add.") == 1
    user_client.post(label_url(first), {"themes": ["support"], "sentiment": "positive"})
    for queue in (selectors.labelling_queue, selectors.sentiment_labelling_queue):
        shown = [a.response_id for a in queue(world.user)]
        assert first.pk not in shown
        assert second.pk not in shown
