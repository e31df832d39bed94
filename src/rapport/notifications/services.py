"""Every write of the notifications app: the inbox, queued e-mails and webhooks, and their
delivery by the worker (`deliver_due`, decision 76)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from rapport.core.access import Actor, Capability, require
from rapport.core.claims import claim_due, finish_claim
from rapport.core.models import AuditAction, Team, User
from rapport.core.services import create_audited, delete_audited, record_audit, update_audited
from rapport.core.workers import WORKER_ID
from rapport.notifications.events import TEST_EVENT, is_registered
from rapport.notifications.models import (
    DeliveryStatus,
    EmailAttachment,
    EmailAttempt,
    EmailDelivery,
    EmailMode,
    Notification,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from rapport.notifications.signing import new_secret, signature
from rapport.notifications.targets import UnsafeTarget, check_url

log = logging.getLogger("rapport.notifications")

# Minutes before each retry; after the last one the delivery is given up (status failed).
BACKOFF_MINUTES: tuple[int, ...] = (1, 5, 30, 120, 720)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
# Rows claimed at a time: small, so a slow receiver cannot make the later rows of a claim
# outlive their lease, and so that several workers share a queue.
CLAIM_BATCH = 10
LEASE = timedelta(minutes=5)
# A row whose lease ends sooner than this is released unsent rather than risk a second worker
# claiming it while it is being sent.
LEASE_MARGIN = timedelta(seconds=60)
EMAIL_TIMEOUT_SECONDS = 30
WEBHOOK_FAILED = "webhook.failed"  # the kind of the inbox line when a delivery is given up
MAX_ATTACHMENTS_BYTES = 20 * 1024 * 1024


def absolute_url(link: str) -> str:
    """A path inside Rapport as an address an e-mail can carry."""
    if not link:
        return ""
    if link.startswith(("http://", "https://")):
        return link
    return settings.RAPPORT_BASE_URL.rstrip("/") + "/" + link.lstrip("/")


# --- the inbox ------------------------------------------------------------------------------


def email_modes(user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's e-mail preference (immediately when they never chose)."""
    ids = list(user_ids)
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids).values_list("user_id", "email")
    )
    return {pk: chosen.get(pk, EmailMode.IMMEDIATELY) for pk in ids}


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: str,
    body: str,
    link: str,
    team: Team | None,
    email: bool = True,
    event: str | None = None,
    payload: dict[str, Any] | None = None,
    dedupe_key: str = "",
) -> list[Notification]:
    """Tell people something: one inbox line per recipient (none for a recipient who still has
    an unread line with the same `dedupe_key`), an e-mail to each who has an address and has not
    turned e-mail off (when `email`), and a signed webhook to each active endpoint of `team`
    subscribed to `event`. When a `dedupe_key` suppressed every line, nothing new happened and
    no webhook is queued either. Returns the lines added."""
    if event is not None and not is_registered(event):
        # No endpoint can subscribe to it, so it reaches none; said loudly in the log rather
        # than failing the caller's write (an action opened, an alert raised).
        log.warning(
            "webhook event %r is not registered (notifications.events.register_event in the "
            "sending app's registrations); no endpoint receives it",
            event,
        )
    people: dict[int, User] = {}
    for user in recipients:
        if user.is_active and user.pk not in people:
            people[user.pk] = user
    now = timezone.now()
    created: list[Notification] = []
    with transaction.atomic():
        already: set[int] = set()
        if dedupe_key and people:
            already = set(
                Notification.objects.filter(
                    recipient_id__in=people, dedupe_key=dedupe_key, read_at__isnull=True
                ).values_list("recipient_id", flat=True)
            )
        for pk, user in people.items():
            if pk in already:
                continue
            try:
                with transaction.atomic():  # a concurrent notify() with the same key wins
                    created.append(
                        Notification.objects.create(
                            recipient=user,
                            team=team,
                            kind=kind[:60],
                            subject=subject[:200],
                            body=body,
                            link=link,
                            created_at=now,
                            dedupe_key=dedupe_key[:200],
                        )
                    )
            except IntegrityError:
                continue
        if email and created:
            modes = email_modes(n.recipient_id for n in created)
            url = absolute_url(link)
            for line in created:
                address = line.recipient.email
                if not address or modes[line.recipient_id] == EmailMode.OFF:
                    continue
                EmailDelivery.objects.create(
                    team=team,
                    notification=line,
                    to=[address],
                    subject=_one_line(subject)[:300],
                    body=_notification_text(body=body, url=url),
                    reason=kind[:200],
                    next_due_at=now,
                    created_at=now,
                )
        suppressed = bool(dedupe_key) and bool(people) and not created
        if event is not None and team is not None and not suppressed:
            queue_webhooks(
                team=team,
                event=event,
                payload=payload
                if payload is not None
                else {
                    "kind": kind,
                    "subject": subject,
                    "body": body,
                    "link": absolute_url(link),
                },
            )
    return created


def _one_line(text: str) -> str:
    """A header may not hold a line break (Django refuses to send it)."""
    return " ".join(text.split())


def _notification_text(*, body: str, url: str) -> str:
    settings_url = absolute_url("/inbox/settings/")
    parts = [body.rstrip()]
    if url:
        parts.append(f"Open in Rapport: {url}")
    parts.append(
        "—\nRapport sends you these e-mails as they happen; "
        f"turn them off under Notification settings: {settings_url}"
    )
    return "\n\n".join(part for part in parts if part)


def mark_read(*, actor: Actor, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (others' are not found: 404)."""
    if notification.recipient_id != actor.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, actor: Actor, kind: str = "") -> int:
    """Mark every unread notification of the actor read (of one kind when given)."""
    unread = Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def set_email_mode(*, actor: User, email: str, via: str = "web") -> NotificationPreference:
    if email not in EmailMode.values:
        raise ValidationError({"email": f"must be one of {', '.join(EmailMode.values)}"})
    preference, created = NotificationPreference.objects.get_or_create(
        user=actor, defaults={"email": email}
    )
    if not created and preference.email != email:
        preference.email = email
        preference.save(update_fields=["email", "updated_at"])
    elif not created:
        return preference
    record_audit(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=preference,
        changed_fields=["email"],
        via=via,
    )
    return preference


# --- e-mail to anyone -----------------------------------------------------------------------


def queue_email(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    team: Team | None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    reason: str = "",
    html: str | None = None,
) -> EmailDelivery:
    """Queue an e-mail for the worker (people who are not users: customer contacts, report
    recipients); retried with backoff like every delivery."""
    addresses = [address.strip() for address in to if address and address.strip()]
    if not addresses:
        raise ValidationError({"to": "needs at least one address"})
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValidationError({"to": f"{address!r} is not an e-mail address"}) from error
    if not subject.strip():
        raise ValidationError({"subject": "must not be empty"})
    total = 0
    for name, content, mimetype in attachments:
        if not name or "/" not in mimetype:
            raise ValidationError({"attachments": "each needs a file name and a MIME type"})
        total += len(content)
    if total > MAX_ATTACHMENTS_BYTES:
        raise ValidationError(
            {"attachments": f"together exceed {MAX_ATTACHMENTS_BYTES // (1024 * 1024)} MB"}
        )
    now = timezone.now()
    with transaction.atomic():
        delivery = EmailDelivery.objects.create(
            team=team,
            to=addresses,
            subject=_one_line(subject)[:300],
            body=body,
            html=html or "",
            reason=reason[:200],
            next_due_at=now,
            created_at=now,
        )
        EmailAttachment.objects.bulk_create(
            EmailAttachment(
                delivery=delivery,
                filename=name[:200],
                mimetype=mimetype[:100],
                content=content,
                size=len(content),
            )
            for name, content, mimetype in attachments
        )
    return delivery


# --- webhooks -------------------------------------------------------------------------------


def queue_webhooks(*, team: Team, event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """One delivery to each active endpoint of the team subscribed to the event."""
    now = timezone.now()
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(team=team, active=True)
        if event in endpoint.events
    ]
    return [
        WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, payload=payload, next_due_at=now, created_at=now
        )
        for endpoint in endpoints
    ]


def _clean_endpoint_fields(url: str, events: Sequence[str]) -> list[str]:
    try:
        check_url(url)
    except UnsafeTarget as error:
        raise ValidationError({"url": str(error)}) from error
    unknown = [name for name in events if not is_registered(name)]
    if unknown:
        raise ValidationError({"events": f"unknown events: {', '.join(unknown)}"})
    return list(dict.fromkeys(events))


@transaction.atomic
def create_endpoint(
    *,
    actor: Actor,
    team: Team,
    url: str,
    events: Sequence[str],
    description: str = "",
    active: bool = True,
    via: str = "web",
) -> WebhookEndpoint:
    """A new endpoint with a new secret (shown to its creator once)."""
    require(actor, Capability.MANAGE_WEBHOOKS, team.pk)
    fields = {
        "team": team,
        "url": url,
        "events": _clean_endpoint_fields(url, events),
        "description": description,
        "active": active,
        "secret": new_secret(),
        "created_by": actor if isinstance(actor, User) else None,
    }
    return create_audited(
        actor=actor, model=WebhookEndpoint, fields=fields, team_id=team.pk, via=via
    )


@transaction.atomic
def update_endpoint(
    *,
    actor: Actor,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
    via: str = "web",
) -> list[str]:
    require(actor, Capability.MANAGE_WEBHOOKS, endpoint.team_id)
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = url
    if events is not None:
        changes["events"] = list(events)
    if url is not None or events is not None:
        changes["events"] = _clean_endpoint_fields(
            url if url is not None else endpoint.url,
            events if events is not None else endpoint.events,
        )
    if description is not None:
        changes["description"] = description
    if active is not None:
        changes["active"] = active
    return update_audited(
        actor=actor, instance=endpoint, changes=changes, team_id=endpoint.team_id, via=via
    )


@transaction.atomic
def rotate_secret(*, actor: Actor, endpoint: WebhookEndpoint, via: str = "web") -> str:
    """A new secret for the endpoint, returned once."""
    require(actor, Capability.MANAGE_WEBHOOKS, endpoint.team_id)
    secret = new_secret()
    update_audited(
        actor=actor,
        instance=endpoint,
        changes={"secret": secret},
        team_id=endpoint.team_id,
        via=via,
    )
    return secret


@transaction.atomic
def delete_endpoint(*, actor: Actor, endpoint: WebhookEndpoint, via: str = "web") -> None:
    require(actor, Capability.MANAGE_WEBHOOKS, endpoint.team_id)
    delete_audited(actor=actor, instance=endpoint, team_id=endpoint.team_id, via=via)


@transaction.atomic
def send_test_event(
    *, actor: Actor, endpoint: WebhookEndpoint, via: str = "web"
) -> WebhookDelivery:
    """Queue a `webhook.test` delivery to this endpoint, whatever it subscribes to."""
    require(actor, Capability.MANAGE_WEBHOOKS, endpoint.team_id)
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=TEST_EVENT,
        payload={
            "message": "A test event from Rapport.",
            "sent_by": actor.get_username(),
            "endpoint": endpoint.pk,
        },
        next_due_at=now,
        created_at=now,
    )
    record_audit(
        actor=actor,
        action=AuditAction.CREATE,
        instance=delivery,
        changed_fields=["event", "payload"],
        team_id=endpoint.team_id,
        via=via,
        detail="test event",
    )
    return delivery


# --- delivery by the worker -----------------------------------------------------------------


def next_try(*, attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries; None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + timedelta(minutes=BACKOFF_MINUTES[attempts - 1])


def deliver_due(*, limit: int = 100) -> int:
    """Claim and send due e-mails and webhooks, up to `limit` of them; returns how many were
    tried. Registered in PERIODIC and run every few seconds by the worker (decision 91)."""
    tried = 0
    while tried < limit:
        batch = min(CLAIM_BATCH, limit - tried)
        # One commit for the batch's claims: each UPDATE still takes its row only if it is due
        # and free (another worker's UPDATE of the same row waits for this commit, then finds
        # it taken), and nothing is sent before the claims are committed.
        with transaction.atomic():
            emails = claim_due(EmailDelivery.objects.all(), limit=batch, lease=LEASE)
        with transaction.atomic():
            hooks = claim_due(WebhookDelivery.objects.all(), limit=batch, lease=LEASE)
        if not emails and not hooks:
            break
        if emails:
            _send_emails(emails)
        if hooks:
            _send_webhooks(hooks)
        tried += len(emails) + len(hooks)
    return tried


def _lease_short(row: EmailDelivery | WebhookDelivery, now: datetime) -> bool:
    return row.claimed_until is None or row.claimed_until - now < LEASE_MARGIN


def _release(row: EmailDelivery | WebhookDelivery) -> None:
    finish_claim(row, next_due_at=row.next_due_at)


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _attempt_outcome(
    *, attempts: int, error: str | None, now: datetime
) -> tuple[datetime | None, dict[str, Any]]:
    """When a delivery is due again (None: never) and the fields its attempt sets: sent, queued
    for a retry with backoff, or given up."""
    if error is None:
        return None, {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": ""}
    later = next_try(attempts=attempts, now=now)
    status = DeliveryStatus.QUEUED if later else DeliveryStatus.FAILED
    return later, {"status": status, "last_error": error}


def _finish_email(row: EmailDelivery, *, error: str | None) -> None:
    now = timezone.now()
    attempts = row.attempts + 1
    later, fields = _attempt_outcome(attempts=attempts, error=error, now=now)
    with transaction.atomic():
        # Marked sent in the UPDATE that ends the claim (decision 76).
        held = finish_claim(row, next_due_at=later, attempts=F("attempts") + 1, **fields)
        EmailAttempt.objects.create(
            delivery=row,
            at=now,
            worker=WORKER_ID[:100],
            ok=error is None,
            error=error or "",
            next_try_at=later,
        )
    if not held:
        log.warning("e-mail %s: the claim ran out before it was finished", row.pk)


def _message(
    row: EmailDelivery, connection: Any, attachments: dict[int, list[EmailAttachment]]
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(row.to),
        headers={"Message-ID": row.message_id},
        connection=connection,
    )
    if row.html:
        message.attach_alternative(row.html, "text/html")
    for attachment in attachments.get(row.pk, ()):
        message.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    return message


def _send_emails(rows: list[EmailDelivery]) -> None:
    """Send over one connection; each row's outcome ends its own claim."""
    try:
        connection = get_connection(timeout=EMAIL_TIMEOUT_SECONDS)
        connection.open()
    except Exception as error:
        for row in rows:
            _finish_email(row, error=_error_text(error))
        return
    attachments: dict[int, list[EmailAttachment]] = {}
    for attachment in EmailAttachment.objects.filter(delivery__in=rows).order_by("id"):
        attachments.setdefault(attachment.delivery_id, []).append(attachment)
    try:
        for row in rows:
            if _lease_short(row, timezone.now()):
                _release(row)
                continue
            try:
                _message(row, connection, attachments).send()
            except Exception as error:
                _finish_email(row, error=_error_text(error))
            else:
                _finish_email(row, error=None)
    finally:
        try:
            connection.close()
        except Exception:
            log.warning("e-mail: closing the connection failed", exc_info=True)


def webhook_body(row: WebhookDelivery) -> bytes:
    """What is posted: the same bytes on every try of the delivery."""
    envelope = {
        "id": row.pk,
        "event": row.event,
        "created_at": row.created_at.isoformat(),
        "data": row.payload,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def _finish_webhook(row: WebhookDelivery, *, code: int | None, error: str | None) -> None:
    now = timezone.now()
    attempts = row.attempts + 1
    later, fields = _attempt_outcome(attempts=attempts, error=error, now=now)
    with transaction.atomic():
        held = finish_claim(
            row, next_due_at=later, attempts=F("attempts") + 1, response_code=code, **fields
        )
        WebhookAttempt.objects.create(
            delivery=row,
            at=now,
            worker=WORKER_ID[:100],
            response_code=code,
            error=error or "",
            next_try_at=later,
        )
    if not held:
        log.warning("webhook %s: the claim ran out before it was finished", row.pk)
    elif error is not None and later is None:
        _tell_endpoint_owner(row, error=error)


def _tell_endpoint_owner(row: WebhookDelivery, *, error: str) -> None:
    """A delivery given up is worth a line in the inbox of whoever added the endpoint (one
    unread line per endpoint, however many deliveries fail)."""
    endpoint = (
        WebhookEndpoint.objects.select_related("created_by", "team")
        .filter(pk=row.endpoint_id)
        .first()
    )
    if endpoint is None or endpoint.created_by is None:
        return
    notify(
        recipients=[endpoint.created_by],
        kind=WEBHOOK_FAILED,
        subject=f"A webhook to {endpoint.url} was given up",
        body=(
            f"Delivery {row.pk} ({row.event}) failed {MAX_ATTEMPTS} times; the last error: "
            f"{error[:300]}"
        ),
        link=f"/webhooks/{endpoint.pk}/",
        team=endpoint.team,
        dedupe_key=f"{WEBHOOK_FAILED}:{endpoint.pk}",
    )


def _send_webhooks(rows: list[WebhookDelivery]) -> None:
    endpoints = WebhookEndpoint.objects.in_bulk({row.endpoint_id for row in rows})
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: the target is checked
        for row in rows:
            if _lease_short(row, timezone.now()):
                _release(row)
                continue
            endpoint = endpoints.get(row.endpoint_id)
            if endpoint is None or not endpoint.active:
                _finish_webhook(row, code=None, error="the endpoint was deactivated")
                continue
            code, error = post_webhook(session, endpoint=endpoint, row=row)
            _finish_webhook(row, code=code, error=error)


def post_webhook(
    session: requests.Session, *, endpoint: WebhookEndpoint, row: WebhookDelivery
) -> tuple[int | None, str | None]:
    """POST one delivery; (status code, error or None when the receiver answered 2xx)."""
    try:
        check_url(endpoint.url)
    except UnsafeTarget as error:
        return None, f"refused: {endpoint.url} {error}"
    body = webhook_body(row)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Rapport-Webhooks/1",
        "X-Rapport-Event": row.event,
        "X-Rapport-Delivery": str(row.pk),
        "X-Rapport-Timestamp": timestamp,
        "X-Rapport-Signature": signature(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    try:
        response = session.post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=settings.RAPPORT_WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        return None, _error_text(error)
    code = response.status_code
    if 200 <= code < 300:
        return code, None
    if 300 <= code < 400:
        where = response.headers.get("Location", "")
        return code, f"redirect to {where!r} not followed"[:2000]
    return code, f"HTTP {code}: {response.text[:500]}"
