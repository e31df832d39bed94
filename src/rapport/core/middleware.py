"""Every page needs a signed-in user except login, health and static files.

The API authenticates with its own tokens (see rapport.api.auth), so it is exempt here and
answers 401 by itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

PUBLIC_PREFIXES = ("/login/", "/healthz", "/api/", "/" + settings.STATIC_URL.lstrip("/"))


class LoginRequiredEverywhereMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
