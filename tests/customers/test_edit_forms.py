"""Every edit form of the product saves (issue 9, item 2).

The edit forms are found in the URL conf (every route ending in `edit/`, and for the generic
record route every record kind), so a new one cannot be forgotten: a route without a case
below fails. Each is posted as the page renders it with one value changed; the row is read
back from the database and exactly one audit event must say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from rapport.core.models import AuditAction, AuditEvent
from rapport.customers.forms import RELATED_FORMS
from rapport.customers.models import (
    AccountStakeholder,
    CostEntry,
    Expectation,
    ExternalParty,
)
from tests.factories import CommitmentFactory, CommunicationFactory, ContactFactory


def _edit_routes(patterns: Any, namespace: str = "") -> list[str]:
    """Names of every URL pattern whose route ends in `edit/`."""
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{pattern.namespace}:" if pattern.namespace else namespace
            found += _edit_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and str(pattern.pattern).endswith("edit/"):
            found.append(f"{namespace}{pattern.name}")
    return found


def _form_kinds() -> list[tuple[str, str]]:
    """(route name, record kind) for every edit form: the generic route once per kind."""
    kinds = []
    for name in _edit_routes(get_resolver().url_patterns):
        if name == "customers:related-edit":
            kinds += [(name, kind) for kind in RELATED_FORMS]
        else:
            kinds.append((name, ""))
    return kinds


@dataclass(frozen=True)
class Case:
    make: Callable[[Any], Model]  # world → the object to edit
    field: str
    new_value: Any
    organisation_wide: bool = False  # audited without a team (e.g. plan templates)


def _stakeholder(world: Any) -> Model:
    return AccountStakeholder.objects.create(
        account=world.account, user=world.user, role="service_lead"
    )


def _cost(world: Any) -> Model:
    return CostEntry.objects.create(
        account=world.account,
        date=dt.date(2025, 3, 1),
        kind="service_hours",
        amount=Decimal("100.00"),
        hours=Decimal("2"),
        currency=world.account.currency,
        note="before",
    )


CASES: dict[tuple[str, str], Case] = {
    ("customers:account-edit", ""): Case(lambda w: w.account, "name", "Acme Foods Group"),
    ("customers:cost-entry-edit", ""): Case(_cost, "note", "after"),
    ("customers:related-edit", "contacts"): Case(
        lambda w: ContactFactory(account=w.account), "job_title", "Chief buyer"
    ),
    ("customers:related-edit", "stakeholders"): Case(_stakeholder, "notes", "Owns renewal"),
    ("customers:related-edit", "external-parties"): Case(
        lambda w: ExternalParty.objects.create(
            account=w.account, name="Field Research", kind="research_agency"
        ),
        "scope",
        "Deliveries",
    ),
    ("customers:related-edit", "expectations"): Case(
        lambda w: Expectation.objects.create(
            account=w.account, description="Weekly report", source="contract"
        ),
        "description",
        "Daily report",
    ),
    ("customers:related-edit", "commitments"): Case(
        lambda w: CommitmentFactory(account=w.account), "description", "Report by the 3rd"
    ),
    ("customers:related-edit", "communications"): Case(
        lambda w: CommunicationFactory(account=w.account), "summary", "Renewal terms agreed"
    ),
    # --- agreements ---
    ("agreements:review-edit", ""): Case(
        lambda w: _agreements_review(w), "evidence", "Two late reports in March"
    ),
    ("agreements:incident-edit", ""): Case(
        lambda w: _agreements_incident(w), "title", "Warehouse flood"
    ),
    # --- the control loop ---
    ("actions:edit", ""): Case(lambda w: _action(w), "title", "Call the sponsor weekly"),
    ("alerts:rule-edit", ""): Case(lambda w: _rule(w), "name", "Too many complaints"),
    ("reports:definition-edit", ""): Case(lambda w: _report(w), "name", "Quarterly review"),
    ("notifications:webhook-edit", ""): Case(
        lambda w: _endpoint(w), "url", "https://93.184.215.14/rapport-hook"
    ),
    # --- monitoring ---
    ("monitoring:template-edit", ""): Case(
        lambda w: _plan_template(w), "name", "Key accounts, 2027", organisation_wide=True
    ),
}


def _as_manager(world: Any) -> None:
    """Rules and webhooks are for managers (core.access)."""
    from rapport.core.models import Membership, Role

    Membership.objects.filter(user=world.user, team=world.team).update(role=Role.MANAGER)


def _action(world: Any) -> Model:
    from rapport.actions.models import Action

    return Action.objects.create(
        team=world.team,
        account=world.account,
        title="Call the sponsor",
        owner=world.user,
        due_on=dt.date(2026, 12, 31),
        severity="medium",
    )


def _rule(world: Any) -> Model:
    from rapport.alerts.models import Rule

    _as_manager(world)
    return Rule.objects.create(
        name="Complaints", team=world.team, kind="complaints", params={"threshold": 3, "days": 30}
    )


def _report(world: Any) -> Model:
    from rapport.reports.models import ReportDefinition

    return ReportDefinition.objects.create(
        team=world.team,
        name="Review",
        report_type="portfolio_summary",
        audience="executive",
        formats=["web"],
        owner=world.user,
    )


def _endpoint(world: Any) -> Model:
    from rapport.notifications.models import WebhookEndpoint

    _as_manager(world)
    return WebhookEndpoint.objects.create(
        team=world.team, url="https://93.184.215.14/hook", secret="s" * 40, events=["alert.opened"]
    )


# --- monitoring ---
def _plan_template(world: Any) -> Model:
    from rapport.monitoring.models import PlanTemplate

    _as_manager(world)
    return PlanTemplate.objects.create(
        tier="key",
        name="Key accounts",
        methods=[{"kind": "account_call", "title": "Call", "recurrence": "FREQ=MONTHLY"}],
        kpis=[{"metric": "csat", "target": 85, "tolerance": 3}],
    )


# --- agreements ---
def _agreements_review(world: Any) -> Model:
    from rapport.agreements import services

    expectation = Expectation.objects.create(
        account=world.account, description="Weekly report", source="contract"
    )
    return services.record_review(
        actor=world.user,
        expectation=expectation,
        fields={"outcome": "not_met", "evidence": "Late", "reasons_given": "Strike"},
    )


def _agreements_incident(world: Any) -> Model:
    from rapport.agreements import services

    return services.create_incident(
        actor=world.user,
        team=world.team,
        fields={
            "title": "Outage",
            "kind": "outage",
            "description": "Down",
            "started_at": timezone.now() - dt.timedelta(days=1),
        },
        account_ids=[world.account.pk],
    )


def _as_posted(form: forms.BaseForm) -> dict[str, Any]:
    """The form's values as a browser would post them."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(field, forms.ModelMultipleChoiceField):
            data[name] = [str(getattr(v, "pk", v)) for v in value or []]
        elif value is None:
            data[name] = ""
        else:
            shown = field.widget.format_value(value)  # a list for a select
            data[name] = "" if shown is None else shown
    return data


def test_every_edit_route_has_a_case():
    assert set(_form_kinds()) == set(CASES)


@pytest.mark.parametrize(("route", "kind"), sorted(CASES))
def test_an_edit_form_saves_and_is_audited_once(route, kind, world, user_client):
    case = CASES[(route, kind)]
    obj = case.make(world)
    url = reverse(route, args=[kind, obj.pk] if kind else [obj.pk])
    page = user_client.get(url)
    assert page.status_code == 200, url
    data = _as_posted(page.context["form"])
    data[case.field] = case.new_value
    events = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )
    assert not events.exists()
    before = timezone.now()

    answer = user_client.post(url, data)

    assert answer.status_code == 302, (url, answer.context and answer.context["form"].errors)
    stored = type(obj).objects.get(pk=obj.pk)
    assert getattr(stored, case.field) == case.new_value, url
    assert events.count() == 1, url
    event = events.get()
    assert case.field in event.changed_fields
    team_id = None if case.organisation_wide else world.account.team_id
    assert (event.actor_id, event.team_id) == (world.user.pk, team_id)
    assert event.at >= before
