"""Sample notifications: the demo manager's inbox (some read), a webhook endpoint of the
Enterprise team with a delivery log (sent, retried then sent, given up), and a few e-mails sent.
Nothing is left due, so the demo's worker has no sample delivery to try."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from rapport.core.models import Team, User
from rapport.notifications.models import (
    DeliveryStatus,
    EmailAttempt,
    EmailDelivery,
    Notification,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from rapport.notifications.signing import new_secret

DEMO_ENDPOINT = "https://hooks.example.com/rapport/events"
REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _inbox(user: User, team: Team, now: datetime, rng: random.Random) -> list[Notification]:
    lines = [
        ("report.ready", "Monthly portfolio report is ready", "/portfolio/health/", True),
        ("digest", "Three accounts moved to amber this week", "/portfolio/health/", False),
        ("webhook.test", "Webhook endpoint added for Enterprise", "/webhooks/", True),
        ("import.finished", "Your feedback import finished", "/feedback/imports/", True),
        ("digest", "Two commitments fall due this week", "/", False),
    ]
    rows = []
    for i, (kind, subject, link, read) in enumerate(lines):
        created = now - timedelta(hours=6 + 19 * i + rng.randint(0, 5))
        rows.append(
            Notification(
                recipient=user,
                team=team,
                kind=kind,
                subject=subject,
                body="",
                link=link,
                created_at=created,
                read_at=created + timedelta(hours=2) if read else None,
            )
        )
    return Notification.objects.bulk_create(rows)


def load_notifications(*, seed: int, demo_username: str, now: datetime | None = None) -> None:
    rng = random.Random(seed * 7919 + 12)
    now = now or timezone.now()
    user = User.objects.get(username=demo_username)
    team = Team.objects.get(slug="enterprise")
    lines = _inbox(user, team, now, rng)
    endpoint = WebhookEndpoint.objects.create(
        team=team,
        url=DEMO_ENDPOINT,
        description="The service desk's automation (sample)",
        secret=new_secret(),
        events=["webhook.test"],
        created_by=user,
        created_at=now - timedelta(days=20),
    )
    worker = "demo-worker"
    outcomes = [(200,)] * 6 + [(500, 200), (503, 502, 502, 504, 503, 503)]
    for i, codes in enumerate(outcomes):
        queued = now - timedelta(days=18 - 2 * i, minutes=rng.randint(0, 600))
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="webhook.test",
            payload={"message": "A test event from Rapport.", "n": i + 1},
            created_at=queued,
        )
        at, attempts = queued, []
        for number, code in enumerate(codes, start=1):
            failed = code >= 300
            last = number == len(codes)
            wait = (1, 5, 30, 120, 720)[number - 1] if failed and not last else None
            attempts.append(
                WebhookAttempt(
                    delivery=delivery,
                    at=at,
                    worker=worker,
                    response_code=code,
                    error=f"HTTP {code}: {REASONS[code]}" if failed else "",
                    next_try_at=at + timedelta(minutes=wait) if wait else None,
                )
            )
            at = at + timedelta(minutes=wait or 0, seconds=1)
        WebhookAttempt.objects.bulk_create(attempts)
        given_up = codes[-1] >= 300
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED if given_up else DeliveryStatus.SENT,
            attempts=len(codes),
            response_code=codes[-1],
            last_error=attempts[-1].error,
            sent_at=None if given_up else attempts[-1].at,
        )
    for line in lines[:3]:
        sent_at = line.created_at + timedelta(seconds=3)
        email = EmailDelivery.objects.create(
            team=team,
            notification=line,
            to=[user.email],
            subject=line.subject,
            body=line.subject,
            reason=line.kind,
            status=DeliveryStatus.SENT,
            attempts=1,
            created_at=line.created_at,
            sent_at=sent_at,
        )
        EmailAttempt.objects.create(delivery=email, at=sent_at, worker=worker, ok=True)
