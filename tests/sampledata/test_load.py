"""Loading the demo plan into the database: idempotence, determinism, consistency."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.apps import apps
from django.db.models import Max, Q, Sum

from rapport.analytics.models import AccountSnapshot, MetricRollup
from rapport.core.access import scope_of
from rapport.core.models import AuditEvent, Membership, Team, User
from rapport.customers import models as cm
from rapport.feedback.models import Response
from rapport.sampledata.load import CREDENTIALS, load_demo
from rapport.sampledata.plan import CUSTOM_ANSWER, DEMO_PASSWORD

SCALE = 0.05
pytestmark = pytest.mark.django_db


def load(seed: int = 7) -> str:
    out = io.StringIO()
    credentials = load_demo(seed=seed, stdout=out, scale=SCALE)
    return credentials + "\n" + out.getvalue()


def checksum() -> str:
    """A digest of the key tables by natural keys (primary keys differ between loads)."""
    h = hashlib.sha256()
    tables = [
        Team.objects.order_by("slug").values_list("name", "slug"),
        User.objects.order_by("username").values_list(
            "username", "first_name", "last_name", "email", "is_superuser"
        ),
        Membership.objects.order_by("user__username", "team__slug").values_list(
            "user__username", "team__slug", "role"
        ),
        cm.Account.objects.order_by("external_id").values_list(
            "external_id", "name", "tier", "segment", "team__slug", "owner__username",
            "annual_value", "cost_to_serve", "renewal_date", "status", "last_contact_at",
            "last_decision_maker_contact_at",
        ),
        cm.Contact.objects.order_by("external_id").values_list(
            "external_id", "account__external_id", "name", "email", "phone", "job_title",
            "decision_role", "stance", "last_contacted_at",
        ),
        cm.Commitment.objects.order_by("account__external_id", "due_date", "description")
        .values_list("account__external_id", "description", "due_date", "status", "closed_on"),
        cm.Communication.objects.order_by("account__external_id", "occurred_at", "summary")
        .values_list("account__external_id", "occurred_at", "channel", "summary"),
        Response.objects.order_by("external_id").values_list(
            "external_id", "account__external_id", "channel", "submitted_at",
            "respondent_contact__external_id", "respondent_user__username",
            "nps", "csat", "ces", "answers", "comment",
        ),
    ]  # fmt: skip
    for rows in tables:
        for row in rows:
            h.update(repr(row).encode())
    return h.hexdigest()


def wipe() -> None:
    # Team-scoped rows of the control loop first: actions and alerts keep their team (PROTECT).
    for model in reversed(apps.get_models()):
        if (
            model.__module__.startswith("rapport.")
            and any(f.name == "team" and f.is_relation for f in model._meta.get_fields())
            and model is not Membership
            and model._meta.app_label not in {"core", "customers"}
        ):
            model.objects.all().delete()
    cm.Account.objects.all().delete()  # cascades to contacts, responses, rollups, snapshots
    Membership.objects.all().delete()
    Team.objects.all().delete()
    AuditEvent.objects.all().delete()
    User.objects.all().delete()


def test_load_is_deterministic_by_seed() -> None:
    load(seed=3)
    first = checksum()
    wipe()
    load(seed=3)
    assert checksum() == first
    wipe()
    load(seed=4)
    assert checksum() != first


def test_load_counts_and_idempotence() -> None:
    output = load()
    assert output.startswith(CREDENTIALS)
    assert cm.Account.objects.count() == 60
    assert cm.Contact.objects.count() == 400
    assert Response.objects.count() == round(52_000 * SCALE)
    assert Response.objects.filter(source_system="demo").count() == Response.objects.count()
    events = AuditEvent.objects.filter(action="import", detail="demo data seed 7 scale 0.05")
    assert events.count() == 1
    before = Response.objects.count(), cm.Communication.objects.count()

    again = load()
    assert "already loaded" in again
    assert again.startswith(CREDENTIALS)
    assert (Response.objects.count(), cm.Communication.objects.count()) == before

    other = load(seed=8)
    assert "not loaded" in other
    assert Response.objects.count() == before[0]


def test_refuses_to_load_over_other_data(world) -> None:  # type: ignore[no-untyped-def]
    output = load()
    assert "not loaded" in output
    assert not Response.objects.filter(source_system="demo").exists()


def test_logins_and_scopes() -> None:
    load()
    demo = User.objects.get(username="demo")
    assert demo.check_password(DEMO_PASSWORD)
    scope = scope_of(demo)
    assert not scope.all_teams
    assert len(scope.team_ids) == 2
    assert set(scope.roles.values()) == {"manager"}
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert scope_of(admin).all_teams
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"admin", "manager", "account_manager", "qa_evaluator", "agent", "analyst"}


def test_every_account_has_a_decision_maker_and_consistent_recency() -> None:
    load()
    for account in cm.Account.objects.all():
        assert account.contacts.filter(decision_role="decision_maker").exists()
        recent = cm.Communication.objects.filter(account=account).aggregate(
            last=Max("occurred_at"),
            last_dm=Max("occurred_at", filter=Q(contacts__decision_role="decision_maker")),
        )
        assert account.last_contact_at == recent["last"]
        assert account.last_decision_maker_contact_at == recent["last_dm"]
    per_contact = cm.Contact.objects.annotate(last=Max("communications__occurred_at"))
    for contact in per_contact:
        assert contact.last_contacted_at == contact.last


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_rollup_totals_equal_response_counts(period: str) -> None:
    load()
    totals = dict(
        MetricRollup.objects.filter(period=period)
        .values("metric")
        .annotate(n=Sum("n"))
        .values_list("metric", "n")
    )
    assert totals["nps"] == Response.objects.filter(nps__isnull=False).count()
    assert totals["csat"] == Response.objects.filter(csat__isnull=False).count()
    assert totals["ces"] == Response.objects.filter(ces__isnull=False).count()
    assert totals[CUSTOM_ANSWER] == Response.objects.filter(answers__has_key=CUSTOM_ANSWER).count()
    assert AccountSnapshot.objects.count() == 60 * 3
