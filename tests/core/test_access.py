import pytest
from django.core.exceptions import PermissionDenied

from rapport.core.access import Capability, require, scope, scope_of
from rapport.core.models import Role
from rapport.customers.models import Account
from tests.factories import MembershipFactory, UserFactory


def test_member_sees_only_own_team(world):
    visible = scope(Account.objects.all(), world.user)
    assert list(visible) == [world.account]


def test_admin_role_and_superuser_see_everything(world):
    assert scope(Account.objects.all(), world.admin).count() == 2
    team_admin = UserFactory(username="carol")
    MembershipFactory(user=team_admin, team=world.team, role=Role.ADMIN)
    assert scope_of(team_admin).all_teams


def test_user_without_membership_sees_nothing(db, world):
    loner = UserFactory(username="dave")
    assert scope(Account.objects.all(), loner).count() == 0


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ACCOUNT_MANAGER, True),
        (Role.MANAGER, True),
        (Role.AGENT, False),
        (Role.ANALYST, False),
        (Role.QA_EVALUATOR, False),
    ],
)
def test_edit_capability_by_role(world, role, allowed):
    member = UserFactory(username=f"m-{role}")
    MembershipFactory(user=member, team=world.team, role=role)
    if allowed:
        require(member, Capability.EDIT_ACCOUNTS, world.team.pk)
    else:
        with pytest.raises(PermissionDenied):
            require(member, Capability.EDIT_ACCOUNTS, world.team.pk)
    with pytest.raises(PermissionDenied):
        require(member, Capability.EDIT_ACCOUNTS, world.other_team.pk)


def test_scope_is_computed_once_per_user_object(world, django_assert_num_queries):
    scope_of(world.user)
    with django_assert_num_queries(0):
        scope_of(world.user)
