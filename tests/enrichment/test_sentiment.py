"""Sentiment labels and the per-organisation sentiment model: corrections kept across runs and
audited, readiness, training through the worker (put in force only when it beats VADER on the
random picks, same folds), switching back to VADER, the sentiment labelling queue (uncertain
comments and random picks), access and query counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from rapport.core.models import AuditEvent, Role
from rapport.enrichment import selectors, services, training
from rapport.enrichment import taxonomy as tax
from rapport.enrichment.models import (
    CommentAnalysis,
    EnrichmentJob,
    JobKind,
    ModelKind,
    TrainedModel,
)
from tests.enrichment.helpers import (
    analysis,
    direct_counts,
    enrich,
    respond,
    rollup_sums,
    themes_of,
)
from tests.enrichment.sentiment_data import CLEAR, DOMAIN
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def member(world, role: str):
    user = UserFactory()
    MembershipFactory(user=user, team=world.team, role=role)
    return user


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def label_all(world, data, *, sampled=lambda i: i % 2 == 0) -> list:
    """One response per (text, label), analysed, then labelled by the world's user; sampled(i)
    says whether the i-th was a random pick (by default every other one)."""
    responses = [respond(world.account, text) for text, _ in data]
    enrich()
    for i, (response, (_, label)) in enumerate(zip(responses, data, strict=True)):
        services.label_response(
            actor=world.user, response=response, sentiment=label, picked_at_random=sampled(i)
        )
    return responses


def train_through_the_worker(world, worker_pass, capture) -> TrainedModel:
    manager = client_of(member(world, Role.MANAGER))
    with capture(execute=True):
        response = manager.post(reverse("enrichment:train-sentiment"))
    assert response.status_code == 302
    job = EnrichmentJob.objects.get(kind=JobKind.TRAIN_SENTIMENT)
    with capture(execute=True):
        worker_pass()  # trains; a model in force queues a re-analysis
    job.refresh_from_db()
    assert (job.status, job.error) == ("succeeded", "")
    assert job.trained_model is not None
    return job.trained_model


def test_a_correction_overrides_the_label_is_audited_and_survives_new_versions(world, taxonomy):
    response = respond(world.account, "The pallets arrived late again.")
    enrich()
    assert analysis(response).label == "neutral"  # VADER knows no word of it
    services.label_response(actor=world.user, response=response, sentiment="negative")
    found = analysis(response)
    assert (found.label, found.model_label) == ("negative", "neutral")
    assert found.sentiment_labelled_by == world.user
    assert found.sentiment_labelled_at is not None
    assert found.labelled_at is None  # the themes were not labelled
    event = AuditEvent.objects.get(changed_fields=["sentiment"])
    assert (event.actor, event.team_id, event.object_id) == (
        world.user,
        world.team.pk,
        str(found.pk),
    )
    assert event.detail == "sentiment corrected: neutral to negative"

    manager = member(world, Role.MANAGER)
    tax.create_theme(actor=manager, name="Pallets", phrases=["pallet*"])
    job = enrich()  # new taxonomy version: analysed again
    assert (job.analysed, job.labels_kept) == (1, 1)
    again = analysis(response)
    assert again.pk == found.pk
    assert (again.label, again.model_label) == ("negative", "neutral")
    assert again.sentiment_labelled_by == world.user
    assert "pallets" in themes_of(response)  # themes nobody labelled follow the new version
    assert rollup_sums() == direct_counts()

    services.label_response(actor=world.user, response=response, sentiment="negative")
    assert AuditEvent.objects.filter(detail="sentiment confirmed").count() == 1


def test_theme_and_sentiment_labels_together_and_apart(world, taxonomy):
    response = respond(world.account, "The invoice was wrong.")
    enrich()
    services.label_response(actor=world.user, response=response, theme_slugs=["billing"])
    assert analysis(response).sentiment_labelled_at is None
    services.label_response(actor=world.user, response=response, sentiment="negative")
    assert themes_of(response) == {"billing"}  # left as they were
    services.label_response(
        actor=world.user, response=response, theme_slugs=["pricing"], sentiment="neutral"
    )
    found = analysis(response)
    assert (themes_of(response), found.label) == ({"pricing"}, "neutral")
    with pytest.raises(ValueError, match="themes, its sentiment or both"):
        services.label_response(actor=world.user, response=response)
    with pytest.raises(ValueError, match="unknown sentiment"):
        services.label_response(actor=world.user, response=response, sentiment="angry")


def test_readiness_counts_each_label_and_the_random_picks(world, taxonomy):
    needed = training.MIN_SENTIMENT_PER_LABEL
    sampled = training.MIN_SENTIMENT_SAMPLED
    data = DOMAIN[: needed - 1] + DOMAIN[14 : 14 + needed] + DOMAIN[28 : 28 + needed]
    label_all(world, data, sampled=lambda i: i < sampled)
    ready = training.sentiment_readiness()
    assert ready.counts == {"negative": needed - 1, "neutral": needed, "positive": needed}
    assert ready.sampled == sampled
    required = 3 * needed + sampled
    assert (ready.progress, ready.required, ready.ready) == (required - 1, required, False)
    assert "1 more negative" in ready.message
    analyst = member(world, Role.ANALYST)
    with pytest.raises(ValueError, match="1 more negative"):
        training.start_training(actor=analyst, kind=ModelKind.SENTIMENT)
    page = client_of(analyst).get(reverse("enrichment:themes")).content.decode()
    assert f"{required - 1} of {required} labels" in page
    # A label on a deleted response no longer counts.
    extra = respond(world.account, "The truck came late again.")
    enrich()
    services.label_response(actor=world.user, response=extra, sentiment="negative")
    assert training.sentiment_readiness().ready
    extra.delete()
    assert not training.sentiment_readiness().ready
    # Enough of each sentiment is not enough without the random picks.
    CommentAnalysis.objects.filter(sentiment_sampled=True).update(sentiment_sampled=False)
    another = respond(world.account, "The truck came late again, twice.")
    enrich()
    services.label_response(actor=world.user, response=another, sentiment="negative")
    ready = training.sentiment_readiness()
    assert not ready.ready
    assert f"{sampled} more random picks" in ready.message


def test_a_model_that_beats_vader_is_trained_put_in_force_and_reanalyses(
    world, taxonomy, worker_pass, django_capture_on_commit_callbacks
):
    responses = label_all(world, DOMAIN)
    unseen = respond(world.account, "The pallets came late again")
    happy = respond(world.account, "Orders arrived on time and complete")
    enrich()
    assert (analysis(unseen).label, analysis(happy).label) == ("neutral", "neutral")  # VADER
    assert services.models_in_force().version.endswith("sent:vader")

    trained = train_through_the_worker(world, worker_pass, django_capture_on_commit_callbacks)
    metrics = trained.metrics
    assert trained.active
    assert trained.kind == ModelKind.SENTIMENT
    assert trained.labels_used == len(DOMAIN)
    assert metrics["beats_vader"] is True
    assert metrics["folds"] == 5
    assert metrics["evaluated"] == len(DOMAIN) // 2  # the random picks decide
    assert metrics["macro_f1"] >= metrics["vader"]["macro_f1"] + 0.3
    assert metrics["accuracy"] > metrics["vader"]["accuracy"]
    assert metrics["all_labels"]["n"] == len(DOMAIN)
    assert metrics["decision"].startswith("Put in force")
    assert sum(f["n"] for f in metrics["per_fold"]) == len(DOMAIN) // 2
    assert services.models_in_force().version.endswith(f"sent:{trained.pk}")

    rerun = EnrichmentJob.objects.get(kind=JobKind.ENRICH, reason="sentiment model trained")
    worker_pass()  # the re-analysis with the new version
    rerun.refresh_from_db()
    assert rerun.status == "succeeded"
    assert rerun.analysed == len(DOMAIN) + 2
    assert rerun.labels_kept == len(DOMAIN)
    assert (analysis(unseen).label, analysis(happy).label) == ("negative", "positive")
    assert analysis(unseen).sentiment_uncertainty is not None
    for response, (_, label) in zip(responses, DOMAIN, strict=True):
        assert analysis(response).label == label  # people's labels kept
    assert rollup_sums() == direct_counts()

    page = client_of(world.user).get(reverse("enrichment:themes")).content.decode()
    assert "In force: a model trained" in page
    assert f"against VADER&#x27;s {metrics['vader']['macro_f1']:.2f}" in page


def test_a_model_that_does_not_beat_vader_stays_inactive_with_its_reason(
    world, taxonomy, worker_pass, django_capture_on_commit_callbacks
):
    label_all(world, CLEAR, sampled=lambda i: True)
    before = services.models_in_force().version
    trained = train_through_the_worker(world, worker_pass, django_capture_on_commit_callbacks)
    assert not trained.active
    assert trained.metrics["beats_vader"] is False
    assert trained.metrics["vader"]["macro_f1"] == 1.0
    assert trained.metrics["decision"].startswith("Not put in force")
    assert "must beat VADER" in trained.metrics["decision"]
    assert services.models_in_force().version == before
    assert services.models_in_force().sentiment_model_id is None
    assert not EnrichmentJob.objects.filter(kind=JobKind.ENRICH, status="pending").exists()
    page = client_of(world.user).get(reverse("enrichment:themes")).content.decode()
    assert "In force: <strong>VADER</strong>" in page
    assert "not in force" in page
    assert "must beat VADER" in page


def test_a_model_that_wins_only_on_the_uncertain_labels_stays_inactive(
    world, taxonomy, worker_pass, django_capture_on_commit_callbacks
):
    """The domain comments (VADER wrong) as the queue's uncertain picks, plain ones (VADER right)
    as the random picks: over all labels the model wins, on the random picks it cannot."""
    label_all(world, DOMAIN, sampled=lambda i: False)
    label_all(world, CLEAR, sampled=lambda i: True)
    trained = train_through_the_worker(world, worker_pass, django_capture_on_commit_callbacks)
    everything = trained.metrics["all_labels"]
    assert everything["model"]["macro_f1"] > everything["vader"]["macro_f1"] + 0.1
    assert trained.metrics["evaluated"] == len(CLEAR)
    assert trained.metrics["vader"]["macro_f1"] == 1.0
    assert not trained.active
    assert services.models_in_force().sentiment_model_id is None


def test_a_manager_switches_back_to_vader(
    world, taxonomy, worker_pass, django_capture_on_commit_callbacks
):
    label_all(world, DOMAIN)
    trained = train_through_the_worker(world, worker_pass, django_capture_on_commit_callbacks)
    worker_pass()
    analyst = client_of(member(world, Role.ANALYST))
    assert analyst.post(reverse("enrichment:use-vader")).status_code == 403
    boss = member(world, Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_of(boss).post(reverse("enrichment:use-vader")).status_code == 302
    trained.refresh_from_db()
    assert not trained.active
    assert boss.username in trained.metrics["retired"]
    assert services.models_in_force().version.endswith("sent:vader")
    assert AuditEvent.objects.filter(
        actor=boss, object_id=str(trained.pk), detail="switched back to VADER"
    ).exists()
    assert EnrichmentJob.objects.filter(reason="back to VADER").exists()
    assert training.use_vader(actor=boss) == 0  # already VADER


def test_sentiment_queue_puts_comments_near_a_boundary_first(world, taxonomy):
    sure = respond(world.account, "Excellent, wonderful, brilliant service. Thank you!")
    flat = respond(world.account, "We order every Tuesday")  # 0: no sentiment word
    mild = respond(world.account, "The delivery was okay I guess")  # 0.23
    theirs = respond(world.other_account, "We order every Monday")
    enrich()
    assert analysis(flat).compound == 0
    assert analysis(sure).compound > 0.9
    queue = selectors.sentiment_labelling_queue(world.user)
    assert [a.response_id for a in queue] == [flat.pk, mild.pk, sure.pk]  # theirs not seen
    uncertainty = [a.sentiment_uncertainty for a in queue]
    assert uncertainty[0] == pytest.approx(1 - 0.05 / 0.95, abs=1e-4)
    assert uncertainty[0] > uncertainty[1] > uncertainty[2]
    assert not any(a.picked_at_random for a in queue)  # room for all three as uncertain ones
    short = selectors.sentiment_labelling_queue(world.user, limit=3)  # two uncertain, one random
    assert [(a.response_id, a.picked_at_random) for a in short] == [
        (flat.pk, False), (mild.pk, False), (sure.pk, True)
    ]  # fmt: skip
    # A sentiment short of examples is suggested first among the uncertain ones.
    favoured = selectors.sentiment_labelling_queue(world.user, favour=["positive"])
    assert [a.response_id for a in favoured] == [mild.pk, sure.pk, flat.pk]
    services.label_response(actor=world.user, response=flat, sentiment="neutral")
    queued = [a.response_id for a in selectors.sentiment_labelling_queue(world.user)]
    assert queued == [mild.pk, sure.pk]
    assert theirs.pk not in queued
    # The theme queue keeps a comment whose sentiment alone was labelled.
    assert flat.pk in [a.response_id for a in selectors.labelling_queue(world.user)]
    page = client_of(world.user).get(reverse("enrichment:label") + "?for=sentiment")
    body = page.content.decode()
    assert "Best for sentiment (1 labelled)" in body
    assert body.index("okay I guess") < body.index("Excellent, wonderful")


def test_label_page_posts_themes_and_sentiment(world, taxonomy):
    response = respond(world.account, "Still waiting for the credit note")
    enrich()
    client = client_of(world.user)
    page = client.get(reverse("enrichment:label") + "?for=sentiment").content.decode()
    assert 'name="sentiment" value="positive" checked' in page  # VADER likes "credit"
    url = reverse("enrichment:label-response", args=[response.pk])
    saved = client.post(
        url,
        {"themes": ["billing"], "sentiment": "negative", "for": "sentiment", "picked": "random"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
    assert "negative (labelled)" in saved.content.decode()
    assert (themes_of(response), analysis(response).label) == ({"billing"}, "negative")
    assert analysis(response).sentiment_sampled is True
    back = client.post(url, {"themes": ["billing"], "sentiment": "glad", "for": "sentiment"})
    assert back["Location"].endswith("?for=sentiment")
    assert analysis(response).label == "negative"


def test_access_to_sentiment_labels_and_training(world, taxonomy):
    response = respond(world.account, "The truck was late")
    enrich()
    agent = member(world, Role.AGENT)
    url = reverse("enrichment:label-response", args=[response.pk])
    assert client_of(agent).post(url, {"sentiment": "negative"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.label_response(actor=agent, response=response, sentiment="negative")
    with pytest.raises(PermissionDenied):  # another team's comment
        services.label_response(actor=world.other_user, response=response, sentiment="negative")
    assert client_of(world.other_user).post(url, {"sentiment": "negative"}).status_code == 404
    qa = member(world, Role.QA_EVALUATOR)
    services.label_response(actor=qa, response=response, sentiment="negative")
    account_manager = client_of(world.user)
    assert account_manager.post(reverse("enrichment:train-sentiment")).status_code == 403
    assert account_manager.post(reverse("enrichment:use-vader")).status_code == 403
    with pytest.raises(PermissionDenied):
        training.use_vader(actor=member(world, Role.ANALYST))
    analyst_page = client_of(member(world, Role.ANALYST)).get(reverse("enrichment:themes"))
    body = analyst_page.content.decode()
    assert "Train the sentiment model" in body
    assert "Switch back to VADER" not in body


def test_pages_with_sentiment_models_and_labels_keep_their_query_counts(
    world, taxonomy, user_client, django_assert_max_num_queries
):
    def add(k: int, start: int) -> None:
        made = [respond(world.account, f"Order {start + i} arrived late again") for i in range(k)]
        for i in range(k):
            respond(world.account, f"Order {start + i} was fine")  # left in both queues
        enrich()
        for r in made:
            services.label_response(actor=world.user, response=r, sentiment="negative")
        when = analysis(made[0]).analysed_at
        for _ in range(k):
            TrainedModel.objects.create(
                kind=ModelKind.SENTIMENT, artefact=b"", active=False, trained_at=when,
                metrics={"decision": "Not put in force: test", "vader": {"macro_f1": 0.5}},
            )  # fmt: skip

    add(2, 0)
    urls = [
        reverse("enrichment:themes"),
        reverse("enrichment:label"),
        reverse("enrichment:label") + "?for=sentiment",
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(25) as captured:
            assert user_client.get(url).status_code == 200
        counts[url] = len(captured)
    add(30, 100)
    for url in urls:
        with django_assert_max_num_queries(counts[url], info=url):
            assert user_client.get(url).status_code == 200


def test_random_picks_are_interleaved_and_follow_the_sample_key(world, taxonomy):
    made = [respond(world.account, f"Order {i} arrived") for i in range(12)]
    enrich()
    keys = {a.response_id: a.sample_key for a in CommentAnalysis.objects.all()}
    assert all(0 <= k < 1 for k in keys.values())
    queue = selectors.sentiment_labelling_queue(world.user, limit=9)
    assert [a.picked_at_random for a in queue] == [False, False, True] * 3
    uncertain = {a.response_id for a in queue if not a.picked_at_random}
    rest = sorted((k, pk) for pk, k in keys.items() if pk not in uncertain)
    assert [a.response_id for a in queue if a.picked_at_random] == [pk for _, pk in rest[:3]]
    assert len(made) == 12
