from __future__ import annotations

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# What a database that is down, restarting or unreachable raises on connecting or querying.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers a query, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# What the error pages say, by status: a title and what the person can do next.
ERROR_PAGES = {
    400: ("That address asks for something the page does not offer", "Check the address."),
    404: (
        "Page not found",
        "It may have moved, or it belongs to a team you are not in. Check the address.",
    ),
    500: (
        "Something went wrong on our side",
        "The error has been logged. Nothing was saved by the request that failed; try again.",
    ),
}


def _error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """The error inside the app's shell, with its navigation; JSON under /api/."""
    title, advice = ERROR_PAGES[status]
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message or title}, status=status)
    context = {"status": status, "title": title, "advice": advice, "message": message}
    try:
        return render(request, "core/error.html", context, status=status)
    except Exception:  # the shell itself failed: Django's plain page still answers
        logging.getLogger(__name__).exception("The error page could not be rendered")
        return defaults.server_error(request) if status == 500 else HttpResponse(status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: the message names the parameter and what it takes (core.query)."""
    return _error_page(request, 400, str(exception))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404. Our own Http404 messages ("No such account.") are shown; the resolver's
    (its list of patterns tried) is not."""
    message = exception.args[0] if exception.args and isinstance(exception.args[0], str) else ""
    return _error_page(request, 404, message)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. An unreachable database is a 503 (the app's shell, or JSON under /api/), so
    clients retry; rendered without the database: no user, no session, no context processors.
    Any other error is a 500 in the shell. Django calls this inside its `except`, so the
    exception is sys.exc_info()'s."""
    if not isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return _error_page(request, 500)
    response: HttpResponse
    if request.path.startswith("/api/"):
        detail = "The database is unavailable; try again shortly."
        response = JsonResponse({"detail": detail}, status=503)
    else:
        response = HttpResponse(render_to_string("core/unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableLogFilter(logging.Filter):
    """On django.request: a request refused because the database is down is one line with the
    reason, not a traceback per request while the outage lasts."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, DATABASE_UNAVAILABLE):
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            record.msg = f"{record.msg} (the database is unavailable: %s)"
            record.args = (*(record.args or ()), reason)
            record.exc_info = record.exc_text = None
        return True
