"""While the database does not answer, pages answer a 503 page in the app's shell and the API a
503 JSON, with Retry-After: never a 500 and never a page that needs the database to render."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.db import OperationalError, connection
from django.test import Client


@contextmanager
def database_down() -> Iterator[None]:
    """Every query inside fails as it does when PostgreSQL is stopped."""
    refused = OperationalError("connection to server at 127.0.0.1, port 5432 failed: refused")
    with mock.patch.object(connection, "ensure_connection", side_effect=refused):
        yield


def _signed_in(world, **headers: str) -> Client:
    client = Client(raise_request_exception=False, **headers)
    client.force_login(world.user)
    return client


def _assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert '<header class="topbar">' in body  # the app's shell
    assert "The database does not answer" in body


def test_pages_with_a_session_answer_503_in_the_shell(world):
    client = _signed_in(world)
    for path in ("/", f"/accounts/{world.account.pk}/", "/feedback/imports/"):
        with database_down():
            _assert_unavailable_page(client.get(path))


def test_signing_in_answers_503(world):
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.post("/login/", {"username": "alice", "password": "whatever"})
    _assert_unavailable_page(response)


def test_the_api_with_a_token_answers_503_json(world, api_token):
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {api_token}"})
    with database_down():
        response = client.get("/api/v1/imports")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"detail": "The database is unavailable; try again shortly."}


def test_other_errors_stay_500(world):  # the handler tells a database error from a bug
    client = _signed_in(world)
    with mock.patch("rapport.feedback.views.selectors.imports_for", side_effect=ValueError("bug")):
        response = client.get("/feedback/imports/")
    assert response.status_code == 500
