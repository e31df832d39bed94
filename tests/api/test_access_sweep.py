"""Every URL pattern and API route, as anonymous and as a user of another team: nothing leaks."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {"login/", "healthz", "logout/"}
# Parameters are filled with the ids of objects that belong to the *first* team.
SKIP_PREFIXES = ("admin/",)  # Django admin: staff-only, tested by Django itself


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _fill(route: str, ids: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        if match.group(1) == "slug":
            return "contacts"
        return str(ids.get(name, ids["pk"]))

    route = re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    return "/" + route.lstrip("^").rstrip("$")


@pytest.fixture
def routes(world):
    from rapport.feedback.models import ImportJob, ImportRowError
    from tests.factories import ContactFactory, ResponseFactory

    contact = ContactFactory(account=world.account)
    response = ResponseFactory(account=world.account, comment="Acme Foods were great")
    job = ImportJob.objects.create(
        created_by=world.user, file_name="acme.csv", file_path="", file_format="csv"
    )
    ImportRowError.objects.create(job=job, row_number=2, value="Acme Foods", reason="test")
    ids = {
        "account_id": world.account.pk,
        "pk": contact.pk,
        "token_id": 1,
        "job_id": job.pk,
        "import_id": job.pk,
        "response_id": response.pk,
    }
    # --- notifications ---
    from rapport.notifications.models import Notification, WebhookEndpoint

    ids["notification_id"] = Notification.objects.create(
        recipient=world.user, team=world.team, kind="k", subject="Acme Foods", link="/"
    ).pk
    ids["endpoint_id"] = WebhookEndpoint.objects.create(
        team=world.team, url="https://93.184.215.14/acme", secret="whsec_x", events=[]
    ).pk
    # --- alerts ---
    # The default rules are global: every team sees them, so an id that names one is not
    # another team's object. Without them a rule id here names nothing (404).
    from rapport.alerts.models import Rule

    Rule.objects.filter(is_default=True).delete()
    routes = []
    for route in _walk(get_resolver().url_patterns):
        if route.startswith(SKIP_PREFIXES) or route in PUBLIC or "static" in route:
            continue
        routes.append(_fill(route, ids))
    return sorted(set(routes))


def test_anonymous_gets_nothing(routes, db):
    client = Client()
    for url in routes:
        response = client.get(url)
        if url.startswith("/api/") and not url.endswith(("/docs", "openapi.json")):
            assert response.status_code in (401, 404, 405), url
        else:
            assert response.status_code in (302, 405), url
            if response.status_code == 302:
                assert response["Location"].startswith("/login/"), url


def test_other_team_gets_404_not_data(routes, world):
    client = Client()
    client.force_login(world.other_user)
    leaked = []
    for url in routes:
        if "{" in url:
            continue
        response = client.get(url)
        body = response.content.decode(errors="replace")
        if "Acme Foods" in body:
            leaked.append(url)
        if re.search(r"/\d+/", url) and "tokens" not in url:
            assert response.status_code in (404, 405), (url, response.status_code)
    assert not leaked


def test_api_list_routes_hide_other_teams(world, api_client):
    for path in (
        "accounts",
        "contacts",
        "commitments",
        "communications",
        "expectations",
        "stakeholders",
        "external-parties",
        "responses",
        "imports",
    ):
        body = api_client.get(f"/api/v1/{path}").json()
        assert "Borealis Bank" not in str(body), path
