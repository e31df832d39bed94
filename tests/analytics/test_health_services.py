"""Weights (managers and administrators, audited, validated) and loyalty proposals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from rapport.analytics.health import services as health_services
from rapport.analytics.models import AccountHealth, HealthWeights
from rapport.core.models import AuditEvent, Role
from tests.factories import MembershipFactory, UserFactory

GOOD = {"weights": {"coverage": 40, "engagement": 0}, "green_from": 75, "amber_from": 55,
        "renewal_days": 120}  # fmt: skip


@pytest.fixture
def manager(world):
    user = UserFactory(username="mia")
    MembershipFactory(user=user, team=world.team, role=Role.MANAGER)
    return user


def test_manager_sets_weights_audited_and_rescored(world, manager):
    row = health_services.set_health_weights(actor=manager, team=world.team, **GOOD)
    assert row.weights == {"coverage": 40, "engagement": 0}
    assert row.updated_by == manager
    assert AuditEvent.objects.filter(object_type="analytics.healthweights", action="create")
    assert AccountHealth.objects.filter(account=world.account).exists()
    health_services.set_health_weights(actor=manager, team=world.team, **{**GOOD, "green_from": 80})
    assert HealthWeights.objects.get().green_from == 80
    assert AuditEvent.objects.filter(object_type="analytics.healthweights", action="update")


def test_account_manager_may_not_set_weights(world):
    with pytest.raises(PermissionDenied):
        health_services.set_health_weights(actor=world.user, team=world.team, **GOOD)


def test_other_team_is_404(world, manager):
    with pytest.raises(Http404):
        health_services.set_health_weights(actor=manager, team=world.other_team, **GOOD)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weights": {"luck": 3}}, "unknown components: luck"),
        ({"weights": {"coverage": 101}}, "between 0 and 100"),
        ({"weights": {"coverage": 0}}, "at least one weight"),
        ({"green_from": 50, "amber_from": 60}, "amber from < green from"),
        ({"renewal_days": 0}, "1 to 730 days"),
    ],
)
def test_bad_weights_are_clear_errors(world, manager, change, message):
    with pytest.raises(ValidationError, match=message):
        health_services.set_health_weights(actor=manager, team=world.team, **{**GOOD, **change})


def test_loyalty_proposal_segment_is_validated_and_audited(world):
    proposal = health_services.create_loyalty_proposal(
        actor=world.user,
        team=world.team,
        fields={"title": "Partner programme", "segment": {"types": ["partner"], "tiers": "key"}},
    )
    assert proposal.segment["types"] == ["partner"]
    assert proposal.segment["tiers"] == ["key"]
    assert proposal.created_by == world.user
    with pytest.raises(ValueError, match="loyalty: fans not one of"):
        health_services.update_loyalty_proposal(
            actor=world.user, proposal=proposal, changes={"segment": {"loyalty": ["fans"]}}
        )
    with pytest.raises(PermissionDenied):
        health_services.delete_loyalty_proposal(actor=world.other_user, proposal=proposal)
    assert AuditEvent.objects.filter(object_type="analytics.loyaltyproposal").count() == 1
