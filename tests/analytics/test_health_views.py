"""Health pages: access, what they say, bad input, query counts flat in the number of accounts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rapport.analytics.health.services import refresh_health
from rapport.analytics.loyalty.customer_types import SegmentDefinition
from rapport.core.models import Role
from rapport.customers.models import CostEntry
from tests.analytics.health_builders import known_account
from tests.factories import AccountFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["analytics:portfolio-health", "analytics:customer-types"])
def test_anonymous_goes_to_login(world, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_account_health_page_explains_the_score(user_client, world):
    known_account(world.account)
    body = user_client.get(reverse("analytics:health", args=[world.account.pk])).content.decode()
    assert '68 <span class="band amber">amber</span>' in body
    assert "Kept 3, broken 1 in the last 12 months" in body
    assert "1 commitment broken in the last 12 months" in body
    assert "Annual margin" in body
    assert "<svg" in body


def test_missing_component_is_said(user_client, world):
    known_account(world.account)
    world.account.commitments.all().delete()
    body = user_client.get(reverse("analytics:health", args=[world.account.pk])).content.decode()
    assert "Left out for want of data: Commitments kept" in body


def test_other_team_account_is_404(world):
    url = reverse("analytics:health", args=[world.account.pk])
    assert _client(world.other_user).get(url).status_code == 404


def test_portfolio_lists_only_own_team_at_risk(world):
    known_account(world.account)
    known_account(world.other_account)
    refresh_health()
    body = _client(world.user).get(reverse("analytics:portfolio-health")).content.decode()
    assert "Acme Foods" in body
    assert "Borealis Bank" not in body
    assert "South" not in body  # the other team's heatmap row


@pytest.mark.parametrize(
    ("query", "message"),
    [("band=blue", "band must be one of"), ("sort=luck", "sort must be one of"),
     ("reason=x", "reason must be one of"), ("team=abc", "team must be a team id")],
)  # fmt: skip
def test_bad_filters_are_400(user_client, query, message):
    response = user_client.get(reverse("analytics:portfolio-health") + "?" + query)
    assert response.status_code == 400
    assert message in response.content.decode().lower()


def test_portfolio_health_queries_do_not_grow_with_accounts(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world.user)
    url = reverse("analytics:portfolio-health")
    for _ in range(2):
        known_account(AccountFactory(team=world.team, tier="strategic"))
    refresh_health()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(10):
        known_account(AccountFactory(team=world.team, tier="growth"))
    refresh_health()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_customer_types_page_queries_flat(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world.user)
    url = reverse("analytics:customer-types")
    refresh_health()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(10):
        known_account(AccountFactory(team=world.team))
    refresh_health()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_cost_entry_form_adds_and_reports_errors(user_client, world):
    url = reverse("customers:cost-entry-create", args=[world.account.pk])
    ok = {"date": "2026-02-03", "kind": "service_hours", "amount": "340", "hours": "4"}
    response = user_client.post(url, ok, follow=True)
    assert "Service hours of 340.00 GBP saved." in response.content.decode()
    response = user_client.post(url, {**ok, "hours": ""}, follow=True)
    assert "Give the hours for a service-hours entry." in response.content.decode()
    assert CostEntry.objects.count() == 1


def test_cost_entry_is_edited_with_its_errors_shown(user_client, world):
    from rapport.core.models import AuditEvent

    entry = CostEntry.objects.create(
        account=world.account, date="2026-02-03", kind="credit", amount=500
    )
    url = reverse("customers:cost-entry-edit", args=[entry.pk])
    health = user_client.get(reverse("analytics:health", args=[world.account.pk]))
    assert f'href="{url}"' in health.content.decode()
    form = user_client.get(url).content.decode()
    assert 'value="500.00"' in form
    assert 'value="2026-02-03"' in form  # an ISO date, which a date input can show
    bad = {"date": "2026-02-03", "kind": "service_hours", "amount": "340", "hours": ""}
    page = user_client.post(url, bad)
    assert page.status_code == 400
    assert "Give the hours for a service-hours entry." in page.content.decode()
    entry.refresh_from_db()
    assert entry.amount == 500  # nothing half-written
    ok = {**bad, "hours": "4", "note": "on-site visit"}
    body = user_client.post(url, ok, follow=True).content.decode()
    assert "Cost entry saved." in body
    entry.refresh_from_db()
    assert (entry.kind, entry.amount, entry.hours, entry.note) == (
        "service_hours",
        340,
        4,
        "on-site visit",
    )
    event = AuditEvent.objects.filter(object_id=str(entry.pk), action="update").get()
    assert set(event.changed_fields) == {"kind", "amount", "hours", "note"}


def test_another_teams_cost_entry_is_404_to_edit(world):
    entry = CostEntry.objects.create(
        account=world.other_account, date="2026-02-03", kind="credit", amount=5
    )
    client = _client(world.user)
    assert client.get(reverse("customers:cost-entry-edit", args=[entry.pk])).status_code == 404


def test_cost_entry_form_role_without_capability_is_403(world):
    analyst = UserFactory(username="ana")
    MembershipFactory(user=analyst, team=world.team, role=Role.ANALYST)
    url = reverse("customers:cost-entry-create", args=[world.account.pk])
    response = _client(analyst).post(url, {"date": "2026-02-03", "kind": "other", "amount": "1"})
    assert response.status_code == 403


def test_weights_page_manager_saves_account_manager_403(world):
    url = reverse("analytics:health-weights", args=[world.team.pk])
    assert _client(world.user).get(url).status_code == 403
    assert _client(world.other_user).get(url).status_code == 404
    manager = UserFactory(username="mia")
    MembershipFactory(user=manager, team=world.team, role=Role.MANAGER)
    weights = {"feedback_level": 30, "feedback_trend": 15, "coverage": 20, "commitments": 20}
    data = {"green_from": 75, "amber_from": 50, "renewal_days": 90, "w_engagement": 15}
    data |= {f"w_{k}": v for k, v in weights.items()}
    response = _client(manager).post(url, data, follow=True)
    assert "accounts rescored" in response.content.decode()
    response = _client(manager).post(url, {**data, "amber_from": 80})
    assert "Amber must start below green." in response.content.decode()


def test_proposal_recorded_for_the_segment(user_client, world):
    response = user_client.post(
        reverse("analytics:proposal-create"),
        {
            "team": world.team.pk,
            "title": "Partners",
            "status": "draft",
            "segment": "types=partner&tiers=key",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Proposal “Partners” recorded." in body
    assert "type Partner; tier Key" in body


def test_proposal_moves_through_its_statuses_and_is_deleted(user_client, world):
    from rapport.analytics.models import LoyaltyProposal
    from rapport.core.models import AuditEvent

    proposal = LoyaltyProposal.objects.create(
        team=world.team, title="Partners", segment=SegmentDefinition().as_dict()
    )
    url = reverse("analytics:proposal-status", args=[proposal.pk])
    page = user_client.get(reverse("analytics:customer-types")).content.decode()
    assert f'action="{url}"' in page
    body = user_client.post(url, {"status": "approved"}, follow=True).content.decode()
    assert "Proposal “Partners” is now approved." in body
    proposal.refresh_from_db()
    assert proposal.status == "approved"
    assert AuditEvent.objects.filter(object_id=str(proposal.pk), action="update").exists()
    body = user_client.post(url, {"status": "finished"}, follow=True).content.decode()
    assert "“finished” is not a proposal status." in body
    user_client.post(reverse("analytics:proposal-delete", args=[proposal.pk]))
    assert not LoyaltyProposal.objects.exists()


def test_another_teams_proposal_is_404_and_a_reader_cannot_change_one(world):
    from rapport.analytics.models import LoyaltyProposal

    theirs = LoyaltyProposal.objects.create(
        team=world.other_team, title="Theirs", segment=SegmentDefinition().as_dict()
    )
    ours = LoyaltyProposal.objects.create(
        team=world.team, title="Ours", segment=SegmentDefinition().as_dict()
    )
    client = _client(world.user)
    for name in ("analytics:proposal-status", "analytics:proposal-delete"):
        assert (
            client.post(reverse(name, args=[theirs.pk]), {"status": "running"}).status_code == 404
        )
    analyst = UserFactory(username="ana")
    MembershipFactory(user=analyst, team=world.team, role=Role.ANALYST)
    reader = _client(analyst)
    page = reader.get(reverse("analytics:customer-types")).content.decode()
    assert "/status/" not in page
    assert "Delete" not in page
    url = reverse("analytics:proposal-status", args=[ours.pk])
    assert reader.post(url, {"status": "running"}).status_code == 403
    ours.refresh_from_db()
    assert ours.status == "draft"
