"""The inbox, notification settings, and the webhook endpoints of the teams one manages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from rapport.core.models import User
from rapport.notifications import selectors, services
from rapport.notifications.events import event_choices
from rapport.notifications.forms import EndpointForm
from rapport.notifications.models import (
    EmailMode,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the middleware signs every page request in
    return request.user


def inbox_page(request: HttpRequest) -> HttpResponse:
    kinds = selectors.inbox_kinds(user=request.user)
    kind = request.GET.get("kind", "")
    if kind and kind not in kinds:
        kind = ""
    unread = request.GET.get("unread") == "1"
    rows = selectors.inbox(user=request.user, kind=kind, unread=unread)
    page = Paginator(rows, settings.RAPPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "kinds": kinds,
        "kind": kind,
        "unread": unread,
        "unread_total": selectors.unread_count(user=request.user),
        "can_manage_webhooks": _can_manage_any(request),
    }
    return render(request, "notifications/inbox.html", context)


def _get_own(request: HttpRequest, notification_id: int) -> Notification:
    try:
        return selectors.get_notification(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist as missing:
        raise Http404("No such notification.") from missing


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@require_POST
def read_one(request: HttpRequest, notification_id: int) -> HttpResponse:
    services.mark_read(actor=request.user, notification=_get_own(request, notification_id))
    return _back(request)


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(actor=request.user, kind=request.POST.get("kind", ""))
    messages.success(request, f"{count} marked read.")
    return _back(request)


@require_POST
def open_one(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark read and go to what the notification is about."""
    notification = _get_own(request, notification_id)
    services.mark_read(actor=request.user, notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:inbox")


def settings_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        try:
            services.set_email_mode(actor=user, email=request.POST.get("email", ""))
        except Exception as error:
            messages.error(request, f"Not saved: {error}")
        else:
            messages.success(request, "Notification settings saved.")
            return redirect("notifications:settings")
    preference = NotificationPreference.objects.filter(user=user).first()
    context = {
        "modes": EmailMode.choices,
        "current": preference.email if preference else EmailMode.IMMEDIATELY,
        "address": user.email,
    }
    return render(request, "notifications/settings.html", context)


# --- webhooks -------------------------------------------------------------------------------

_SHOW_ONCE = "notifications.show-once.{}"  # the session holds a new secret until it is shown once


def _can_manage_any(request: HttpRequest) -> bool:
    teams = selectors.managed_team_ids(request.user)
    return teams is None or bool(teams)


def _endpoint(request: HttpRequest, endpoint_id: int) -> WebhookEndpoint:
    try:
        return selectors.get_endpoint(user=request.user, endpoint_id=endpoint_id)
    except WebhookEndpoint.DoesNotExist as missing:
        raise Http404("No such webhook endpoint.") from missing


def webhooks_page(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.endpoints_with_counts(user=request.user))
    context = {"endpoints": rows, "can_manage": _can_manage_any(request)}
    return render(request, "notifications/webhooks.html", context)


def endpoint_create(request: HttpRequest) -> HttpResponse:
    if not _can_manage_any(request):
        raise PermissionDenied("Only managers and administrators add webhook endpoints.")
    form = EndpointForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint = services.create_endpoint(
                actor=request.user,
                team=data["team"],
                url=data["url"],
                events=data["events"],
                description=data["description"],
                active=data["active"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[_SHOW_ONCE.format(endpoint.pk)] = endpoint.secret
            messages.success(request, "Webhook endpoint added.")
            return redirect("notifications:webhook", endpoint_id=endpoint.pk)
    return render(request, "notifications/endpoint_form.html", {"form": form, "endpoint": None})


def endpoint_edit(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "active": endpoint.active,
    }
    form = EndpointForm(request.POST or None, initial=initial, actor=request.user, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_endpoint(
                actor=request.user,
                endpoint=endpoint,
                url=data["url"],
                events=data["events"],
                description=data["description"],
                active=data["active"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Webhook endpoint saved.")
            return redirect("notifications:webhook", endpoint_id=endpoint.pk)
    context = {"form": form, "endpoint": endpoint}
    return render(request, "notifications/endpoint_form.html", context)


def endpoint_page(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    deliveries = selectors.deliveries(endpoint=endpoint).prefetch_related("log")
    page = Paginator(deliveries, settings.RAPPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "secret": request.session.pop(_SHOW_ONCE.format(endpoint.pk), None),
        "page": page,
        "events": dict(event_choices()),
    }
    return render(request, "notifications/endpoint.html", context)


@require_POST
def endpoint_test(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    services.send_test_event(actor=request.user, endpoint=endpoint)
    messages.success(request, "Test event queued: it is sent within a few seconds.")
    return redirect("notifications:webhook", endpoint_id=endpoint.pk)


@require_POST
def endpoint_rotate(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    request.session[_SHOW_ONCE.format(endpoint.pk)] = services.rotate_secret(
        actor=request.user, endpoint=endpoint
    )
    messages.success(request, "New secret made; the old one no longer signs.")
    return redirect("notifications:webhook", endpoint_id=endpoint.pk)


@require_POST
def endpoint_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    services.delete_endpoint(actor=request.user, endpoint=endpoint)
    messages.success(request, "Webhook endpoint deleted with its delivery log.")
    return redirect("notifications:webhooks")
