"""Pages: access (anonymous, other team 404, role without capability 403), labelling, the
classifier trained through the worker, uncertainty sampling, and bounded query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from rapport.core.models import Role
from rapport.enrichment import selectors, services, training
from rapport.enrichment.models import EnrichmentJob, Theme, TrainedModel
from tests.enrichment.helpers import WHEN, enrich, respond, themes_of
from tests.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(world, role: str) -> Client:
    user = UserFactory()
    MembershipFactory(user=user, team=world.team, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_sign_in(world, taxonomy):
    for url in (reverse("enrichment:themes"), reverse("enrichment:label")):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_other_teams_response_and_account_are_404(world, taxonomy, user_client):
    theirs = respond(world.other_account, "The invoice was wrong.")
    enrich()
    url = reverse("enrichment:label-response", args=[theirs.pk])
    assert user_client.post(url, {"themes": ["billing"]}).status_code == 404
    url = reverse("enrichment:account-themes", args=[world.other_account.pk])
    assert user_client.get(url).status_code == 404
    assert themes_of(theirs) == {"billing"}


def test_roles_without_the_capability_get_403(world, taxonomy):
    agent = client_for(world, Role.AGENT)
    assert agent.get(reverse("enrichment:label")).status_code == 403
    assert (
        agent.post(reverse("enrichment:theme-add"), {"name": "X", "phrases": "x"}).status_code
        == 403
    )
    account_manager = client_for(world, Role.ACCOUNT_MANAGER)
    response = account_manager.post(reverse("enrichment:train"))
    assert response.status_code == 403
    assert not Theme.objects.filter(name="X").exists()


def test_manager_edits_the_taxonomy(world, taxonomy, django_capture_on_commit_callbacks):
    manager = client_for(world, Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=False):
        response = manager.post(
            reverse("enrichment:theme-add"),
            {"name": "Sustainability", "phrases": "carbon, recycl*", "exclude": ""},
        )
    assert response.status_code == 302
    theme = Theme.objects.get(name="Sustainability")
    assert theme.phrases == ["carbon", "recycl*"]
    assert EnrichmentJob.objects.filter(reason="taxonomy changed").exists()
    manager.post(
        reverse("enrichment:theme-edit", args=[theme.pk]),
        {"name": "Environment", "phrases": "carbon", "exclude": "carbon copy"},
    )
    theme.refresh_from_db()
    assert (theme.name, theme.slug, theme.active) == ("Environment", "sustainability", False)
    page = manager.get(reverse("enrichment:themes"))
    assert "Environment" in page.content.decode()


def test_label_from_the_queue(world, taxonomy, user_client):
    response = respond(world.account, "Thanks, nothing else to add.")
    enrich()
    page = user_client.get(reverse("enrichment:label")).content.decode()
    assert "Thanks, nothing else to add." in page
    url = reverse("enrichment:label-response", args=[response.pk])
    saved = user_client.post(url, {"themes": ["support"]}, headers={"HX-Request": "true"})
    assert saved.status_code == 200
    assert "saved" in saved.content.decode()
    assert themes_of(response) == {"support"}
    assert response.pk not in [a.response_id for a in selectors.labelling_queue(world.user)]


def _label_set(world) -> None:
    """24 labelled comments each about delivery or billing, in the user's team."""
    delivery = ["The truck came late with the pallets", "Parcels turned up late again",
                "Our pallets were left outside by the truck", "The lorry missed the slot",
                "Pallets were late and broken", "The truck driver came late",
                "Parcel arrived a week late", "Lorry turned up late with half the pallets",
                "The pallets came late", "Late truck again this week", "Parcels were late",
                "Truck arrived late at the dock"]  # fmt: skip
    billing = ["We were charged twice this month", "The charge was wrong again",
               "Money was taken twice from our account", "Wrong charge on our statement",
               "They charged us the wrong amount", "Overcharged again this quarter",
               "We paid twice for one month", "The charges make no sense",
               "Charged for work never done", "The amount charged was wrong",
               "Another wrong charge", "We were charged the old amount"]  # fmt: skip
    for text, slug in [(t, "delivery") for t in delivery] + [(t, "billing") for t in billing]:
        response = respond(world.account, text)
        enrich()
        services.label_response(actor=world.user, response=response, theme_slugs=[slug])


def test_train_through_the_worker_and_uncertainty_sampling(
    world, taxonomy, worker_pass, django_capture_on_commit_callbacks
):
    _label_set(world)
    clear = respond(world.account, "The truck came late with the pallets again")
    unsure = respond(world.account, "The truck charged us twice")
    manager = client_for(world, Role.MANAGER)
    assert training.readiness().ready
    with django_capture_on_commit_callbacks(execute=True):
        assert manager.post(reverse("enrichment:train")).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        worker_pass()  # trains, which queues a re-analysis with the new model version
    trained = TrainedModel.objects.get()
    assert trained.labels_used == 24
    assert set(trained.themes) == {"billing", "delivery"}
    assert 0 <= trained.metrics["macro_f1"] <= 1
    assert trained.metrics["folds"] >= 3
    worker_pass()
    queue = selectors.labelling_queue(world.user, limit=5)
    assert queue[0].response_id == unsure.pk
    by_response = {a.response_id: a.uncertainty for a in queue}
    assert by_response[unsure.pk] > by_response[clear.pk]
    page = manager.get(reverse("enrichment:themes")).content.decode()
    assert "macro-F1" in page


def test_queries_do_not_grow_with_the_data(
    world, taxonomy, user_client, django_assert_max_num_queries
):
    def add(k: int) -> None:
        for i in range(k):
            respond(world.account, f"Delivery {i} was late and the invoice wrong.",
                    when=WHEN - dt.timedelta(days=i))  # fmt: skip
        enrich()

    add(3)
    urls = [
        reverse("enrichment:themes"),
        reverse("enrichment:label"),
        reverse("enrichment:account-themes", args=[world.account.pk]) + "?to=2026-06-10",
        reverse("customers:account-feedback", args=[world.account.pk]),
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(25) as captured:
            assert user_client.get(url).status_code == 200
        counts[url] = len(captured)
    add(40)
    AccountFactory(team=world.team)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert user_client.get(url).status_code == 200


def test_account_page_shows_the_themes_that_moved(world, taxonomy, user_client, settings):
    settings.RAPPORT_MIN_N = 5
    for i in range(20):
        respond(world.account, "Support was friendly.", when=WHEN - dt.timedelta(days=100 + i))
        text = "Late delivery again." if i < 12 else "Support was friendly."
        respond(world.account, text, when=WHEN - dt.timedelta(days=i))
    enrich()
    url = reverse("enrichment:account-themes", args=[world.account.pk]) + "?to=2026-06-10"
    page = user_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Themes that moved most" in page
    assert "significantly up 60.0 points" in page  # delivery: 12/20 against 0/20
    movers = selectors.theme_movers(world.account, as_of=dt.date(2026, 6, 10))
    top = movers.moves[0]
    assert (top.slug, top.current.k, top.current.n, top.previous.k) == ("delivery", 12, 20, 0)
