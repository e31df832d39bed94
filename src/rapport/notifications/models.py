"""The in-app inbox, e-mail and signed webhooks: what is told to whom, and how it went.

E-mail and webhook deliveries are due work (`core.claims.DueWork`, decision 76): a worker claims
a row, sends it, and marks it sent in the UPDATE that ends its claim; a failure sets the next
try by the backoff schedule (`services.BACKOFF_MINUTES`) until the attempts run out.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rapport.core.claims import DueWork
from rapport.core.constraints import ConstrainedModel
from rapport.core.models import Team


class Notification(ConstrainedModel):
    """One line of a person's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=60)  # e.g. "action.assigned", "alert.opened"
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    link = models.CharField(max_length=500, blank=True, default="")  # a path inside Rapport
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Two notify() calls with one key add one unread line per recipient (e.g. one per open alert).
    dedupe_key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created"),
            # The unread count in the navigation of every page: one index-only range.
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notif_unread",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=Q(read_at__isnull=True) & ~Q(dedupe_key=""),
                name="notif_one_unread_per_key",
                violation_error_message="An unread notification with this key exists.",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class EmailMode(models.TextChoices):
    IMMEDIATELY = "immediately", "Immediately"
    OFF = "off", "Off (inbox only)"


class NotificationPreference(models.Model):
    """A user's choice of e-mail for their notifications; no row means immediately."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(
        max_length=20, choices=EmailMode.choices, default=EmailMode.IMMEDIATELY
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: e-mail {self.email}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # waiting for its first try or a retry (next_due_at)
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # gave up after the last retry


class EmailDelivery(DueWork):
    """An e-mail to send: to users (a notification) or to people who are not (report recipients,
    customer contacts)."""

    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    to = models.JSONField(default=list)  # addresses
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True, default="")
    reason = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"], name="email_team_created")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def message_id(self) -> str:
        """The same on every try, so a receiver (and the tests) can count repeats."""
        return f"<delivery-{self.pk}@rapport>"


class EmailAttachment(models.Model):
    """A file sent with an e-mail, kept in the database with it (report PDFs of a few MB)."""

    delivery = models.ForeignKey(
        EmailDelivery, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=200)
    mimetype = models.CharField(max_length=100)
    content = models.BinaryField()
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class EmailAttempt(models.Model):
    """One try at sending an e-mail."""

    delivery = models.ForeignKey(EmailDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=100, blank=True, default="")
    ok = models.BooleanField()
    error = models.TextField(blank=True, default="")
    # When the next try was set for after this one (None: sent, or given up).
    next_try_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at:%Y-%m-%d %H:%M:%S}"


class WebhookEndpoint(ConstrainedModel):
    """A team's receiver of signed event POSTs."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True, default="")
    # HMAC-SHA256 key: kept as written (signing needs it), shown to people once, at creation.
    secret = models.CharField(max_length=100)
    events = models.JSONField(default=list)  # names from notifications.events.WEBHOOK_EVENTS
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["team", "url", "id"]
        indexes = [models.Index(fields=["team", "active"], name="webhook_team_active")]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(DueWork):
    """One event to POST to one endpoint, with retries."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One POST of a webhook delivery: the answer's status code, or the error."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=100, blank=True, default="")
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # When the next try was set for after this one (None: sent, or given up).
    next_try_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at:%Y-%m-%d %H:%M:%S}"
