"""Navigation (issue 11): Health & risk and customer types in the top bar beside the phone's
Menu button; a change-password page in the shell, linked from the user menu and audited; a
way back to Rapport from the API docs."""

from __future__ import annotations

import re

from django.contrib.auth import SESSION_KEY
from django.test import Client

from rapport.core.models import AuditEvent, User


def _nav(body: str) -> str:
    return re.search(r'<nav aria-label="Main" id="main-nav">(.*?)</nav>', body, re.S)[1]


def test_health_and_customer_types_are_in_the_top_navigation(user_client):
    body = user_client.get("/").content.decode()
    nav = _nav(body)
    assert '<a href="/portfolio/health/"' in nav
    assert ">Health &amp; risk</a>" in nav
    assert '<a href="/portfolio/types/"' in nav
    assert 'class="menu-toggle"' in body  # the phone's Menu button stays
    current = _nav(user_client.get("/portfolio/health/").content.decode())
    assert '<a href="/portfolio/health/" aria-current="page">' in current


def test_a_password_is_changed_in_the_shell_and_audited(world):
    world.user.set_password("old secret phrase 1")
    world.user.save()
    client = Client()
    client.force_login(world.user)
    page = client.get("/").content.decode()
    assert 'href="/password/"' in page.split('<div class="who">')[1]
    form = client.get("/password/").content.decode()
    assert 'id="main-nav"' in form
    response = client.post(
        "/password/",
        {
            "old_password": "old secret phrase 1",
            "new_password1": "a new long passphrase 7",
            "new_password2": "a new long passphrase 7",
        },
    )
    assert response.status_code == 302
    stored = User.objects.get(pk=world.user.pk)
    assert stored.check_password("a new long passphrase 7")
    event = AuditEvent.objects.get(object_type="core.user", object_id=str(world.user.pk))
    assert (event.action, event.changed_fields, event.actor_id) == (
        "update",
        ["password"],
        world.user.pk,
    )
    assert int(client.session[SESSION_KEY]) == world.user.pk  # still signed in
    assert client.get("/").status_code == 200


def test_a_wrong_old_password_changes_nothing(world):
    world.user.set_password("old secret phrase 1")
    world.user.save()
    client = Client()
    client.force_login(world.user)
    response = client.post(
        "/password/",
        {
            "old_password": "not it",
            "new_password1": "a new long passphrase 7",
            "new_password2": "a new long passphrase 7",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    assert User.objects.get(pk=world.user.pk).check_password("old secret phrase 1")
    assert not AuditEvent.objects.filter(object_type="core.user").exists()


def test_the_api_docs_lead_back_to_rapport(user_client):
    body = user_client.get("/api/v1/docs").content.decode()
    assert '<a href="/">← Back to Rapport</a>' in body
    assert 'id="swagger-ui"' in body
    assert '<html lang="en">' in body


def test_every_account_page_shows_the_same_tabs(world, user_client):
    pk = world.account.pk
    pages = [
        f"/accounts/{pk}/",
        f"/accounts/{pk}/analytics/",
        f"/accounts/{pk}/health/",
        f"/accounts/{pk}/swot/",
        f"/accounts/{pk}/themes/",  # the Analytics tab's themes, opened without HTMX
    ]
    tabs = {}
    for url in pages:
        body = user_client.get(url).content.decode()
        found = re.search(r'<nav class="tabs" aria-label="Account">(.*?)</nav>', body, re.S)
        assert found, url
        tabs[url] = found[1].replace(' aria-current="page"', "")
    assert len(set(tabs.values())) == 1, tabs
    assert all(label in tabs[pages[0]] for label in ("Overview", "Analytics", "SWOT"))
