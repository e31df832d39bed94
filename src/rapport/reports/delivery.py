"""Delivering a run by e-mail with its PDF attached: one row per recipient, sent by the
worker (claimed due rows, retried with backoff), through Django's mail backends."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from rapport.core.claims import claim_due, finish_claim
from rapport.reports.document import for_audience
from rapport.reports.generation import document_for, ensure_outputs
from rapport.reports.models import (
    Audience,
    DeliveryStatus,
    Format,
    ReportDelivery,
    ReportRun,
    RunStatus,
)

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def queue_deliveries(run: ReportRun) -> int:
    """A delivery per recipient with an address (users; contacts for a customer-facing run).
    A run without e-mail among its formats is delivered as soon as it is approved."""
    snapshot = run.definition_snapshot
    if Format.EMAIL not in snapshot.get("formats", []):
        ReportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DELIVERED, delivered_at=timezone.now()
        )
        return 0
    from rapport.core.models import User
    from rapport.customers.models import Contact

    people = [
        (u.email, str(u))
        for u in User.objects.filter(pk__in=snapshot.get("recipients", []), is_active=True)
        if u.email
    ]
    if run.audience == Audience.CUSTOMER and run.account_id is not None:
        people += [
            (c.email, c.name)
            for c in Contact.objects.filter(
                pk__in=snapshot.get("contact_recipients", []), account_id=run.account_id
            )
            if c.email
        ]
    now = timezone.now()
    ReportDelivery.objects.bulk_create(
        ReportDelivery(run=run, to=address, recipient_label=label, next_due_at=now)
        for address, label in dict(people).items()
    )
    if not people:
        ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.DELIVERED, delivered_at=now)
    return len(people)


def email_body(run: ReportRun) -> str:
    """Plain text: the report's figures and recommendations, for the audience; the PDF holds
    the rest."""
    document = for_audience(document_for(run))
    lines = [
        document.title,
        document.subtitle,
        f"{document.period_start:%-d %B %Y} to {document.period_end:%-d %B %Y}",
        "",
    ]
    for section in document.sections:
        for block in section.blocks:
            if block.kind == "figures":
                lines.append(section.heading)
                for f in block.figures:
                    detail = f" ({f.detail})" if f.detail else ""
                    lines.append(f"- {f.label}: {f.shown}{detail}{'; ' + f.note if f.note else ''}")
                lines.append("")
            elif block.kind == "list" and section.key == "recommendations":
                lines.append("Recommendations")
                lines += [f"- {item}" for item in block.items]
                lines.append("")
    lines.append("The full report is attached as a PDF.")
    if run.audience != Audience.CUSTOMER:
        base = str(getattr(settings, "RAPPORT_BASE_URL", "") or "").rstrip("/")
        lines.append(f"On Rapport: {base}/reports/runs/{run.pk}/")
    return "\n".join(lines)


def send_one(delivery: ReportDelivery) -> None:
    run = ReportRun.objects.select_related("definition").get(pk=delivery.run_id)
    ensure_outputs(run)
    pdf = run.outputs.filter(format="pdf").first()
    document = document_for(run)
    message = EmailMessage(
        subject=(
            f"{document.title}: {document.period_start:%-d %b} to {document.period_end:%-d %b %Y}"
        ),
        body=email_body(run),
        to=[delivery.to],
    )
    if pdf is not None:
        message.attach(pdf.name, bytes(pdf.content), "application/pdf")
    message.send(fail_silently=False)


def deliver_due(*, limit: int = 50) -> int:
    """Periodic: send the due deliveries; a failure is retried after 2, 4, 8 … minutes, up to
    MAX_ATTEMPTS; a run whose deliveries are all sent is delivered."""
    deliveries = claim_due(
        ReportDelivery.objects.filter(status=DeliveryStatus.PENDING), limit=limit
    )
    runs = set()
    for delivery in deliveries:
        attempts = delivery.attempts + 1
        try:
            send_one(delivery)
        except Exception as error:
            logger.warning("report delivery %s failed: %s", delivery.pk, error)
            failed = attempts >= MAX_ATTEMPTS
            finish_claim(
                delivery,
                next_due_at=None if failed else timezone.now() + timedelta(minutes=2**attempts),
                attempts=attempts,
                last_error=str(error)[:500],
                status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
            )
        else:
            finish_claim(
                delivery,
                next_due_at=None,
                attempts=attempts,
                status=DeliveryStatus.SENT,
                sent_at=timezone.now(),
                last_error="",
            )
        runs.add(delivery.run_id)
    for run_id in runs:
        with transaction.atomic():
            pending = ReportDelivery.objects.filter(
                run_id=run_id, status=DeliveryStatus.PENDING
            ).exists()
            if not pending:
                ReportRun.objects.filter(pk=run_id, status=RunStatus.APPROVED).update(
                    status=RunStatus.DELIVERED, delivered_at=timezone.now()
                )
    return len(deliveries)
