"""Plan templates edited on the web: managers create and change a tier's template (audited,
read back), items are checked as the plan items they become (the field and the item named),
and an account manager sees no edit control and cannot post."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from rapport.core.models import AuditAction, AuditEvent, Membership, Role
from rapport.monitoring.models import PlanTemplate

pytestmark = pytest.mark.django_db

METHODS = [{"kind": "account_call", "title": "Monthly call", "recurrence": "FREQ=MONTHLY"}]


def _manager_client(world) -> Client:
    Membership.objects.filter(user=world.user, team=world.team).update(role=Role.MANAGER)
    client = Client()
    client.force_login(world.user)
    return client


def _posted(**extra) -> dict[str, str]:
    return {
        "name": "Growth accounts",
        "objectives": "Grow the account",
        "methods": json.dumps(METHODS),
        "kpis": json.dumps([{"metric": "csat", "target": 85, "tolerance": 3}]),
        "reports": json.dumps(
            [
                {
                    "report_type": "account_review_pack",
                    "audience": "customer",
                    "recurrence": "FREQ=MONTHLY;INTERVAL=3",
                }
            ]
        ),
        **extra,
    }


def test_a_manager_creates_a_tiers_template_and_changes_it(world) -> None:
    client = _manager_client(world)
    answer = client.post("/monitoring/templates/new/", _posted(tier="growth"))
    assert answer.status_code == 302
    template = PlanTemplate.objects.get(tier="growth")
    assert (template.name, template.methods, template.kpis[0]["target"]) == (
        "Growth accounts",
        METHODS,
        85,
    )
    created = AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="monitoring.plantemplate"
    )
    assert created.count() == 1
    page = client.get("/monitoring/templates/").content.decode()
    assert f"/monitoring/templates/{template.pk}/edit/" in page

    form = client.get(f"/monitoring/templates/{template.pk}/edit/")
    assert "tier" not in form.context["form"].fields  # a template stays its tier's
    answer = client.post(
        f"/monitoring/templates/{template.pk}/edit/", _posted(name="Growth, 2027", kpis="[]")
    )
    assert answer.status_code == 302
    template.refresh_from_db()
    assert (template.tier, template.name, template.kpis) == ("growth", "Growth, 2027", [])
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.UPDATE, object_id=str(template.pk), team_id=None
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("methods", "not json", "JSON"),
        ("methods", json.dumps({"kind": "account_call"}), "list of objects"),
        ("methods", json.dumps([{**METHODS[0], "recurrence": "FREQ=HOURLY"}]), "Item 1"),
        ("methods", json.dumps([{**METHODS[0], "colour": "red"}]), "unknown field colour"),
        ("kpis", json.dumps([{"metric": "csat", "target": "lots"}]), "Item 1"),
        ("reports", json.dumps([{"report_type": "x", "audience": "the press"}]), "Item 1"),
    ],
)
def test_a_wrong_item_is_named_on_its_field(world, field, value, words) -> None:
    client = _manager_client(world)
    answer = client.post("/monitoring/templates/new/", _posted(tier="growth", **{field: value}))
    assert answer.status_code == 422
    errors = answer.context["form"].errors
    assert set(errors) == {field}
    assert words in " ".join(errors[field])
    assert not PlanTemplate.objects.exists()


def test_an_account_manager_sees_no_edit_control_and_cannot_post(world, user_client) -> None:
    template = PlanTemplate.objects.create(tier="key", name="Key accounts")
    page = user_client.get("/monitoring/templates/").content.decode()
    assert "/edit/" not in page
    assert "/monitoring/templates/new/" not in page
    assert user_client.get(f"/monitoring/templates/{template.pk}/edit/").status_code == 404
    answer = user_client.post("/monitoring/templates/new/", _posted(tier="growth"))
    assert answer.status_code == 403
    assert PlanTemplate.objects.count() == 1


def test_the_demo_templates_save_unchanged_through_the_form(world) -> None:
    from rapport.monitoring import services
    from rapport.sampledata.monitoring import TEMPLATES

    client = _manager_client(world)
    for tier, fields in TEMPLATES.items():
        template = services.save_template(actor=world.user, tier=tier, fields=fields)
        form = client.get(f"/monitoring/templates/{template.pk}/edit/").context["form"]
        posted = {name: form[name].value() for name in form.fields}
        answer = client.post(f"/monitoring/templates/{template.pk}/edit/", posted)
        assert answer.status_code == 302, (tier, answer.context and answer.context["form"].errors)
        template.refresh_from_db()
        assert (template.methods, template.kpis, template.reports) == (
            fields["methods"],
            fields["kpis"],
            fields["reports"],
        )
