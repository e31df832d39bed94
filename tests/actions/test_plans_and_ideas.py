"""Ideas from anyone, decided by managers; team action plans with progress; personal plans
agreed and signed by both, invisible to everyone but the person, their manager and admins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from rapport.actions import plan_services, services
from rapport.actions.models import Action, Idea, PersonalPlan
from rapport.core.models import AuditEvent, Role
from rapport.notifications.models import Notification
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- ideas -----------------------------------------------------------------------------------


def test_an_agent_contributes_an_idea_on_the_page(crew):
    answer = _client(crew.agent).post(
        "/actions/ideas/",
        {"team": crew.team.pk, "text": "Call before each delivery", "metric": "csat"},
    )
    assert answer.status_code == 302
    idea = Idea.objects.get()
    assert (idea.author, idea.status, idea.metric) == (crew.agent, "new", "csat")
    assert AuditEvent.objects.filter(object_type="actions.idea").count() == 1


def test_a_manager_accepts_an_idea_as_an_action_and_the_author_is_told(crew):
    idea = plan_services.contribute_idea(actor=crew.agent, team=crew.team, text="Call first")
    with pytest.raises(PermissionDenied):  # account managers do not decide ideas
        plan_services.accept_idea(actor=crew.owner, idea=idea, owner=crew.owner)
    action = plan_services.accept_idea(
        actor=crew.manager, idea=idea, owner=crew.owner, severity="low"
    )
    idea.refresh_from_db()
    assert (idea.status, idea.action, idea.decided_by) == ("accepted", action, crew.manager)
    assert (action.source_kind, action.source_ref) == ("idea", str(idea.pk))
    assert Notification.objects.filter(recipient=crew.agent, kind="idea").count() == 1
    with pytest.raises(ValidationError):  # decided once
        plan_services.decline_idea(actor=crew.manager, idea=idea, reason="no")


def test_declining_needs_a_reason_which_the_author_reads(crew):
    idea = plan_services.contribute_idea(actor=crew.agent, team=crew.team, text="Free lunch")
    with pytest.raises(ValidationError) as error:
        plan_services.decline_idea(actor=crew.manager, idea=idea, reason=" ")
    assert "decline_reason" in error.value.message_dict
    plan_services.decline_idea(actor=crew.manager, idea=idea, reason="Out of budget")
    [line] = Notification.objects.filter(recipient=crew.agent)
    assert "Out of budget" in line.body
    assert Idea.objects.get(pk=idea.pk).decline_reason == "Out of budget"


def test_another_team_cannot_contribute_to_or_see_our_ideas(crew):
    with pytest.raises(PermissionDenied):
        plan_services.contribute_idea(actor=crew.other, team=crew.team, text="x")
    plan_services.contribute_idea(actor=crew.agent, team=crew.team, text="Ours")
    assert "Ours" not in _client(crew.other).get("/actions/ideas/?status=").content.decode()


# --- team action plans -----------------------------------------------------------------------


def test_a_team_plan_counts_its_actions_done_on_time(crew, open_one):
    plan = plan_services.create_action_plan(
        actor=crew.manager,
        team=crew.team,
        title="Win back Acme",
        objective="CSAT back above 80",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
    )
    first = open_one(plan=plan, due_on=dt.date(2030, 1, 1))
    open_one(plan=plan, due_on=dt.date(2030, 1, 1))
    services.set_status(actor=crew.owner, action=first, status="done", outcome="Done early")
    body = _client(crew.owner).get(f"/api/v1/action-plans/{plan.pk}").json()
    assert (body["actions"], body["done_on_time"]) == (2, 1)
    assert body["share_on_time"] == pytest.approx(50.0)
    assert "1 of 2" in _client(crew.owner).get(f"/actions/plans/{plan.pk}/").content.decode()
    with pytest.raises(ValidationError):
        open_one(plan=plan, team=crew.other_team, account=None, owner=crew.other, actor=None)


# --- personal plans ----------------------------------------------------------------------------


@pytest.fixture
def personal(crew):
    return plan_services.create_personal_plan(
        actor=crew.manager,
        team=crew.team,
        person=crew.owner,
        title="Grow as account lead",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
        goals=[("Run two business reviews", dt.date(2026, 3, 31))],
    )


def test_both_sign_and_a_new_goal_asks_for_signatures_again(crew, personal):
    plan_services.sign_personal_plan(actor=crew.owner, plan=personal)
    personal.refresh_from_db()
    assert personal.person_agreed_at is not None
    assert not personal.agreed
    plan_services.sign_personal_plan(actor=crew.manager, plan=personal)
    personal.refresh_from_db()
    assert personal.agreed
    plan_services.add_goal(
        actor=crew.manager, plan=personal, goal="Mentor a colleague", due_on=dt.date(2026, 5, 1)
    )
    personal.refresh_from_db()
    assert not personal.agreed
    with pytest.raises(ValidationError) as error:
        plan_services.add_goal(
            actor=crew.manager, plan=personal, goal="Late", due_on=dt.date(2027, 1, 1)
        )
    assert "due_on" in error.value.message_dict


def test_progress_is_reviewed_by_the_person_or_manager(crew, personal):
    goal = personal.goals.get()
    plan_services.set_goal_status(actor=crew.owner, goal=goal, status="achieved")
    plan_services.review_plan(actor=crew.manager, plan=personal, note="Good quarter")
    page = _client(crew.owner).get(f"/actions/personal/{personal.pk}/").content.decode()
    assert "Good quarter" in page
    assert "1 of 1" in page


def test_personal_plans_are_invisible_to_peers(crew, personal):
    peer = UserFactory(username="pete")
    MembershipFactory(user=peer, team=crew.team, role=Role.ACCOUNT_MANAGER)
    other_manager = UserFactory(username="otto")
    MembershipFactory(user=other_manager, team=crew.team, role=Role.MANAGER)
    for user in (peer, other_manager, crew.agent, crew.other):
        client = _client(user)
        assert client.get(f"/actions/personal/{personal.pk}/").status_code == 404
        assert "Grow as account lead" not in client.get("/actions/personal/").content.decode()
        assert client.get(f"/api/v1/personal-plans/{personal.pk}").status_code == 404
        assert client.get("/api/v1/personal-plans").json()["count"] == 0
        assert client.post(f"/actions/personal/{personal.pk}/sign/").status_code == 404
        with pytest.raises(PermissionDenied):
            plan_services.review_plan(actor=user, plan=personal, note="peek")
    for user in (crew.owner, crew.manager, crew.admin):
        assert _client(user).get(f"/actions/personal/{personal.pk}/").status_code == 200
    assert PersonalPlan.objects.get().reviews.count() == 0


def test_only_the_persons_manager_drafts_their_plan(crew):
    peer = UserFactory(username="pete")
    MembershipFactory(user=peer, team=crew.team, role=Role.ACCOUNT_MANAGER)
    with pytest.raises(PermissionDenied):
        plan_services.create_personal_plan(
            actor=peer,
            team=crew.team,
            person=crew.owner,
            title="x",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 2, 1),
        )
    with pytest.raises(ValidationError) as error:
        plan_services.create_personal_plan(
            actor=crew.manager,
            team=crew.team,
            person=crew.other,
            title="x",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 2, 1),
        )
    assert "person" in error.value.message_dict
    assert not Action.objects.exists()
