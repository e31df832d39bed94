"""Opening, changing and closing actions: the owner rule on every path, due dates by severity,
status rules, audit events and the owner's notification."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from rapport.actions import plan_services, services
from rapport.actions.models import Action, ActionEvent, ActionStatus, Idea
from rapport.core.models import AuditEvent
from rapport.notifications.models import Notification
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _audits(instance) -> int:
    return AuditEvent.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk)
    ).count()


def test_open_action_stores_audits_and_notifies_the_owner(crew, open_one):
    action = open_one(owner=crew.manager)
    stored = Action.objects.get(pk=action.pk)
    assert (stored.owner, stored.status, stored.severity) == (crew.manager, "open", "high")
    assert stored.created_by == crew.owner
    assert stored.baseline["scope"] == "account"
    assert stored.baseline["n"] == 0
    assert stored.next_due_at is not None
    assert _audits(stored) == 1
    assert ActionEvent.objects.filter(action=stored, kind="opened").count() == 1
    [line] = Notification.objects.filter(recipient=crew.manager)
    assert line.link == f"/actions/{stored.pk}/"
    assert "Call the sponsor" in line.subject


def test_the_system_opens_actions_as_such(crew, open_one):
    action = open_one(actor=None)
    assert action.created_by is None
    event = AuditEvent.objects.get(object_type="actions.action", object_id=str(action.pk))
    assert event.actor is None
    assert event.actor_name == ""


def test_due_dates_follow_the_severity_and_the_setting(settings):
    today = dt.date(2026, 3, 1)
    assert services.due_on_for("critical", today=today) == dt.date(2026, 3, 3)
    assert services.due_on_for("high", today=today) == dt.date(2026, 3, 6)
    assert services.due_on_for("medium", today=today) == dt.date(2026, 3, 11)
    assert services.due_on_for("low", today=today) == dt.date(2026, 3, 21)
    settings.RAPPORT_ACTION_DUE_DAYS = {**settings.RAPPORT_ACTION_DUE_DAYS, "low": 30}
    assert services.due_on_for("low", today=today) == dt.date(2026, 3, 31)
    with pytest.raises(ValidationError) as error:
        services.due_on_for("urgent", today=today)
    assert "severity" in error.value.message_dict


# --- the owner must be an active member of the action's team, on every path --------------------


def test_service_refuses_an_owner_of_another_team(crew, open_one):
    with pytest.raises(ValidationError) as error:
        open_one(owner=crew.other)
    assert list(error.value.message_dict) == ["owner"]
    assert not Action.objects.exists()
    assert not Notification.objects.exists()


def test_service_refuses_an_inactive_owner(crew, open_one):
    crew.manager.is_active = False
    crew.manager.save()
    with pytest.raises(ValidationError) as error:
        open_one(owner=crew.manager)
    assert "owner" in error.value.message_dict


def test_update_refuses_an_owner_of_another_team(crew, open_one):
    action = open_one()
    with pytest.raises(ValidationError) as error:
        services.update_action(actor=crew.owner, action=action, changes={"owner": crew.other})
    assert list(error.value.message_dict) == ["owner"]
    assert Action.objects.get(pk=action.pk).owner == crew.owner


def test_api_refuses_an_owner_of_another_team(crew, api_client):
    payload = {"team": crew.team.pk, "title": "x", "owner": crew.other.pk, "severity": "low"}
    answer = api_client.post("/api/v1/actions", payload, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("owner:")
    action = Action.objects.create(
        team=crew.team, title="y", owner=crew.owner, due_on=dt.date(2026, 5, 1)
    )
    answer = api_client.patch(
        f"/api/v1/actions/{action.pk}", {"owner": crew.other.pk}, content_type="application/json"
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("owner:")
    idea = Idea.objects.create(team=crew.team, text="Weekly call", author=crew.agent)
    client = Client()
    client.force_login(crew.manager)
    answer = client.post(
        f"/api/v1/ideas/{idea.pk}/accept",
        json.dumps({"owner": crew.other.pk}),
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("owner:")
    assert Idea.objects.get(pk=idea.pk).status == "new"


def test_web_form_refuses_an_owner_of_another_team(crew, user_client):
    # bob is in no team of alice's, so the form does not offer him: a forged id is refused on
    # the owner field and nothing is written.
    answer = user_client.post(
        "/actions/new/",
        {
            "team": crew.team.pk,
            "title": "Forged owner",
            "owner": crew.other.pk,
            "severity": "low",
            "source_kind": "manual",
        },
    )
    assert answer.status_code == 200
    assert not Action.objects.exists()
    assert "owner" in answer.context["form"].errors


def test_web_form_refuses_a_member_of_the_actors_other_team(crew, user_client):
    """alice is in North and South; bob only in South: an action of North owned by bob is
    offered by the form (he is in a team of alice's) and refused by the service, on the field."""
    MembershipFactory(user=crew.owner, team=crew.other_team)
    answer = user_client.post(
        "/actions/new/",
        {
            "team": crew.team.pk,
            "title": "Bob's?",
            "owner": crew.other.pk,
            "severity": "low",
            "source_kind": "manual",
        },
    )
    assert answer.status_code == 200
    assert answer.context["form"].errors["owner"] == [
        "must be an active member of the team that owns this"
    ]
    assert not Action.objects.exists()


def test_accepting_an_idea_refuses_an_owner_of_another_team(crew):
    idea = plan_services.contribute_idea(actor=crew.agent, team=crew.team, text="Weekly call")
    with pytest.raises(ValidationError) as error:
        plan_services.accept_idea(actor=crew.manager, idea=idea, owner=crew.other)
    assert "owner" in error.value.message_dict
    assert Idea.objects.get(pk=idea.pk).status == "new"


# --- access and status -------------------------------------------------------------------------


def test_read_only_roles_may_not_open_actions(crew, open_one):
    with pytest.raises(PermissionDenied):
        open_one(actor=crew.agent)
    with pytest.raises(PermissionDenied):
        open_one(actor=crew.other)


def test_an_account_of_another_team_is_refused(crew, open_one):
    with pytest.raises(ValidationError) as error:
        open_one(account=crew.other_account)
    assert "account" in error.value.message_dict


def test_done_needs_an_outcome_and_closed_is_final(crew, open_one):
    action = open_one()
    with pytest.raises(ValidationError) as error:
        services.set_status(actor=crew.owner, action=action, status="done")
    assert "outcome" in error.value.message_dict
    services.set_status(actor=crew.owner, action=action, status="in_progress")
    done = services.set_status(
        actor=crew.owner, action=action, status="done", outcome="Weekly delivery calls agreed"
    )
    stored = Action.objects.get(pk=action.pk)
    assert stored.status == ActionStatus.DONE
    assert stored.closed_at is not None
    assert stored.closed_on == done.closed_on
    assert stored.next_due_at is None
    assert stored.outcome == "Weekly delivery calls agreed"
    with pytest.raises(ValidationError):
        services.set_status(actor=crew.owner, action=action, status="open")
    assert _audits(stored) == 3  # created, in progress, done
    kinds = list(ActionEvent.objects.filter(action=stored).values_list("kind", flat=True))
    assert kinds == ["opened", "status", "status"]


def test_the_database_refuses_a_done_action_without_outcome(crew):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(
            team=crew.team, title="x", owner=crew.owner, due_on=dt.date(2026, 1, 1), status="done"
        )


def test_open_actions_selector_is_scoped(crew, open_one):
    from rapport.actions.selectors import open_actions

    mine = open_one()
    assert list(open_actions(user=crew.owner)) == [mine]
    assert list(open_actions(user=crew.owner, account=crew.account)) == [mine]
    assert list(open_actions(user=crew.other)) == []


def test_agents_see_no_edit_control(crew, open_one):
    action = open_one()
    client = Client()
    client.force_login(crew.agent)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "Change status" not in page
    assert "/edit/" not in page
    board = client.get("/actions/").content.decode()
    assert "Open an action" not in board
    swot = client.get(f"/accounts/{crew.account.pk}/actions/").content.decode()
    assert "Open an action" not in swot
