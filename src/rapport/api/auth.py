"""API authentication: personal bearer tokens, or the browser session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from rapport.api.services import user_for_token


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """Signed-in browser users (the docs page, HTMX) use the API with their session."""
