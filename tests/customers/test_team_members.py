"""Only members of the object's team may own it or stand as its stakeholder (issue 9, item 3).

The rule lives in the services (core.services.require_member), so the API obeys it as the
web forms do: a user of another team as `owner` of an account, commitment or loyalty
proposal, or as `user` of a stakeholder, is a 422 naming the field, on create and on update,
and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.analytics.models import LoyaltyProposal
from rapport.core.models import AuditEvent
from rapport.customers import services
from rapport.customers.models import Account, AccountStakeholder, Commitment
from tests.factories import CommitmentFactory, UserFactory

JSON = "application/json"
# A commitment saved as open must not be due in the past (issue 11).
_NEXT_MONTH = str(timezone.localdate() + timedelta(days=30))


def _proposal(world: Any) -> LoyaltyProposal:
    return LoyaltyProposal.objects.create(team=world.team, title="Keep the loyal ones")


def _stakeholder(world: Any) -> AccountStakeholder:
    return AccountStakeholder.objects.create(
        account=world.account, user=world.user, role="service_lead"
    )


# kind → (path, payload naming a user id) of the create route
CREATES: dict[str, tuple[Callable[[Any], str], Callable[[Any, int], dict[str, Any]]]] = {
    "account": (
        lambda w: "/api/v1/accounts",
        lambda w, user: {"name": "Dunmore Mills", "team": w.team.pk, "owner": user},
    ),
    "commitment": (
        lambda w: f"/api/v1/accounts/{w.account.pk}/commitments",
        lambda w, user: {"description": "Report", "due_date": _NEXT_MONTH, "owner": user},
    ),
    "stakeholder": (
        lambda w: f"/api/v1/accounts/{w.account.pk}/stakeholders",
        lambda w, user: {"user": user, "role": "service_lead"},
    ),
    "loyalty proposal": (
        lambda w: "/api/v1/loyalty-proposals",
        lambda w, user: {"team": w.team.pk, "title": "Reward", "owner": user},
    ),
}
# kind → (make the object, path of its update route, the field naming a user)
UPDATES: dict[str, tuple[Callable[[Any], Any], str, str]] = {
    "account": (lambda w: w.account, "/api/v1/accounts/{}", "owner"),
    "commitment": (
        lambda w: CommitmentFactory(account=w.account),
        "/api/v1/commitments/{}",
        "owner",
    ),
    "stakeholder": (_stakeholder, "/api/v1/stakeholders/{}", "user"),
    "loyalty proposal": (_proposal, "/api/v1/loyalty-proposals/{}", "owner"),
}
MODELS = {
    "account": Account,
    "commitment": Commitment,
    "stakeholder": AccountStakeholder,
    "loyalty proposal": LoyaltyProposal,
}


def _snapshot(model: type) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values())


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_create_with_another_teams_user_is_422_naming_the_field(kind, world, api_client):
    path, payload = CREATES[kind]
    field = "user" if kind == "stakeholder" else "owner"
    before, events = _snapshot(MODELS[kind]), AuditEvent.objects.count()
    answer = api_client.post(path(world), payload(world, world.other_user.pk), content_type=JSON)
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"].startswith(f"{field}:")
    assert _snapshot(MODELS[kind]) == before
    assert AuditEvent.objects.count() == events
    # A member of the team is accepted on the same path.
    accepted = api_client.post(path(world), payload(world, world.user.pk), content_type=JSON)
    assert accepted.status_code == 201, accepted.content


@pytest.mark.parametrize("kind", sorted(UPDATES))
def test_update_to_another_teams_user_is_422_naming_the_field(kind, world, api_client):
    make, path, field = UPDATES[kind]
    obj = make(world)
    before, events = _snapshot(MODELS[kind]), AuditEvent.objects.count()
    answer = api_client.patch(path.format(obj.pk), {field: world.other_user.pk}, content_type=JSON)
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"].startswith(f"{field}:")
    assert _snapshot(MODELS[kind]) == before
    assert AuditEvent.objects.count() == events


def test_an_inactive_member_is_refused_too(world):
    gone = UserFactory(username="gone", is_active=False)
    world.team.memberships.create(user=gone, role="agent")
    with pytest.raises(ValidationError) as raised:
        services.update_account(actor=world.user, account=world.account, changes={"owner": gone})
    assert "owner" in raised.value.message_dict
    assert Account.objects.get(pk=world.account.pk).owner_id is None


def test_moving_an_account_checks_its_owner_against_the_new_team(world):
    Account.objects.filter(pk=world.account.pk).update(owner=world.user)
    account = Account.objects.get(pk=world.account.pk)
    with pytest.raises(ValidationError) as raised:
        services.update_account(
            actor=world.admin, account=account, changes={"team": world.other_team}
        )
    assert "owner" in raised.value.message_dict
    assert Account.objects.get(pk=world.account.pk).team_id == world.team.pk
