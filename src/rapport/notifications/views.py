"""The inbox, notification settings, and the webhook endpoints of the teams one manages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from rapport.core.models import User
from rapport.notifications import selectors, services
from rapport.notifications.models import EmailMode, Notification, NotificationPreference


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
