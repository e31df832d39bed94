"""Admin views of notifications: read-only, for looking a delivery up; everything is written by
the services (the inbox, the worker, the webhook pages) so retries and audit stay right."""

from __future__ import annotations

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin
from rapport.notifications.models import (
    EmailAttachment,
    EmailAttempt,
    EmailDelivery,
    Notification,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "subject", "read_at")
    list_filter = ("kind",)
    search_fields = ("subject", "recipient__username", "dedupe_key")
    list_select_related = ("recipient",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "email", "updated_at")
    list_select_related = ("user",)


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "subject", "status", "attempts", "next_due_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("subject", "reason")


@admin.register(EmailAttachment)
class EmailAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("delivery", "filename", "mimetype", "size")
    exclude = ("content",)  # megabytes of bytes are no use on a page


@admin.register(EmailAttempt)
class EmailAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "delivery", "ok", "worker", "error")
    list_filter = ("ok",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "team", "active", "created_at")
    list_filter = ("active",)
    list_select_related = ("team",)
    exclude = ("secret",)  # shown once, to whoever created or rotated it


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "endpoint", "event", "status", "attempts", "response_code")
    list_filter = ("status", "event")
    list_select_related = ("endpoint",)


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "delivery", "response_code", "worker", "error")
