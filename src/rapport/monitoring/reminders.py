"""Reminders to the owners of planned activities: before they fall due, when overdue, and
marking them missed when long overdue.

Each activity is due work (`next_due_at`): first the reminder
(`RAPPORT_MONITORING_REMIND_DAYS` before its due time), then the overdue notice (at its
on-time limit), then "missed" (`RAPPORT_MONITORING_MISSED_AFTER_DAYS` later). The worker claims
the rows (core.claims), so two workers never send the same reminder; the notice goes through
`notifications.services.notify` (inbox, e-mail, webhook) with a key that suppresses repeats.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from rapport.core.claims import claim_due, finish_claim
from rapport.monitoring.models import ActivityStatus, ScheduledActivity
from rapport.monitoring.recurrence import organisation_zone
from rapport.notifications.services import notify

EVENT_DUE = "monitoring.activity_due"
EVENT_OVERDUE = "monitoring.activity_overdue"


def _when(activity: ScheduledActivity) -> str:
    return f"{activity.due_at.astimezone(organisation_zone()):%a %-d %b %Y, %H:%M}"


def _tell(activity: ScheduledActivity, *, overdue: bool) -> None:
    owner = activity.owner
    if owner is None:
        return
    title = activity.method.title or activity.get_kind_display()
    account = activity.account.name
    if overdue:
        subject = f"Overdue: {title} for {account}"
        body = (
            f"{title} for {account} was due {_when(activity)} and is not recorded as done. "
            "Record it when it is done; a logged conversation or survey answers of the "
            "matching kind complete it too."
        )
    else:
        subject = f"Due soon: {title} for {account}"
        body = f"{title} for {account} is due {_when(activity)} under the agreed monitoring plan."
    notify(
        recipients=[owner],
        kind=EVENT_OVERDUE if overdue else EVENT_DUE,
        subject=subject,
        body=body,
        link=reverse("monitoring:calendar", args=[activity.account_id]),
        team=activity.team,
        event=EVENT_OVERDUE if overdue else EVENT_DUE,
        payload={
            "activity": activity.pk,
            "account": activity.account_id,
            "kind": activity.kind,
            "due_at": activity.due_at.isoformat(),
        },
        dedupe_key=f"monitoring-activity-{activity.pk}-{'overdue' if overdue else 'due'}",
    )


def run_reminders(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send the reminders and overdue notices that are due; returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    rows = claim_due(
        ScheduledActivity.objects.select_related("owner", "account", "team", "method"),
        limit=limit,
        now=now,
    )
    missed_after = timedelta(days=settings.RAPPORT_MONITORING_MISSED_AFTER_DAYS)
    for activity in rows:
        if activity.status != ActivityStatus.DUE:
            finish_claim(activity, next_due_at=None)
        elif now < activity.late_after:
            if activity.reminded_at is None:
                _tell(activity, overdue=False)
                sent += 1
            finish_claim(activity, next_due_at=activity.late_after, reminded_at=now)
        elif activity.overdue_notified_at is None:
            _tell(activity, overdue=True)
            sent += 1
            finish_claim(
                activity,
                next_due_at=activity.late_after + missed_after,
                overdue_notified_at=now,
            )
        elif now >= activity.late_after + missed_after:
            finish_claim(activity, next_due_at=None, status=ActivityStatus.MISSED)
        else:
            finish_claim(activity, next_due_at=activity.late_after + missed_after)
    return sent
