"""A role without the edit capabilities sees no edit form, link or button (issue 11).

Every web route is opened as an agent (view and record feedback only): a page that is an edit
form must be refused (403), not shown with a form whose POST does nothing; every page that
is shown is parsed, and none of its forms posts (nor any hx-post) to a write the agent may not
make, and none of its links leads to a page the agent was refused. Routes come from the URL
conf, so a new page is checked without being listed here.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from rapport.analytics.models import LoyaltyProposal
from rapport.api.services import issue_token
from rapport.core.models import Role
from rapport.customers.forms import RELATED_FORMS
from rapport.customers.models import (
    AccountStakeholder,
    CostEntry,
    Expectation,
    ExternalParty,
)
from rapport.enrichment.models import Theme
from rapport.feedback.models import ImportJob, ImportStatus
from rapport.notifications.models import Notification, WebhookEndpoint
from tests.factories import (
    CommitmentFactory,
    CommunicationFactory,
    ContactFactory,
    MembershipFactory,
    ResponseFactory,
    UserFactory,
)
from tests.routes import url_routes

# The person's own things, which every role may change.
OWN_WRITES = {"core:logout", "core:password-change", "api-tokens", "api-token-revoke"}
# --- actions ---
# Every role, agents included, may contribute an idea for improving service.
OWN_WRITES |= {"actions:ideas"}
# --- notifications --- one's own inbox and e-mail preference
OWN_WRITES |= {
    "notifications:read",
    "notifications:read-all",
    "notifications:open",
    "notifications:settings",
}


class _Targets(HTMLParser):
    """The POST targets (forms and hx-post) and the links of a page."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.posts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self.posts.append(attributes.get("action") or self.path)
        if attributes.get("hx-post"):
            self.posts.append(attributes["hx-post"] or self.path)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"] or "")


def _route_name(url: str) -> str | None:
    path = urlsplit(url).path
    if not path.startswith("/") or path.startswith(("/admin/", "/api/v1/", "/static/")):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


# --- agreements ---
def _agreements_ids(world: Any, expectation: Expectation) -> dict[str, int]:
    from rapport.agreements.models import AffectedAccount, ExpectationReview, Incident

    review = ExpectationReview.objects.create(
        expectation=expectation,
        account=world.account,
        outcome="not_met",
        evidence="Late",
        reviewed_on=dt.date(2025, 3, 1),
        reasons_given="Carrier",
        is_latest=True,
    )
    incident = Incident.objects.create(
        team=world.team,
        title="Outage",
        kind="outage",
        description="Down",
        started_at=dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC),
    )
    affected = AffectedAccount.objects.create(incident=incident, account=world.account)
    return {"expectation_id": expectation.pk, "review_id": review.pk, "affected_id": affected.pk}


@pytest.fixture
def agent_world(world: Any) -> SimpleNamespace:
    account = world.account
    agent = UserFactory(username="agent")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    expectation = Expectation.objects.create(
        account=account, description="Weekly report", source="contract"
    )
    records = {
        "contacts": ContactFactory(account=account),
        "stakeholders": AccountStakeholder.objects.create(
            account=account, user=world.user, role="service_lead"
        ),
        "external-parties": ExternalParty.objects.create(
            account=account, name="Field Research", kind="research_agency"
        ),
        "expectations": expectation,
        "commitments": CommitmentFactory(account=account, expectation=expectation),
        "communications": CommunicationFactory(account=account),
    }
    cost = CostEntry.objects.create(
        account=account, date=dt.date(2025, 3, 1), kind="other", amount=Decimal("10.00")
    )
    proposal = LoyaltyProposal.objects.create(team=world.team, title="Keep")
    ids = {
        "account_id": account.pk,
        "job_id": ImportJob.objects.create(
            created_by=world.user,
            file_name="north.csv",
            file_path="",
            file_format="csv",
            status=ImportStatus.FAILED,
            team_ids=[world.team.pk],
        ).pk,
        "response_id": ResponseFactory(account=account, nps=3, comment="Late again").pk,
        "team_id": world.team.pk,
        "theme_id": Theme.objects.create(slug="delivery", name="Delivery", phrases=["late"]).pk,
        "token_id": issue_token(actor=agent, user=agent, name="mine")[0].pk,
        # --- agreements ---
        **_agreements_ids(world, expectation),
        # --- notifications --- the agent's own notification, North's endpoint
        "notification_id": Notification.objects.create(
            recipient=agent, team=world.team, kind="test", subject="Yours", link="/"
        ).pk,
        "endpoint_id": WebhookEndpoint.objects.create(
            team=world.team, url="https://93.184.215.14/hook", secret="s" * 40, events=[]
        ).pk,
        "rec_id": 0,  # --- reports --- (a recommendation of a run the agent cannot see)
        "name": "report.pdf",
    }
    return SimpleNamespace(agent=agent, ids=ids, records=records, cost=cost, proposal=proposal)


def _urls(n: SimpleNamespace) -> list[tuple[str, str]]:
    """(name, url) for every web route, the generic record routes once per record kind."""
    urls = []
    for route, name in url_routes():
        if route.startswith(("admin/", "api/v1/")) or name == "core:logout":
            continue
        for kind in list(RELATED_FORMS) if "<slug:kind>" in route else [""]:
            pk = (
                n.records[kind].pk
                if kind
                else (n.cost.pk if name.startswith("customers:cost") else n.proposal.pk)
            )
            ids = {**n.ids, "kind": kind, "pk": pk, "fmt": "csv"}
            url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, ids=ids: str(ids[m[1]]), route)
            urls.append((name, "/" + url))
    return urls


def test_a_read_only_role_sees_no_edit_form_link_or_button(agent_world):
    client = Client()
    client.force_login(agent_world.agent)
    shown: dict[str, _Targets] = {}
    refused: set[str] = set()
    for name, url in _urls(agent_world):
        response = client.get(url)
        if response.status_code == 403:
            refused.add(name)
        elif response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            targets = _Targets(url)
            targets.feed(response.content.decode())
            shown[url] = targets
    # The edit forms are refused outright rather than shown with a POST that does nothing.
    assert {
        "customers:account-create",
        "customers:account-edit",
        "customers:related-create",
        "customers:related-edit",
        "customers:cost-entry-edit",
        "analytics:health-weights",
    } <= refused
    offending = []
    for url, targets in shown.items():
        for post in targets.posts:
            if _route_name(post) not in OWN_WRITES:
                offending.append(f"{url}: a form posts to {post}")
        for link in targets.links:
            if _route_name(link) in refused:
                offending.append(f"{url}: a link to {link}")
    assert "/" in shown
    assert f"/accounts/{agent_world.ids['account_id']}/" in shown
    assert not offending, "\n".join(sorted(set(offending)))
