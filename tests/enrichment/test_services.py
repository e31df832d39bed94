"""Enrichment: what it writes, redaction, idempotency, versions, labels, rollups."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.core.models import Role
from rapport.enrichment import services
from rapport.enrichment import taxonomy as tax
from rapport.enrichment.models import CommentAnalysis, ThemeRollup
from rapport.feedback.models import Response
from tests.enrichment.helpers import (
    WHEN,
    analysis,
    direct_counts,
    enrich,
    respond,
    rollup_sums,
    themes_of,
)
from tests.factories import ContactFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_sentiment_language_and_themes_of_constructed_comments(world, taxonomy):
    late = respond(world.account, "The delivery arrived late again and your drivers were rude.")
    good = respond(world.account, "The invoice was accurate and easy to reconcile. Great work!")
    mixed = respond(world.account, "Support was excellent. However, the price increase is awful.")
    job = enrich()
    assert job.status == "succeeded"
    assert job.analysed == 3
    assert job.total == 3
    assert analysis(late).compound < -0.05
    assert analysis(late).label == "negative"
    assert analysis(good).compound > 0.05
    assert analysis(good).label == "positive"
    assert themes_of(late) == {"delivery", "staff_attitude"}
    assert themes_of(good) == {"billing"}
    assert themes_of(mixed) == {"support", "pricing"}
    sentences = analysis(mixed).sentences
    assert len(sentences) == 2
    assert sentences[0][2] > 0.05
    assert sentences[1][2] < -0.05
    assert analysis(good).language == "en"


def test_no_comment_no_analysis(world, taxonomy):
    respond(world.account, "")
    assert enrich().analysed == 0
    assert not CommentAnalysis.objects.exists()


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("Write to jane.doe@example.com about it.", "EMAIL", "jane.doe@example.com"),
        ("Call me on +44 20 7946 0958 please.", "PHONE", "7946 0958"),
        ("Card 4111 1111 1111 1111 was charged twice.", "CARD", "4111 1111 1111 1111"),
        ("Refund to GB82 WEST 1234 5698 7654 32 now.", "IBAN", "GB82 WEST"),
        ("Pay sort code 12-34-56 account 12345678.", "ACCOUNT", "12345678"),
    ],
)
def test_redaction_of_each_kind(world, taxonomy, text, kind, secret):
    response = respond(world.account, text)
    enrich()
    result = analysis(response)
    assert secret not in result.redacted
    assert f"[{kind}]" in result.redacted
    assert kind in result.pii_kinds
    response.refresh_from_db()
    assert response.comment == text  # the original stays as it was


def test_known_contact_name_is_redacted_only_for_their_account(world, taxonomy):
    ContactFactory(account=world.account, name="Priya Natarajan")
    mine = respond(world.account, "Priya Natarajan was very helpful with the invoice.")
    theirs = respond(world.other_account, "Priya Natarajan was very helpful with the invoice.")
    enrich()
    assert analysis(mine).redacted.startswith("[NAME] was very helpful")
    assert "NAME" in analysis(mine).pii_kinds
    assert analysis(theirs).redacted.startswith("Priya Natarajan")  # not their contact


def test_rerun_changes_nothing(world, taxonomy):
    for text in ("Late delivery again.", "Great support, thank you.", "Pricing is fair."):
        respond(world.account, text)
    enrich()
    before = (
        list(CommentAnalysis.objects.values_list("pk", "analysed_at", "compound")),
        rollup_sums(),
        list(ThemeRollup.objects.order_by("pk").values_list("pk", "n", "total")),
    )
    job = enrich()
    assert job.total == 0
    assert job.analysed == 0
    after = (
        list(CommentAnalysis.objects.values_list("pk", "analysed_at", "compound")),
        rollup_sums(),
        list(ThemeRollup.objects.order_by("pk").values_list("pk", "n", "total")),
    )
    assert after == before


def test_new_version_reanalyses_and_rollups_follow(world, taxonomy):
    response = respond(world.account, "The courier left the parcel in the rain.")
    enrich()
    assert themes_of(response) == {"delivery"}
    manager = UserFactory()
    MembershipFactory(user=manager, team=world.team, role=Role.MANAGER)
    tax.create_theme(actor=manager, name="Weather", phrases=["rain", "snow"])
    job = enrich()
    assert job.analysed == 1
    assert themes_of(response) == {"delivery", "weather"}
    assert rollup_sums() == direct_counts()


def test_changed_comment_is_analysed_again(world, taxonomy):
    response = respond(world.account, "Delivery was perfect.")
    enrich()
    Response.objects.filter(pk=response.pk).update(
        comment="The invoice was wrong.", updated_at=WHEN + dt.timedelta(days=999)
    )
    assert enrich().analysed == 1
    assert themes_of(response) == {"billing"}
    assert rollup_sums() == direct_counts()


def test_corrections_are_kept_across_runs(world, taxonomy):
    response = respond(world.account, "The delivery arrived late again.")
    enrich()
    services.label_response(actor=world.user, response=response, theme_slugs=["communication"])
    assert themes_of(response) == {"communication"}
    enrich()  # same version: nothing to do
    manager = UserFactory()
    MembershipFactory(user=manager, team=world.team, role=Role.MANAGER)
    theme = tax.current_taxonomy().themes["delivery"]
    tax.update_theme(actor=manager, theme=theme, phrases=[*theme.phrases, "late again"])
    job = enrich()  # new version: analysed again, label kept
    assert job.analysed == 1
    assert job.labels_kept == 1
    assert themes_of(response) == {"communication"}
    found = analysis(response)
    assert found.labelled_by == world.user
    assert found.themes.get().source == "person"
    assert rollup_sums() == direct_counts()


def test_labelling_needs_the_capability_in_the_responses_team(world, taxonomy):
    from django.core.exceptions import PermissionDenied

    response = respond(world.account, "Support was slow.")
    enrich()
    agent = UserFactory()
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        services.label_response(actor=agent, response=response, theme_slugs=["support"])
    with pytest.raises(PermissionDenied):
        services.label_response(actor=world.other_user, response=response, theme_slugs=[])
    with pytest.raises(ValueError, match="unknown themes"):
        services.label_response(actor=world.user, response=response, theme_slugs=["nope"])


def test_theme_rollups_equal_a_direct_count(world, taxonomy):
    import random

    rng = random.Random(4)
    from rapport.sampledata.comments import THEMES, comment

    for i in range(120):
        account = world.account if i % 3 else world.other_account
        when = WHEN - dt.timedelta(days=rng.randrange(0, 200))
        theme = rng.choice(list(THEMES))
        text = comment(rng, theme, rng.choice(["positive", "negative", "mixed"]))
        respond(account, text, when=when)
    enrich(batch=17)
    assert rollup_sums() == direct_counts()
    week = {k: v for k, v in rollup_sums("week").items() if k[1] == "*"}
    assert sum(n for n, _ in week.values()) == 120
    # a deletion and a move between accounts keep them equal
    first, second = Response.objects.order_by("pk")[:2]
    first.delete()
    Response.objects.filter(pk=second.pk).update(
        account=world.other_account, updated_at=WHEN + dt.timedelta(days=999)
    )
    job = enrich()
    assert job.removed == 1
    assert job.analysed == 1
    assert rollup_sums() == direct_counts()
    assert sum(v[0] for k, v in rollup_sums().items() if k[1] == "*") == 119


def test_import_queues_enrichment_run_by_the_worker(
    world, taxonomy, worker_pass, django_capture_on_commit_callbacks
):
    from rapport.enrichment.models import EnrichmentJob

    response = respond(world.account, "Billing charged us twice.")
    with django_capture_on_commit_callbacks(execute=True):
        from rapport.enrichment.public import enrich_after_import

        enrich_after_import(41)
    job = EnrichmentJob.objects.get()
    assert job.status == "pending"
    assert job.reason == "import 41"
    worker_pass()
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert job.analysed == 1
    assert themes_of(response) == {"billing"}


def test_periodic_pass_queues_comments_from_the_api(world, taxonomy):
    from rapport.enrichment.public import enqueue_if_pending

    assert enqueue_if_pending() is None
    respond(world.account, "Manual note: invoice dispute.")
    job = enqueue_if_pending()
    assert job is not None
    assert job.reason == "new comments"
    assert enqueue_if_pending() is None  # one waiting run at a time
