"""factory_boy factories for the domain; each builds a valid object with the fewest fields."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from rapport.core.models import Membership, Role, Team, User
from rapport.customers import models as cm
from rapport.feedback.models import Response

FACTORY_PASSWORD = "pass-word-123"  # every factory user's, for sign-in tests


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda i: f"user{i}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", FACTORY_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda i: f"Team {i}")
    slug = factory.Sequence(lambda i: f"team-{i}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.ACCOUNT_MANAGER


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Account

    name = factory.Sequence(lambda i: f"Account {i:04d} Ltd")
    external_id = factory.Sequence(lambda i: f"ACC-{i:05d}")
    team = factory.SubFactory(TeamFactory)
    tier = cm.Tier.KEY
    segment = "Retail"
    annual_value = 120000
    cost_to_serve = 30000


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Contact

    account = factory.SubFactory(AccountFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda i: f"contact{i}@customer.example")
    decision_role = cm.DecisionRole.DECISION_MAKER
    stance = cm.Stance.SUPPORTER


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Commitment

    account = factory.SubFactory(AccountFactory)
    description = "Quarterly service report delivered by the 5th working day"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))


class CommunicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Communication

    account = factory.SubFactory(AccountFactory)
    channel = cm.Channel.MEETING
    occurred_at = factory.LazyFunction(timezone.now)
    summary = "Quarterly review of service levels"


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    account = factory.SubFactory(AccountFactory)
    submitted_at = factory.LazyFunction(timezone.now)
    nps = 9
    csat = 4
    external_id = factory.Sequence(lambda i: f"R{i:07d}")
