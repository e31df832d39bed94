"""Delivering an approved run: an e-mail per recipient with the PDF attached, queued through
notifications' `queue_email` (the worker sends it, with retries). The run is delivered when
every e-mail has gone."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rapport.core.claims import claim_due, finish_claim
from rapport.core.models import User
from rapport.customers.models import Contact
from rapport.notifications.models import DeliveryStatus
from rapport.notifications.services import queue_email
from rapport.reports.document import for_audience
from rapport.reports.generation import document_for, ensure_outputs
from rapport.reports.models import Audience, Format, ReportDelivery, ReportRun, RunStatus


def mark_for_delivery(run: ReportRun) -> None:
    """An approved run becomes due work: the worker writes its files again if recommendations
    changed, then queues its e-mails (no PDF is rendered in the approving request)."""
    ReportRun.objects.filter(pk=run.pk).update(next_due_at=timezone.now())


def recipients_of(run: ReportRun) -> list[tuple[str, str]]:
    """(address, name) of each recipient: users, and contacts for a customer-facing run."""
    snapshot = run.definition_snapshot
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
    return list(dict(people).items())


def email_body(run: ReportRun) -> str:
    """Plain text: the report's figures and recommendations, for its audience; the attached
    PDF holds the rest."""
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
                    note = f"; {f.note}" if f.note else ""
                    lines.append(f"- {f.label}: {f.shown}{detail}{note}")
                lines.append("")
            elif block.kind == "list" and section.key == "recommendations":
                lines.append("Recommendations")
                lines += [f"- {item}" for item in block.items]
                lines.append("")
    lines.append("The full report is attached as a PDF.")
    if run.audience != Audience.CUSTOMER:
        base = str(settings.RAPPORT_BASE_URL).rstrip("/")
        lines.append(f"On Rapport: {base}/reports/runs/{run.pk}/")
    return "\n".join(lines)


def queue_deliveries(run: ReportRun) -> int:
    """The e-mails of an approved run (none when e-mail is not among its formats: it is then
    delivered at once)."""
    now = timezone.now()
    if Format.EMAIL not in run.definition_snapshot.get("formats", []):
        ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.DELIVERED, delivered_at=now)
        return 0
    ensure_outputs(run)
    pdf = run.outputs.filter(format="pdf").first()
    attachments = [(pdf.name, bytes(pdf.content), "application/pdf")] if pdf else []
    document = document_for(run)
    subject = f"{document.title}: {document.period_start:%-d %b} to {document.period_end:%-d %b %Y}"
    body = email_body(run)
    people = recipients_of(run)
    with transaction.atomic():
        for address, label in people:
            email = queue_email(
                to=[address],
                subject=subject,
                body=body,
                team=run.team,
                attachments=attachments,
                reason=f"report run {run.pk}",
            )
            ReportDelivery.objects.create(run=run, to=address, recipient_label=label, email=email)
        if not people:
            ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.DELIVERED, delivered_at=now)
    return len(people)


def deliver_approved(*, limit: int = 20) -> int:
    """Periodic: queue the e-mails of approved runs (each claimed once)."""
    runs = claim_due(ReportRun.objects.filter(status=RunStatus.APPROVED), limit=limit)
    for run in runs:
        full = ReportRun.objects.select_related("team").get(pk=run.pk)
        if not full.deliveries.exists():
            queue_deliveries(full)
        finish_claim(run, next_due_at=None)
    return len(runs)


def mark_delivered() -> int:
    """Periodic: approved runs whose e-mails have all been sent are delivered."""
    waiting = ReportRun.objects.filter(status=RunStatus.APPROVED, deliveries__isnull=False)
    unsent = ReportDelivery.objects.filter(
        Q(email__isnull=True) | ~Q(email__status=DeliveryStatus.SENT)
    ).values("run_id")
    return (
        ReportRun.objects.filter(pk__in=waiting.values("pk"))
        .exclude(pk__in=unsent)
        .update(status=RunStatus.DELIVERED, delivered_at=timezone.now())
    )
