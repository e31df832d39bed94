"""Every write path, tried by a user of another team and by a read-only member of the owning
team: refused, nothing of the owning team changed, no audit event (issue 9).

The routes are not listed by hand: the API's write operations come from its OpenAPI document
and the web's from the URL conf, so a new route without a payload or a classification below
fails `test_every_write_route_is_swept`. Team North (alice) owns every object; bob is an
account manager of South; the read-only member is an agent of North (the least-privileged
role: it may still record feedback, the one capability every role holds, so the routes that
record responses are the ones it is allowed, see AGENT_MAY).

"Nothing changed" is read back from the database: every row of every Rapport model that
existed before the request is identical afterwards, and no new row belongs to North.
External ids: bob sends North's (source_system, external_id) through the API (single and
bulk) and an upload; North's response stays as it was and bob gets a row in South's account
(decision 40). The CLI import is in tests/feedback/test_team_scoped_ids.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rapport.agreements import models as agreements_models
from rapport.analytics.models import LoyaltyProposal
from rapport.api.router import api
from rapport.api.services import issue_token
from rapport.core.access import ROLE_CAPABILITIES, Capability
from rapport.core.models import Role
from rapport.customers.forms import RELATED_FORMS
from rapport.customers.models import (
    Account,
    AccountStakeholder,
    CostEntry,
    Expectation,
    ExternalParty,
)
from rapport.enrichment.models import Theme
from rapport.feedback import services as feedback_services
from rapport.feedback.models import ImportJob, ImportStatus, Response
from rapport.notifications.models import Notification, WebhookEndpoint
from tests.factories import (
    CommitmentFactory,
    CommunicationFactory,
    ContactFactory,
    MembershipFactory,
    ResponseFactory,
    UserFactory,
)
from tests.feedback.helpers import HEADER, csv_bytes
from tests.routes import url_routes

JSON = "application/json"
WHEN = "2025-03-04T10:00:00+00:00"
WRITE_METHODS = ("post", "put", "patch", "delete")
# Path parameters that name one of North's objects: another team gets a 404 for them.
OWNED_PARAMS = {"account_id", "pk", "response_id", "import_id", "job_id", "team_id", "token_id"}
# --- notifications ---
OWNED_PARAMS |= {"notification_id", "endpoint_id"}  # alice's notification, North's endpoint
# --- agreements ---
OWNED_PARAMS |= {"expectation_id", "review_id", "affected_id"}
VOLATILE = {"core.user": {"last_login"}, "api.apitoken": {"last_used_at"}}


# --- North's objects ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


# --- alerts ---
def _north_alerts(world: Any, account: Account) -> dict[str, Any]:
    """A rule of North's and an open alert it raised."""
    from django.utils import timezone

    from rapport.alerts.models import Alert, Rule

    rule = Rule.objects.create(name="North complaints", scope="team", team=world.team,
                               kind="complaints", params={"threshold": 2, "days": 30})  # fmt: skip
    now = timezone.now()
    alert = Alert.objects.create(
        rule=rule, account=account, team=world.team, kind=rule.kind, severity="high",
        title="3 complaints", observed="3", expected="2", dedupe_key="north", opened_at=now,
        last_seen_at=now,
    )  # fmt: skip
    return {"alert-rules": rule, "alerts": alert}


@pytest.fixture
def north(world) -> SimpleNamespace:
    Account.objects.filter(pk=world.account.pk).update(external_id="N-ACC")
    Account.objects.filter(pk=world.other_account.pk).update(external_id="S-ACC")
    account = Account.objects.get(pk=world.account.pk)
    agent = UserFactory(username="north-agent")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    response = ResponseFactory(account=account, source_system="api", external_id="N-1", nps=9)
    return SimpleNamespace(
        team=world.team,
        member=world.user,
        account=account,
        other_account=Account.objects.get(pk=world.other_account.pk),
        agent=agent,
        response=response,
        upload_response=ResponseFactory(
            account=account, source_system="import", external_id="N-1", nps=9
        ),
        records={
            "contacts": ContactFactory(account=account),
            "stakeholders": AccountStakeholder.objects.create(
                account=account, user=world.user, role="service_lead"
            ),
            "external-parties": ExternalParty.objects.create(
                account=account, name="Field Research", kind="research_agency"
            ),
            "expectations": Expectation.objects.create(
                account=account, description="Weekly report", source="contract"
            ),
            "commitments": CommitmentFactory(account=account, owner=world.user),
            "communications": CommunicationFactory(account=account),
            "cost-entries": CostEntry.objects.create(
                account=account,
                date=dt.date(2025, 3, 1),
                kind="other",
                amount=Decimal("10.00"),
                currency=account.currency,
            ),
            "loyalty-proposals": LoyaltyProposal.objects.create(team=world.team, title="Keep"),
            # --- monitoring ---
            **_monitoring_records(world, account),
            # --- actions ---
            **_actions_records(world),
            # --- agreements ---
            **_agreements_records(world, account),
            # --- reports ---
            **_north_reports(world, account),
            # --- alerts ---
            **_north_alerts(world, account),
        },
        job=ImportJob.objects.create(
            created_by=world.user,
            file_name="north.csv",
            file_path="",
            file_format="csv",
            status=ImportStatus.FAILED,
            team_ids=[world.team.pk],
        ),
        theme=Theme.objects.create(slug="delivery", name="Delivery", phrases=["late"]),
        token=issue_token(actor=world.user, user=world.user, name="north")[0],
        # --- notifications ---
        notification=Notification.objects.create(
            recipient=world.user, team=world.team, kind="action.assigned", subject="Yours"
        ),
        endpoint=WebhookEndpoint.objects.create(
            team=world.team,
            url="https://93.184.215.14/hook",
            secret="whsec_north",
            events=["webhook.test"],
        ),
    )


# --- actions ---
def _actions_records(world: Any) -> dict[str, Any]:
    """North's action (done, on its account), idea, team plan, a personal plan of alice's with
    North's manager, its goal, and alice's membership."""
    from rapport.actions.models import Action, Idea, PersonalGoal, PersonalPlan, TeamActionPlan
    from rapport.core.models import Membership

    manager = UserFactory(username="north-manager")
    MembershipFactory(user=manager, team=world.team, role=Role.MANAGER)
    action = Action.objects.create(
        team=world.team,
        account=world.account,
        title="North's action",
        owner=world.user,
        due_on=dt.date(2026, 1, 10),
        status="done",
        outcome="Done",
        metric="nps",
    )
    personal = PersonalPlan.objects.create(
        team=world.team,
        person=world.user,
        manager=manager,
        title="North's plan",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
    )
    return {
        "actions": action,
        "ideas": Idea.objects.create(team=world.team, text="North's idea", author=world.user),
        "action-plans": TeamActionPlan.objects.create(
            team=world.team,
            title="North's plan",
            objective="x",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 3, 31),
        ),
        "personal-plans": personal,
        "personal-goals": PersonalGoal.objects.create(
            plan=personal, goal="Run reviews", due_on=dt.date(2026, 3, 1)
        ),
        "memberships": Membership.objects.get(user=world.user, team=world.team),
        "north-manager": manager,
    }


# --- agreements ---
def _agreements_records(world: Any, account: Account) -> dict[str, Any]:
    """North's review (not met) with an alternative, incident with its account, a notice
    still to give, and a template."""
    expectation = Expectation.objects.create(
        account=account, description="Next-day delivery", source="contract"
    )
    review = agreements_models.ExpectationReview.objects.create(
        expectation=expectation,
        account=account,
        outcome="not_met",
        evidence="Late",
        reviewed_on=dt.date(2025, 3, 1),
        reasons_given="Carrier",
        is_latest=True,
    )
    template = agreements_models.NotificationTemplate.objects.create(
        team=world.team, name="North notice", kind="incident", subject="S", body="B"
    )
    incident = agreements_models.Incident.objects.create(
        team=world.team,
        title="North outage",
        kind="outage",
        description="Down",
        started_at=dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC),
    )
    affected = agreements_models.AffectedAccount.objects.create(incident=incident, account=account)
    contact = ContactFactory(account=account, preferred_channel="phone")
    return {
        "agreement-expectations": expectation,
        "expectation-reviews": review,
        "alternatives": agreements_models.Alternative.objects.create(
            review=review, description="Courier"
        ),
        "notice-templates": template,
        "incidents": incident,
        "incident-accounts": affected,
        "notices": agreements_models.Notice.objects.create(
            account=account,
            contact=contact,
            incident=incident,
            channel="phone",
            status="due",
            subject="S",
            body="B",
        ),
    }


# --- reports ---
def _north_reports(world: Any, account: Account) -> dict[str, Any]:
    """A customer-facing definition of North's account and a run of it waiting for approval
    by the account's owner (North's member), with one recommendation and a file."""
    from rapport.reports.models import ReportDefinition, ReportOutput, ReportRun, RunRecommendation

    Account.objects.filter(pk=account.pk).update(owner=world.user)
    definition = ReportDefinition.objects.create(
        team=world.team,
        name="North QBR",
        report_type="account_review_pack",
        audience="customer",
        formats=["web", "pdf"],
        owner=world.user,
    )
    definition.accounts.set([account])
    run = ReportRun.objects.create(
        definition=definition,
        team=world.team,
        account=account,
        report_type="account_review_pack",
        audience="customer",
        status="review",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 3, 31),
        document={
            "title": "North QBR",
            "subtitle": "",
            "report_type": "account_review_pack",
            "audience": "customer",
            "period_start": "2025-01-01",
            "period_end": "2025-03-31",
            "as_of": "2025-03-31T10:00:00+00:00",
            "sections": [],
        },
    )
    RunRecommendation.objects.create(run=run, text="Keep", source_kind="manual")
    ReportOutput.objects.create(
        run=run,
        format="pdf",
        name="north.pdf",
        content_type="application/pdf",
        content=b"%PDF-",
        size=5,
    )
    return {"report-definitions": definition, "report-runs": run}


def _snapshot() -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of every Rapport model, by primary key (fields that reads touch left out)."""
    rows: dict[str, dict[Any, dict[str, Any]]] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("rapport."):
            continue
        label, key = model._meta.label_lower, model._meta.pk.attname
        rows[label] = {}
        for row in model.objects.order_by().values():
            for name in VOLATILE.get(label, ()):
                row.pop(name)
            rows[label][row[key]] = row
    return rows


def _run_queued_imports() -> None:
    """Run the imports a request queued, as the worker would (without its periodic work,
    which refreshes every team's derived figures)."""
    for job_id in ImportJob.objects.filter(status=ImportStatus.PENDING).values_list(
        "pk", flat=True
    ):
        feedback_services.run_import_job(job_id=job_id)


def _assert_north_untouched(before: dict, north: SimpleNamespace, *, events: bool) -> None:
    """Every earlier row is as it was; no new row is North's; no new audit event at all
    unless `events` (a write the actor may make in their own team), and never North's."""
    after = _snapshot()
    north_accounts = set(Account.objects.filter(team=north.team).values_list("pk", flat=True))
    for label, rows in before.items():
        for pk, row in rows.items():
            assert after[label].get(pk) == row, f"{label} {pk} changed or deleted"
    for label, rows in after.items():
        new = [row for pk, row in rows.items() if pk not in before[label]]
        for row in new:
            assert row.get("team_id") != north.team.pk, f"new {label} row in North: {row}"
            assert row.get("account_id") not in north_accounts, f"new {label} row in North"
        if label == "core.auditevent":
            assert events or not new, f"audit events written: {new}"


# --- the API --------------------------------------------------------------------------------


def api_write_routes() -> list[str]:
    paths = api.get_openapi_schema(path_prefix="")["paths"]
    return sorted(f"{m.upper()} {p}" for p, ops in paths.items() for m in ops if m in WRITE_METHODS)


def _item(n: SimpleNamespace, account: Account) -> dict[str, Any]:
    """North's external id, sent for `account`."""
    return {"account": account.pk, "external_id": "N-1", "submitted_at": WHEN, "nps": 0}


def _upload(n: SimpleNamespace) -> dict[str, Any]:
    """A file naming North's account and North's external id, and South's account with it."""
    content = csv_bytes(
        HEADER, "N-ACC,N-1,2025-03-04 10:00,0,1,1,taken", "S-ACC,N-1,2025-03-05 10:00,0,1,1,mine"
    )
    return {"file": SimpleUploadedFile("sweep.csv", content)}


Payload = Callable[[SimpleNamespace], dict[str, Any] | None]
_CHANGE = {  # one changed field per record kind
    "contacts": {"name": "Taken over"},
    "stakeholders": {"notes": "Taken over"},
    "external-parties": {"name": "Taken over"},
    "expectations": {"description": "Taken over"},
    "commitments": {"description": "Taken over"},
    "communications": {"summary": "Taken over"},
    "cost-entries": {"note": "Taken over"},
    "loyalty-proposals": {"title": "Taken over"},
}
_NEW = {
    "contacts": {"name": "Intruder"},
    "stakeholders": {"role": "service_lead"},  # and a member of North as user, see _new
    "external-parties": {"name": "Intruder", "kind": "auditor"},
    "expectations": {"description": "Intruder", "source": "contract"},
    "commitments": {"description": "Intruder", "due_date": "2026-01-05"},
    "communications": {"channel": "meeting", "occurred_at": WHEN, "summary": "Intruder"},
    "cost-entries": {"date": "2025-03-01", "kind": "other", "amount": "5"},
}


def _new(kind: str) -> Payload:
    return lambda n: {**_NEW[kind], **({"user": n.member.pk} if kind == "stakeholders" else {})}


def _change(kind: str) -> Payload:
    return lambda n: _CHANGE[kind]


API_PAYLOADS: dict[str, Payload] = {
    "POST /accounts": lambda n: {"name": "Intruder", "team": n.team.pk},
    "PATCH /accounts/{account_id}": lambda n: {
        "name": "Taken over",
        "team": n.other_account.team_id,
    },
    "DELETE /accounts/{account_id}": lambda n: None,
    **{f"POST /accounts/{{account_id}}/{kind}": _new(kind) for kind in _NEW},
    **{f"PATCH /{kind}/{{pk}}": _change(kind) for kind in _CHANGE},
    **{f"DELETE /{kind}/{{pk}}": lambda n: None for kind in _CHANGE},
    "POST /loyalty-proposals": lambda n: {"team": n.team.pk, "title": "Intruder"},
    "POST /responses": lambda n: _item(n, n.other_account),
    "POST /responses/bulk": lambda n: {"items": [_item(n, n.other_account)]},
    "PATCH /responses/{response_id}": lambda n: {"nps": 0, "comment": "taken"},
    "DELETE /responses/{response_id}": lambda n: None,
    "POST /imports": _upload,
    "POST /imports/{import_id}/resume": lambda n: {},
    "POST /themes": lambda n: {"name": "Intruder", "phrases": ["x"]},
    "PUT /themes/{theme_id}": lambda n: {"name": "Taken over"},
    "POST /responses/{response_id}/labels": lambda n: {"sentiment": "negative"},
    "POST /sentiment/model/train": lambda n: {},
    "POST /sentiment/model/vader": lambda n: {},
    # --- notifications ---
    "POST /notifications/{notification_id}/read": lambda n: {},
    "POST /notifications/read-all": lambda n: {},
    "PUT /notification-settings": lambda n: {"email": "off"},
    "POST /webhooks": lambda n: {
        "team": n.team.pk,
        "url": "https://93.184.215.14/intruder",
        "events": ["webhook.test"],
    },
    "PATCH /webhooks/{endpoint_id}": lambda n: {"url": "https://93.184.215.14/taken"},
    "DELETE /webhooks/{endpoint_id}": lambda n: None,
    "POST /webhooks/{endpoint_id}/rotate-secret": lambda n: {},
    "POST /webhooks/{endpoint_id}/test": lambda n: {},
    # --- monitoring ---
    "POST /accounts/{account_id}/plan": lambda n: {"use_template": False},
    "POST /plans/{pk}/versions": lambda n: {"change_requests": []},
    "PATCH /plan-versions/{pk}": lambda n: {"objectives": "Taken over"},
    "DELETE /plan-versions/{pk}": lambda n: None,
    "POST /plan-versions/{pk}/propose": lambda n: {},
    "POST /plan-versions/{pk}/withdraw": lambda n: {},
    "POST /plan-versions/{pk}/agree": lambda n: {
        "agreed_with": n.records["contacts"].pk,
        "evidence_reference": "Taken over",
    },
    "POST /plan-versions/{pk}/methods": lambda n: {
        "kind": "account_call",
        "recurrence": "FREQ=MONTHLY",
    },
    "PATCH /plan-methods/{pk}": lambda n: {"title": "Taken over"},
    "DELETE /plan-methods/{pk}": lambda n: None,
    "POST /plan-versions/{pk}/kpis": lambda n: {"metric": "ces", "target": 5},
    "PATCH /plan-kpis/{pk}": lambda n: {"target": 1},
    "DELETE /plan-kpis/{pk}": lambda n: None,
    "POST /plan-versions/{pk}/reports": lambda n: {
        "report_type": "intruder",
        "audience": "customer",
        "recurrence": "FREQ=MONTHLY",
    },
    "PATCH /plan-reports/{pk}": lambda n: {"report_type": "taken_over"},
    "DELETE /plan-reports/{pk}": lambda n: None,
    "POST /plans/{pk}/change-requests": lambda n: {
        "description": "Intruder",
        "requested_on": "2025-03-04",
    },
    "POST /plan-change-requests/{pk}/decline": lambda n: {"response": "Taken over"},
    "POST /activities/{pk}/complete": lambda n: {"note": "Taken over"},
    "POST /plan-templates": lambda n: {"tier": "key", "name": "Intruder"},
    # --- actions ---
    "POST /actions": lambda n: {
        "team": n.team.pk,
        "title": "Intruder",
        "owner": n.member.pk,
        "severity": "low",
    },
    "PATCH /actions/{pk}": lambda n: {"title": "Taken over"},
    "POST /actions/{pk}/status": lambda n: {"status": "cancelled"},
    "POST /actions/{pk}/loop-closure": lambda n: {
        "told_what": "Taken over",
        "told_at": WHEN,
        "channel": "call",
    },
    "POST /ideas": lambda n: {"team": n.team.pk, "text": "Intruder"},
    "POST /ideas/{pk}/accept": lambda n: {"owner": n.member.pk},
    "POST /ideas/{pk}/decline": lambda n: {"reason": "Taken over"},
    "POST /action-plans": lambda n: {
        "team": n.team.pk,
        "title": "Intruder",
        "objective": "x",
        "period_start": "2026-01-01",
        "period_end": "2026-02-01",
    },
    "POST /personal-plans": lambda n: {
        "team": n.team.pk,
        "person": n.member.pk,
        "title": "Intruder",
        "period_start": "2026-01-01",
        "period_end": "2026-02-01",
    },
    "POST /personal-plans/{pk}/sign": lambda n: {},
    "POST /personal-plans/{pk}/goals": lambda n: {"goal": "Intruder", "due_on": "2026-01-15"},
    "PATCH /personal-goals/{pk}": lambda n: {"status": "achieved"},
    "POST /personal-plans/{pk}/reviews": lambda n: {"note": "Intruder"},
    "PATCH /memberships/{pk}/manager": lambda n: {"manager": n.records["north-manager"].pk},
    # --- agreements ---
    "PATCH /expectation-reviews/{pk}": lambda n: {"evidence": "Taken over"},
    "DELETE /expectation-reviews/{pk}": lambda n: None,
    "POST /expectations/{expectation_id}/reviews": lambda n: {
        "outcome": "met",
        "evidence": "Intruder",
    },
    "POST /expectation-reviews/{pk}/action": lambda n: {
        "owner": n.member.pk,
        "due_on": "2026-01-05",
    },
    "POST /expectation-reviews/{pk}/alternatives": lambda n: {"description": "Intruder"},
    "POST /incident-accounts/{pk}/alternatives": lambda n: {"description": "Intruder"},
    "DELETE /alternatives/{pk}": lambda n: None,
    "POST /alternatives/{pk}/choose": lambda n: {"agreed_outcome": "Taken over"},
    "POST /accounts/{account_id}/agreement-changes": lambda n: {
        "subject": "other",
        "what_changed": "Intruder",
        "after": "Intruder",
        "effective_on": "2026-01-05",
        "contacts": [n.records["contacts"].pk],
    },
    "POST /incidents": lambda n: {
        "team": n.team.pk,
        "title": "Intruder",
        "kind": "outage",
        "description": "x",
        "started_at": WHEN,
        "accounts": [n.account.pk],
    },
    "PATCH /incidents/{pk}": lambda n: {"title": "Taken over"},
    "DELETE /incidents/{pk}": lambda n: None,
    "PATCH /incident-accounts/{pk}": lambda n: {"impact": "Taken over"},
    "POST /incidents/{pk}/notify": lambda n: {"template": n.records["notice-templates"].pk},
    "POST /notices/{pk}/done": lambda n: {"summary": "Taken over"},
    "POST /notice-templates": lambda n: {
        "team": n.team.pk,
        "name": "Intruder",
        "kind": "incident",
        "subject": "s",
        "body": "b",
    },
    "PATCH /notice-templates/{pk}": lambda n: {"name": "Taken over"},
    "DELETE /notice-templates/{pk}": lambda n: None,
    # --- reports ---
    "POST /report-definitions": lambda n: {
        "team_id": n.team.pk,
        "name": "Intruder",
        "report_type": "portfolio_summary",
        "audience": "executive",
    },
    "PATCH /report-definitions/{pk}": lambda n: {"name": "Taken over"},
    "DELETE /report-definitions/{pk}": lambda n: None,
    "POST /report-definitions/{pk}/runs": lambda n: {},
    "POST /report-runs/{pk}/recommendations": lambda n: {"text": "Intruder"},
    "PATCH /report-runs/{pk}/recommendations/{rec_id}": lambda n: {"text": "Taken over"},
    "POST /report-runs/{pk}/approve": lambda n: {},
    "POST /report-runs/{pk}/return": lambda n: {"note": "Taken over"},
    "POST /report-runs/{pk}/resubmit": lambda n: {},
    "POST /report-runs/{pk}/send": lambda n: {},
    "DELETE /report-runs/{pk}": lambda n: None,
    # --- alerts ---
    "POST /alerts/{pk}/close": lambda n: {"reason": "Taken over"},
    "POST /alert-rules": lambda n: {"name": "Intruder", "team": n.team.pk, "kind": "complaints"},
    "PATCH /alert-rules/{pk}": lambda n: {"name": "Taken over", "active": False},
    "DELETE /alert-rules/{pk}": lambda n: None,
    "POST /alert-evaluations": lambda n: {"team": n.team.pk},
}
# Writes the actor may make in their own team: South's new row, or an import job of their own.
OWN_TEAM_WRITES = {"POST /responses", "POST /responses/bulk", "POST /imports"}
# --- notifications ---
# One's own inbox and e-mail setting: every role has them, and they touch nothing of North.
OWN_TEAM_WRITES |= {"POST /notifications/read-all", "PUT /notification-settings"}
# The agent's role may record feedback (RECORD_FEEDBACK), so these are allowed to it.
AGENT_MAY = {
    "POST /responses",
    "POST /responses/bulk",
    "PATCH /responses/{response_id}",
    "DELETE /responses/{response_id}",
    # --- notifications ---
    "POST /notifications/read-all",
    "PUT /notification-settings",
    # --- actions ---
    "POST /ideas",  # CONTRIBUTE_IDEAS: every role
}


def _api_url(route: str, n: SimpleNamespace) -> str:
    path = route.split(" ", 1)[1]
    kind = path.strip("/").split("/")[0]
    ids = {
        "account_id": n.account.pk,
        "pk": n.records[kind].pk if kind in n.records else 0,
        "response_id": n.response.pk,
        "import_id": n.job.pk,
        "theme_id": n.theme.pk,
        # --- notifications ---
        "notification_id": n.notification.pk,
        "endpoint_id": n.endpoint.pk,
        # --- agreements ---
        "expectation_id": n.records["agreement-expectations"].pk,
        # --- reports ---
        "rec_id": n.records["report-runs"].recommendations.get().pk,
    }
    return "/api/v1" + re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)


def _call_api(client: Client, route: str, n: SimpleNamespace, capture: Any) -> Any:
    method = route.split(" ", 1)[0].lower()
    body = API_PAYLOADS[route](n)
    url = _api_url(route, n)
    with capture(execute=True):  # an upload's job is queued when the request commits
        if route == "POST /imports":
            return client.post(url, body)
        if body is None:
            return getattr(client, method)(url)
        return getattr(client, method)(url, body, content_type=JSON)


def _bearer(user: Any) -> Client:
    return Client(
        headers={"Authorization": f"Bearer {issue_token(actor=user, user=user, name='s')[1]}"}
    )


@pytest.mark.parametrize("route", api_write_routes())
def test_api_write_as_another_team(route, world, north, django_capture_on_commit_callbacks):
    client = _bearer(world.other_user)
    before = _snapshot()
    answer = _call_api(client, route, north, django_capture_on_commit_callbacks)
    _run_queued_imports()  # the import bob started, with North's external id in it
    owned = set(re.findall(r"{(\w+)}", route)) & OWNED_PARAMS
    if owned:
        assert answer.status_code == 404, (route, answer.status_code, answer.content[:200])
    elif route in OWN_TEAM_WRITES:
        assert answer.status_code in (200, 201, 202), (route, answer.content[:300])
    else:
        assert answer.status_code in (403, 404, 422), (route, answer.status_code)
    assert "N-ACC" not in answer.content.decode(errors="replace"), route
    _assert_north_untouched(before, north, events=route in OWN_TEAM_WRITES)
    if route in ("POST /responses", "POST /responses/bulk"):
        mine = Response.objects.get(source_system="api", external_id="N-1", team=world.other_team)
        assert mine.account_id == north.other_account.pk


@pytest.mark.parametrize("route", sorted(set(api_write_routes()) - AGENT_MAY))
def test_api_write_as_a_read_only_member(route, world, north, django_capture_on_commit_callbacks):
    client = _bearer(north.agent)
    before = _snapshot()
    answer = _call_api(client, route, north, django_capture_on_commit_callbacks)
    assert answer.status_code in (403, 404), (route, answer.status_code, answer.content[:200])
    _assert_north_untouched(before, north, events=False)


def test_the_agent_role_is_the_one_that_may_record_feedback():
    """AGENT_MAY is exactly the response routes and ideas because of these capabilities."""
    assert ROLE_CAPABILITIES[Role.AGENT] == {
        Capability.VIEW,
        Capability.RECORD_FEEDBACK,
        Capability.CONTRIBUTE_IDEAS,  # --- actions ---
    }


# --- the web --------------------------------------------------------------------------------


# Pages: a POST to them writes nothing (they are read-only pages, or the URL's GET form).
WEB_READS = {
    "customers:portfolio",
    "customers:account",
    "customers:account-feedback",
    "customers:search",
    "analytics:account",
    "analytics:health",
    "analytics:swot",
    "analytics:portfolio-health",
    "analytics:portfolio-swot",
    "analytics:customer-types",
    "feedback:import",
    "feedback:import-progress",
    "feedback:import-errors-csv",
    "customers:portfolio-export",
    "customers:account-feedback-export",
    "analytics:portfolio-health-export",
    "enrichment:themes",
    "enrichment:label",
    "enrichment:account-themes",
    # --- notifications ---
    "notifications:webhooks",
    "notifications:webhook",
    # --- monitoring ---
    "monitoring:account-plan",
    "monitoring:calendar",
    "monitoring:versions",
    "monitoring:version",
    "monitoring:customer-view",
    "monitoring:schedule",
    "monitoring:methods",
    "monitoring:templates",
    # --- actions ---
    "actions:board",
    "actions:board-export",
    "actions:detail",
    "actions:escalations",
    "actions:loops",
    "actions:loops-export",
    "actions:plan",
    "actions:personal-plan",
    "actions:performance",
    "actions:account",
    # --- agreements ---
    "agreements:account-reviews",
    "agreements:expectations",
    "agreements:incidents",
    "agreements:incident",
    # --- reports ---
    "reports:definitions",
    "reports:definition",
    "reports:run",
    "reports:run-progress",
    "reports:run-file",
    # --- alerts ---
    "alerts:inbox",
    "alerts:detail",
    "alerts:rules",
    "alerts:rule-test",
    "alerts:rule-test-draft",
    "alerts:account",
}
NOT_SWEPT = {
    "core:login",
    "core:logout",
    "core:healthz",
    "api-tokens",
    "core:password-change",
    # --- notifications ---
    # One's own inbox and e-mail setting (read and open take a notification id: swept).
    "notifications:inbox",
    "notifications:read-all",
    "notifications:settings",
}  # not team data
WEB_PAYLOADS: dict[str, Payload] = {
    "customers:account-create": lambda n: {
        "name": "Intruder",
        "team": n.team.pk,
        "tier": "key",
        "status": "active",
        "currency": "GBP",
        "annual_value": "0",
        "cost_to_serve": "0",
    },
    "customers:account-edit": lambda n: {"name": "Taken over", "team": n.team.pk},
    "customers:cost-entry-create": lambda n: _NEW["cost-entries"],
    "customers:cost-entry-edit": lambda n: {**_NEW["cost-entries"], "note": "Taken over"},
    "analytics:proposal-create": lambda n: {
        "team": n.team.pk,
        "title": "Intruder",
        "status": "draft",
    },
    "analytics:proposal-status": lambda n: {"status": "declined"},
    "analytics:set-baseline": lambda n: {
        "metric": "nps",
        "subgroup": "month",
        "start": "2025-01-01",
        "end": "2025-06-30",
    },
    "analytics:health-weights": lambda n: {"green_from": "90", "amber_from": "10"},
    "feedback:imports": _upload,
    "enrichment:theme-add": lambda n: {"name": "Intruder", "phrases": "x"},
    "enrichment:theme-edit": lambda n: {"name": "Taken over", "phrases": "x"},
    "enrichment:label-response": lambda n: {"sentiment": "negative"},
    # --- notifications ---
    "notifications:webhook-create": lambda n: {
        "team": n.team.pk,
        "url": "https://93.184.215.14/intruder",
        "events": ["webhook.test"],
        "active": "on",
    },
    "notifications:webhook-edit": lambda n: {
        "url": "https://93.184.215.14/taken",
        "events": ["webhook.test"],
    },
    # --- monitoring ---
    "monitoring:plan-start": lambda n: {"template": "1"},
    "monitoring:new-version": lambda n: {},
    "monitoring:change-requests": lambda n: {
        "requested_on": "2025-03-04",
        "description": "Intruder",
    },
    "monitoring:change-request-decline": lambda n: {"response": "Taken over"},
    "monitoring:version-edit": lambda n: {"objectives": "Taken over"},
    "monitoring:version-propose": lambda n: {},
    "monitoring:version-withdraw": lambda n: {},
    "monitoring:version-discard": lambda n: {},
    "monitoring:version-agree": lambda n: {
        "agreed_with": n.records["contacts"].pk,
        "evidence_reference": "Taken over",
    },
    "monitoring:method-add": lambda n: {
        "kind": "account_call",
        "recurrence": "FREQ=MONTHLY",
        "due_time": "09:00",
        "on_time_days": "3",
        "cost": "0",
        "currency": "GBP",
    },
    "monitoring:method-edit": lambda n: {
        "kind": "account_call",
        "title": "Taken over",
        "recurrence": "FREQ=MONTHLY",
        "due_time": "09:00",
        "on_time_days": "3",
        "cost": "0",
        "currency": "GBP",
    },
    "monitoring:method-delete": lambda n: {},
    "monitoring:template-create": lambda n: {"tier": "growth", "name": "Intruder"},
    "monitoring:template-edit": lambda n: {"name": "Taken over"},
    "monitoring:kpi-add": lambda n: {
        "metric": "ces",
        "target": "5",
        "tolerance": "0",
        "direction": "higher",
    },
    "monitoring:kpi-edit": lambda n: {
        "metric": "csat",
        "target": "1",
        "tolerance": "0",
        "direction": "higher",
    },
    "monitoring:kpi-delete": lambda n: {},
    "monitoring:report-add": lambda n: {
        "report_type": "intruder",
        "audience": "customer",
        "recurrence": "FREQ=MONTHLY",
    },
    "monitoring:report-edit": lambda n: {
        "report_type": "taken_over",
        "audience": "customer",
        "recurrence": "FREQ=MONTHLY",
    },
    "monitoring:report-delete": lambda n: {},
    "monitoring:activity-done": lambda n: {"note": "Taken over"},
    # --- actions ---
    "actions:create": lambda n: {
        "team": n.team.pk,
        "title": "Intruder",
        "owner": n.member.pk,
        "severity": "low",
        "source_kind": "manual",
    },
    "actions:edit": lambda n: {
        "title": "Taken over",
        "owner": n.member.pk,
        "severity": "low",
        "due_on": "2026-05-01",
    },
    "actions:status": lambda n: {"status": "cancelled"},
    "actions:close-loop": lambda n: {
        "told_what": "Taken over",
        "told_at": "2025-03-04T10:00",
        "channel": "call",
    },
    "actions:ideas": lambda n: {"team": n.team.pk, "text": "Intruder"},
    "actions:idea-accept": lambda n: {"owner": n.member.pk, "severity": "low"},
    "actions:idea-decline": lambda n: {"reason": "Taken over"},
    "actions:plans": lambda n: {
        "team": n.team.pk,
        "title": "Intruder",
        "objective": "x",
        "period_start": "2026-01-01",
        "period_end": "2026-02-01",
    },
    "actions:personal-plans": lambda n: {
        "team": n.team.pk,
        "person": n.member.pk,
        "title": "Intruder",
        "period_start": "2026-01-01",
        "period_end": "2026-02-01",
    },
    "actions:personal-sign": lambda n: {},
    "actions:personal-goal": lambda n: {"goal": "Intruder", "due_on": "2026-01-15"},
    "actions:personal-goal-status": lambda n: {"status": "achieved"},
    "actions:personal-review": lambda n: {"note": "Intruder"},
    "actions:team-managers": lambda n: {
        "membership": n.records["memberships"].pk,
        "manager": n.records["north-manager"].pk,
    },
    # --- agreements ---
    "agreements:change-create": lambda n: {
        "subject": "other",
        "what_changed": "Intruder",
        "after": "Intruder",
        "effective_on": "2026-01-05",
        "contacts": [n.records["contacts"].pk],
    },
    "agreements:review-create": lambda n: {
        "outcome": "met",
        "evidence": "Intruder",
        "reviewed_on": "2025-03-04",
    },
    "agreements:review-edit": lambda n: {
        "outcome": "met",
        "evidence": "Taken over",
        "reviewed_on": "2025-03-04",
    },
    "agreements:review-action": lambda n: {
        "action-owner": n.member.pk,
        "action-due_on": "2026-01-05",
        "action-severity": "low",
    },
    "agreements:review-alternative-create": lambda n: {
        "description": "Intruder",
        "provider": "inside",
        "currency": "GBP",
    },
    "agreements:affected-alternative-create": lambda n: {
        "description": "Intruder",
        "provider": "inside",
        "currency": "GBP",
    },
    "agreements:alternative-choose": lambda n: {"agreed_outcome": "Taken over"},
    "agreements:incident-create": lambda n: {
        "team": n.team.pk,
        "title": "Intruder",
        "kind": "outage",
        "severity": "low",
        "description": "x",
        "started_at": "2025-03-04T10:00",
        "accounts": [n.account.pk],
    },
    "agreements:incident-edit": lambda n: {
        "title": "Taken over",
        "kind": "outage",
        "severity": "low",
        "description": "x",
        "started_at": "2025-03-04T10:00",
    },
    "agreements:incident-notify": lambda n: {
        "template": n.records["notice-templates"].pk,
        "contacts": [n.records["contacts"].pk],
    },
    "agreements:affected-update": lambda n: {"impact": "Taken over"},
    "agreements:notice-done": lambda n: {"summary": "Taken over"},
    "agreements:templates": lambda n: {
        "team": n.team.pk,
        "name": "Intruder",
        "kind": "incident",
        "subject": "s",
        "body": "b",
    },
    "agreements:template-edit": lambda n: {
        "name": "Taken over",
        "kind": "incident",
        "subject": "s",
        "body": "b",
    },
    # --- reports ---
    "reports:definition-create": lambda n: {
        "name": "Intruder",
        "team": n.team.pk,
        "report_type": "portfolio_summary",
        "audience": "executive",
        "formats": ["web"],
        "period_months": "3",
        "frequency_source": "on_demand",
        "owner": n.member.pk,
    },
    "reports:definition-edit": lambda n: {
        "name": "Taken over",
        "report_type": "portfolio_summary",
        "audience": "executive",
        "formats": ["web"],
        "period_months": "3",
        "frequency_source": "on_demand",
        "owner": n.member.pk,
    },
    "reports:run-return": lambda n: {"note": "Taken over"},
    "reports:recommendation-edit": lambda n: {"text": "Taken over", "included": "on"},
    "reports:recommendation-add": lambda n: {"text": "Intruder"},
    # --- alerts ---
    "alerts:close": lambda n: {"reason": "Taken over"},
    "alerts:rule-create": lambda n: {
        "name": "Intruder",
        "scope": "team",
        "team": n.team.pk,
        "severity": "high",
        "active": "on",
        "param_metric": "csat",
        "param_default_tolerance": "5",
    },
    "alerts:rule-edit": lambda n: {
        "name": "Taken over",
        "scope": "team",
        "team": n.team.pk,
        "severity": "low",
        "param_threshold": "0",
        "param_days": "30",
    },
    "alerts:evaluate": lambda n: {"team": n.team.pk},
}
# --- actions ---
# Web writes the read-only member may make (every role contributes ideas: CONTRIBUTE_IDEAS).
WEB_AGENT_MAY = {"actions:ideas"}
# The North record a web route's <pk> names, by route name.
WEB_RECORDS = {
    "actions:detail": "actions",
    "actions:edit": "actions",
    "actions:status": "actions",
    "actions:close-loop": "actions",
    "actions:idea-accept": "ideas",
    "actions:idea-decline": "ideas",
    "actions:plan": "action-plans",
    "actions:personal-plan": "personal-plans",
    "actions:personal-sign": "personal-plans",
    "actions:personal-goal": "personal-plans",
    "actions:personal-goal-status": "personal-goals",
    "actions:personal-review": "personal-plans",
}
# --- agreements ---
# The record a route's <pk> names.
AGREEMENTS_RECORDS = {
    "agreements:review-edit": "expectation-reviews",
    "agreements:review-delete": "expectation-reviews",
    "agreements:review-action": "expectation-reviews",
    "agreements:alternative-choose": "alternatives",
    "agreements:alternative-delete": "alternatives",
    "agreements:incident": "incidents",
    "agreements:incident-edit": "incidents",
    "agreements:incident-delete": "incidents",
    "agreements:incident-notify": "incidents",
    "agreements:affected-update": "incident-accounts",
    "agreements:notice-done": "notices",
    "agreements:template-edit": "notice-templates",
    "agreements:template-delete": "notice-templates",
}


def _param(ids: dict[str, Any], match: re.Match[str]) -> str:
    return str(ids[match.group(1)])


def _record(name: str, kind: str, n: SimpleNamespace) -> Any:
    """The North object a web route's <pk> names."""
    # --- monitoring ---
    if name in MONITORING_WEB_RECORDS:
        return n.records[MONITORING_WEB_RECORDS[name]]
    if name in AGREEMENTS_RECORDS:  # --- agreements ---
        return n.records[AGREEMENTS_RECORDS[name]]
    if kind:
        return n.records[kind]
    if name in WEB_RECORDS:  # --- actions ---
        return n.records[WEB_RECORDS[name]]
    # --- reports ---
    if name.startswith(("reports:run", "reports:recommendation")):
        return n.records["report-runs"]
    if name.startswith("reports:"):
        return n.records["report-definitions"]
    # --- alerts ---
    if name.startswith("alerts:"):
        return n.records["alert-rules" if name.startswith("alerts:rule") else "alerts"]
    return n.records["cost-entries" if name.startswith("customers:cost") else "loyalty-proposals"]


def _web_calls(n: SimpleNamespace) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(name, route, url, data) for every web route that is swept, generic record routes once per
    record kind."""
    calls = []
    for route, name in url_routes():
        if route.startswith(("admin/", "api/v1/")) or name in NOT_SWEPT | WEB_READS:
            continue
        kinds = list(RELATED_FORMS) if "<slug:kind>" in route else [""]
        for kind in kinds:
            ids = {
                "account_id": n.account.pk,
                "pk": _record(name, kind, n).pk,
                "job_id": n.job.pk,
                "response_id": n.response.pk,
                "team_id": n.team.pk,
                "theme_id": n.theme.pk,
                "token_id": n.token.pk,
                "kind": kind,
                # --- notifications ---
                "notification_id": n.notification.pk,
                "endpoint_id": n.endpoint.pk,
                # --- agreements ---
                "expectation_id": n.records["agreement-expectations"].pk,
                "review_id": n.records["expectation-reviews"].pk,
                "affected_id": n.records["incident-accounts"].pk,
                # --- reports ---
                "rec_id": n.records["report-runs"].recommendations.get().pk,
                "name": "north.pdf",
            }
            url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", partial(_param, ids), route)
            data = WEB_PAYLOADS[name](n) if name in WEB_PAYLOADS else _CHANGE.get(kind, {})
            calls.append((name, route, url, dict(data or {})))
    return calls


def test_every_write_route_is_swept(north):
    """Every API write operation has a payload; every web route is swept unless it is a page
    (WEB_READS, where the read-only member's POST is checked to change nothing) or not team
    data. A new web route is swept by default; if it is a page, the read-only check fails
    until it is listed as one."""
    assert set(API_PAYLOADS) == set(api_write_routes())
    names = {name for route, name in url_routes() if "admin/" not in route}
    assert set(WEB_PAYLOADS) | WEB_READS | NOT_SWEPT <= names
    assert {name for name, _, _, _ in _web_calls(north)} == names - WEB_READS - NOT_SWEPT - {
        name for route, name in url_routes() if route.startswith("api/v1/")
    }


@pytest.mark.parametrize("actor", ["other team", "read-only member"])
def test_web_write_is_refused(actor, world, north, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(world.other_user if actor == "other team" else north.agent)
    for name, route, url, data in _web_calls(north):
        if actor == "read-only member" and name in WEB_AGENT_MAY:
            continue  # allowed to every role (tests/actions cover what it writes)
        before = _snapshot()
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(url, data)
        _run_queued_imports()
        owned = bool(set(re.findall(r"<(?:\w+:)?(\w+)>", route)) & OWNED_PARAMS)
        if actor == "other team" and (owned or name == "analytics:proposal-create"):
            assert answer.status_code == 404, (name, url, answer.status_code)
        elif actor == "read-only member":
            assert answer.status_code in (403, 404), (name, url, answer.status_code)
        assert "N-ACC" not in answer.content.decode(errors="replace"), url
        _assert_north_untouched(before, north, events=name == "feedback:imports")


# --- monitoring ---
# The record a monitoring web route's <pk> names (its first path segment, as for the API).
MONITORING_WEB_RECORDS = {
    **dict.fromkeys(
        ["monitoring:new-version", "monitoring:versions", "monitoring:change-requests"], "plans"
    ),
    "monitoring:change-request-decline": "plan-change-requests",
    **dict.fromkeys(
        [
            "monitoring:version",
            "monitoring:version-edit",
            "monitoring:version-propose",
            "monitoring:version-withdraw",
            "monitoring:version-discard",
            "monitoring:version-agree",
            "monitoring:customer-view",
            "monitoring:method-add",
            "monitoring:kpi-add",
            "monitoring:report-add",
        ],
        "plan-versions",
    ),
    **dict.fromkeys(["monitoring:method-edit", "monitoring:method-delete"], "plan-methods"),
    **dict.fromkeys(["monitoring:kpi-edit", "monitoring:kpi-delete"], "plan-kpis"),
    **dict.fromkeys(["monitoring:report-edit", "monitoring:report-delete"], "plan-reports"),
    "monitoring:activity-done": "activities",
    "monitoring:template-edit": "plan-templates",
}


def _monitoring_records(world: Any, account: Account) -> dict[str, Any]:
    """North's plan: a draft with a method, KPI and report, a change request, an activity."""
    from rapport.monitoring.models import (
        Kpi,
        MonitoringPlan,
        PlanChangeRequest,
        PlanMethod,
        PlanReport,
        PlanTemplate,
        PlanVersion,
        ScheduledActivity,
    )

    plan = MonitoringPlan.objects.create(account=account, team=world.team)
    draft = PlanVersion.objects.create(plan=plan, number=1, objectives="Keep")
    method = PlanMethod.objects.create(
        version=draft, kind="account_call", recurrence="FREQ=MONTHLY", owner=world.user
    )
    due = dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)
    return {
        "plans": plan,
        "plan-versions": draft,
        "plan-methods": method,
        "plan-kpis": Kpi.objects.create(version=draft, metric="csat", target=85),
        "plan-reports": PlanReport.objects.create(
            version=draft, report_type="account_review_pack", audience="customer",
            recurrence="FREQ=MONTHLY",
        ),
        "plan-change-requests": PlanChangeRequest.objects.create(
            plan=plan, requested_on=dt.date(2025, 3, 1), description="Fortnightly calls"
        ),
        "activities": ScheduledActivity.objects.create(
            account=account, team=world.team, plan=plan, method=method, kind="account_call",
            due_at=due, late_after=due + dt.timedelta(days=3),
        ),
        "plan-templates": PlanTemplate.objects.create(tier="key", name="Key accounts"),
    }  # fmt: skip
