"""An unmet review opens an improvement action (actions.open_action); a read-only role sees the
agreements pages without a single edit control."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from rapport.actions.models import Action
from rapport.agreements import services
from rapport.agreements.models import ExpectationReview
from rapport.core.models import Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def unmet(world, north):
    return services.record_review(
        actor=world.user,
        expectation=north.expectation,
        fields={"outcome": "not_met", "evidence": "Late all month", "reasons_given": "Strike"},
        alternatives=[{"description": "Partner courier", "provider": "outside"}],
    )


def test_an_unmet_review_opens_an_action(world, north, unmet):
    due = timezone.localdate() + dt.timedelta(days=10)
    action_id = services.open_review_action(
        actor=world.user, review=unmet, owner=world.user, due_on=due, severity="high"
    )
    action = Action.objects.get(pk=action_id)
    assert (action.source_kind, action.source_ref) == ("expectation_review", str(unmet.pk))
    assert (action.owner, action.due_on, action.severity) == (world.user, due, "high")
    assert action.account_id == north.account.pk
    assert ExpectationReview.objects.get(pk=unmet.pk).action_id == action_id
    with pytest.raises(ValidationError):  # one action per review
        services.open_review_action(actor=world.user, review=unmet, owner=world.user, due_on=due)
    other = services.record_review(
        actor=world.user,
        expectation=north.expectation,
        fields={"outcome": "partly_met", "evidence": "Better", "reasons_given": "x"},
    )
    with pytest.raises(ValidationError) as outsider:  # the owner must be of the team
        services.open_review_action(
            actor=world.user, review=other, owner=world.other_user, due_on=due
        )
    assert "owner" in outsider.value.message_dict


def test_the_api_and_the_page_open_an_action(api_client, user_client, world, north, unmet):
    answer = api_client.post(
        f"/api/v1/expectation-reviews/{unmet.pk}/action",
        {"owner": world.user.pk, "due_on": "2030-01-05"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert answer.json()["action_id"] == Action.objects.get().pk
    second = services.record_review(
        actor=world.user,
        expectation=north.expectation,
        fields={"outcome": "partly_met", "evidence": "Better", "reasons_given": "x"},
    )
    page = user_client.get(f"/accounts/{north.account.pk}/expectations/").content.decode()
    assert f'action="/reviews/{second.pk}/action/"' in page
    posted = user_client.post(
        f"/reviews/{second.pk}/action/",
        {"action-owner": world.user.pk, "action-due_on": "2030-01-05", "action-severity": "low"},
    )
    assert posted.status_code == 302
    assert Action.objects.filter(source_ref=str(second.pk), severity="low").exists()


def test_a_read_only_role_sees_no_edit_control(world, north, unmet, incident, incident_template):
    services.notify_incident(
        actor=world.user,
        incident=incident,
        template=incident_template,
        contact_ids=[north.influencer.pk],
    )
    agent = UserFactory(username="agent")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    for url in (
        f"/accounts/{north.account.pk}/expectations/",
        "/expectations/",
        "/incidents/",
        f"/incidents/{incident.pk}/",
        "/incidents/templates/",
    ):
        answer = client.get(url)
        assert answer.status_code == 200, url
        html = answer.content.decode()
        assert not re.search(r'<form[^>]*method="post"(?![^>]*logout)', html), url
        for link in ("/review/", "/edit/", "/notify/", "/alternatives/new/", "/change/"):
            assert link not in html, (url, link)
    for url in (
        f"/expectations/{north.expectation.pk}/review/",
        f"/incidents/{incident.pk}/notify/",
        "/incidents/new/",
        f"/accounts/{north.account.pk}/expectations/change/",
    ):
        assert client.get(url).status_code == 403, url
