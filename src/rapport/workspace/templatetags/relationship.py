"""How the account page states a commitment's and a follow-up's standing: in words, with the
badge colour only repeating them (a colour alone tells nothing to some readers)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from rapport.customers.models import Commitment, CommitmentStatus, Communication

register = template.Library()


@register.simple_tag
def commitment_status(commitment: Commitment, today: date) -> SafeString:
    if commitment.status == CommitmentStatus.KEPT:
        kept = f" on {commitment.closed_on:%-d %b %Y}" if commitment.closed_on else ""
        return format_html('<span class="badge good">Kept{}</span>', kept)
    if commitment.status == CommitmentStatus.BROKEN:
        return mark_safe('<span class="badge bad">Broken</span>')
    if commitment.is_overdue(today):
        return mark_safe('<span class="badge bad">Open · overdue</span>')
    return mark_safe('<span class="badge">Open</span>')


@register.simple_tag
def follow_up_status(communication: Communication, today: date) -> SafeString:
    if communication.follow_up_done_on is not None:
        return format_html(" · done {}", f"{communication.follow_up_done_on:%-d %b %Y}")
    if communication.follow_up_overdue(today):
        return mark_safe(' <span class="badge bad">Follow-up overdue</span>')
    return mark_safe("")
