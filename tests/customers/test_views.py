import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.analytics.rollups.services import refresh_snapshots
from rapport.customers.models import Contact
from rapport.feedback.hooks import write_changes
from rapport.feedback.public import iter_score_rows
from tests.factories import (
    AccountFactory,
    CommitmentFactory,
    ContactFactory,
    ResponseFactory,
)


def _with_feedback(account, n=40, nps=9, csat=5):
    for _ in range(n):
        ResponseFactory(
            account=account, nps=nps, csat=csat, submitted_at=timezone.now() - dt.timedelta(days=5)
        )
    write_changes(added=iter_score_rows())
    refresh_snapshots()


def test_portfolio_lists_only_own_team_with_figures(user_client, world):
    _with_feedback(world.account)
    response = user_client.get(reverse("customers:portfolio"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme Foods" in body
    assert "Borealis Bank" not in body
    assert "n=40" in body  # every figure shows its n


def test_portfolio_marks_small_samples_as_too_few(user_client, world):
    _with_feedback(world.account, n=3)
    body = user_client.get(reverse("customers:portfolio")).content.decode()
    assert "too few responses" in body


def test_portfolio_flags_silent_decision_makers_and_filters_them(user_client, world):
    ContactFactory(account=world.account)
    body = user_client.get(reverse("customers:portfolio") + "?silent=1").content.decode()
    assert "no decision-maker contact" in body
    assert "Acme Foods" in body


@pytest.mark.parametrize(
    "sort", ["name", "tier", "value", "nps", "csat", "renewal", "last_contact", "overdue"]
)
def test_portfolio_sorts(user_client, world, sort):
    response = user_client.get(reverse("customers:portfolio"), {"sort": sort, "dir": "desc"})
    assert response.status_code == 200


def test_portfolio_query_count_does_not_grow_with_accounts(
    user_client, world, django_assert_max_num_queries
):
    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert user_client.get(reverse("customers:portfolio")).status_code == 200
        return len(ctx.captured_queries)

    AccountFactory(team=world.team)
    few = count_queries()
    for _ in range(15):
        account = AccountFactory(team=world.team)
        CommitmentFactory(account=account)
    assert count_queries() == few


def test_account_page_shows_people_and_commitments(user_client, world):
    ContactFactory(account=world.account, name="Jane Decider")
    CommitmentFactory(
        account=world.account,
        description="Weekly stock report",
        due_date=timezone.localdate() - dt.timedelta(days=2),
    )
    _with_feedback(world.account)
    response = user_client.get(reverse("customers:account", args=[world.account.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Jane Decider" in body
    assert "1 overdue" in body
    assert "<svg" in body


def test_account_of_other_team_is_404(user_client, world):
    assert (
        user_client.get(reverse("customers:account", args=[world.other_account.pk])).status_code
        == 404
    )
    assert (
        user_client.get(
            reverse("customers:account-feedback", args=[world.other_account.pk])
        ).status_code
        == 404
    )


def test_feedback_partial_filters_and_pages(user_client, world):
    for i in range(25):
        ResponseFactory(account=world.account, comment="late delivery" if i % 2 else "")
    url = reverse("customers:account-feedback", args=[world.account.pk])
    body = user_client.get(url).content.decode()
    assert "Page 1 of 2" in body
    body = user_client.get(url, {"with_comment": "1"}).content.decode()
    assert body.count("late delivery") == 12


def test_create_contact_through_form(user_client, world):
    url = reverse("customers:related-create", args=[world.account.pk, "contacts"])
    response = user_client.post(
        url,
        {
            "name": "New Person",
            "decision_role": "influencer",
            "stance": "champion",
            "consent_contact": "on",
        },
    )
    assert response.status_code == 302
    assert Contact.objects.filter(account=world.account, name="New Person").exists()


def test_form_rejects_contact_of_other_account_in_communication(user_client, world):
    stranger = ContactFactory(account=world.other_account)
    url = reverse("customers:related-create", args=[world.account.pk, "communications"])
    response = user_client.post(
        url,
        {
            "channel": "call",
            "direction": "outbound",
            "occurred_at": "2026-01-05T10:00",
            "summary": "x",
            "contacts": [stranger.pk],
        },
    )
    assert response.status_code == 200  # re-rendered with an error, nothing written
    assert "Select a valid choice" in response.content.decode()


def test_read_only_role_cannot_post_forms(world):
    from rapport.core.models import Role
    from tests.factories import MembershipFactory, UserFactory

    agent = UserFactory(username="agent2")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    url = reverse("customers:related-create", args=[world.account.pk, "contacts"])
    assert (
        client.post(url, {"name": "X", "decision_role": "user", "stance": "neutral"}).status_code
        == 403
    )
