"""The agreed plan's schedule: activities generated ahead, and done by hand or by evidence.

`run_schedules` is the worker's periodic job (order 60): it claims the plans whose schedule is
due for extension (`MonitoringPlan.next_due_at`, core.claims) and generates each method's
occurrences up to `RAPPORT_MONITORING_HORIZON_DAYS` ahead. Generation is idempotent: an
activity is unique per method and due time, so running twice (or two workers) adds nothing.
A logged communication of the matching kind, or feedback arriving for the account, completes
the earliest open activity it can stand for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.core.access import Actor, Capability, require
from rapport.core.claims import claim_due, finish_claim
from rapport.core.services import update_audited
from rapport.customers.models import Channel, Communication
from rapport.feedback.public import response_arrivals
from rapport.monitoring import recurrence
from rapport.monitoring.models import (
    ActivityStatus,
    CompletedVia,
    MethodKind,
    MonitoringPlan,
    PlanMethod,
    PlanStatus,
    ScheduledActivity,
)

# How far ahead of its due time a conversation or survey answers still count for an activity
# (a quarterly review held a few days early was still held).
EARLY_WINDOW = timedelta(days=7)
# Which planned activities a logged communication can stand for, by its channel.
CHANNEL_KINDS: dict[str, tuple[str, ...]] = {
    Channel.BUSINESS_REVIEW: (MethodKind.BUSINESS_REVIEW,),
    Channel.MEETING: (MethodKind.ACCOUNT_CALL, MethodKind.INFORMAL_CONTACT),
    Channel.CALL: (MethodKind.ACCOUNT_CALL, MethodKind.INFORMAL_CONTACT),
    Channel.VIDEO: (MethodKind.ACCOUNT_CALL, MethodKind.INFORMAL_CONTACT),
    Channel.VISIT: (MethodKind.ACCOUNT_CALL, MethodKind.INFORMAL_CONTACT),
    Channel.EMAIL: (MethodKind.INFORMAL_CONTACT,),
    Channel.EVENT: (MethodKind.INFORMAL_CONTACT,),
}
OPEN_STATUSES = (ActivityStatus.DUE, ActivityStatus.MISSED)


def late_after(due_at: datetime, on_time_days: int) -> datetime:
    """The end of the local day `on_time_days` after the due day: done later is late."""
    zone = recurrence.organisation_zone()
    last_day = due_at.astimezone(zone).date() + timedelta(days=on_time_days)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)


def first_reminder(due_at: datetime, now: datetime) -> datetime:
    """When the owner is first reminded: `RAPPORT_MONITORING_REMIND_DAYS` before it falls due
    (at once for an activity generated inside that window)."""
    return max(due_at - timedelta(days=settings.RAPPORT_MONITORING_REMIND_DAYS), now)


def _activities(
    method: PlanMethod, plan: MonitoringPlan, since: datetime, until: datetime, now: datetime
) -> list[ScheduledActivity]:
    zone = recurrence.organisation_zone()
    starts_on = method.starts_on or since.astimezone(zone).date()
    due_times = recurrence.occurrences(
        method.recurrence, starts_on=starts_on, due_time=method.due_time, after=since, before=until
    )
    rows = []
    for due_at in due_times:
        limit = late_after(due_at, method.on_time_days)
        rows.append(
            ScheduledActivity(
                account_id=plan.account_id,
                team_id=plan.team_id,
                plan=plan,
                method=method,
                kind=method.kind,
                due_at=due_at,
                late_after=limit,
                owner_id=method.owner_id,
                next_due_at=first_reminder(due_at, now) if limit > now else limit,
            )
        )
    return rows


def generate_for_plan(
    plan: MonitoringPlan, *, now: datetime | None = None, since: datetime | None = None
) -> tuple[int, datetime | None]:
    """Create the agreed version's activities from `since` (default: where the schedule ended,
    else the agreement) up to the horizon; returns how many were new and the horizon."""
    now = now or timezone.now()
    version = plan.versions.filter(status=PlanStatus.AGREED).first()
    if version is None:
        return 0, None
    until = now + timedelta(days=settings.RAPPORT_MONITORING_HORIZON_DAYS)
    start = since or plan.scheduled_until or version.agreed_at or now
    if start >= until:
        return 0, until
    rows: list[ScheduledActivity] = []
    for method in version.methods.all():
        rows.extend(_activities(method, plan, start, until, now))
    before = ScheduledActivity.objects.filter(plan=plan).count()
    # Unique per method and due time: a repeat (another pass, another worker) adds nothing.
    ScheduledActivity.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return ScheduledActivity.objects.filter(plan=plan).count() - before, until


@transaction.atomic
def reschedule(*, plan: MonitoringPlan, since: datetime, now: datetime | None = None) -> int:
    """After a new version is agreed: activities of older versions not yet done from `since`
    on are cancelled, and the new version's are generated at once."""
    now = now or timezone.now()
    ScheduledActivity.objects.filter(
        plan=plan, status=ActivityStatus.DUE, due_at__gte=min(since, now)
    ).exclude(method__version__status=PlanStatus.AGREED).update(
        status=ActivityStatus.CANCELLED, next_due_at=None
    )
    created, until = generate_for_plan(plan, now=now, since=since)
    MonitoringPlan.objects.filter(pk=plan.pk).update(
        scheduled_until=until, next_due_at=now + timedelta(days=1)
    )
    plan.scheduled_until = until
    return created


def run_schedules(*, now: datetime | None = None, limit: int = 100) -> int:
    """The periodic job: extend the schedule of each plan that is due (claimed, so two
    workers never extend the same plan at once); returns the activities created."""
    now = now or timezone.now()
    created = 0
    for plan in claim_due(MonitoringPlan.objects.all(), limit=limit, now=now):
        with transaction.atomic():
            new, until = generate_for_plan(plan, now=now)
        created += new
        finish_claim(
            plan,
            next_due_at=now + timedelta(days=1) if until is not None else None,
            scheduled_until=until,
        )
    return created


# --- completion -----------------------------------------------------------------------------


def _complete(
    activity: ScheduledActivity,
    *,
    actor: Actor | None,
    done_at: datetime,
    via: str,
    completed_via: str,
    note: str = "",
    source_ref: str = "",
    **extra: Any,
) -> ScheduledActivity:
    update_audited(
        actor=actor,
        instance=activity,
        changes={
            "status": ActivityStatus.DONE,
            "done_at": done_at,
            "done_by": actor if actor is not None and actor.is_authenticated else None,
            "done_on_time": done_at < activity.late_after,
            "completed_via": completed_via,
            "note": note,
            "source_ref": source_ref,
            "next_due_at": None,
            **extra,
        },
        team_id=activity.team_id,
        via=via,
    )
    return activity


@transaction.atomic
def complete_activity(
    *,
    actor: Actor,
    activity: ScheduledActivity,
    done_at: datetime | None = None,
    note: str = "",
    invited: int | None = None,
    responses: int | None = None,
    via: str = "web",
) -> ScheduledActivity:
    """Mark a planned activity done (who, when, a note); done after its on-time limit it
    counts as late."""
    require(actor, Capability.RECORD_ACTIVITIES, activity.team_id)
    if activity.status not in OPEN_STATUSES:
        raise ValidationError(
            {"status": f"This activity is {activity.get_status_display().lower()} already."}
        )
    now = timezone.now()
    done_at = done_at or now
    if done_at > now:
        raise ValidationError({"done_at": "It cannot be done in the future."})
    if done_at < activity.due_at - EARLY_WINDOW:
        raise ValidationError(
            {"done_at": "That is more than a week before it was due: record it on its own day."}
        )
    if invited is not None and responses is not None and responses > invited:
        raise ValidationError({"responses": "More responses than invitations."})
    return _complete(
        activity,
        actor=actor,
        done_at=done_at,
        via=via,
        completed_via=CompletedVia.MANUAL,
        note=note.strip(),
        invited=invited,
        responses=responses,
    )


def communication_logged(communication: Communication) -> None:
    """customers' hook: a logged conversation completes the earliest open activity of a
    matching kind that it can stand for (due no more than EARLY_WINDOW after it)."""
    kinds = CHANNEL_KINDS.get(communication.channel, ())
    if not kinds:
        return
    activity = (
        ScheduledActivity.objects.filter(
            account_id=communication.account_id,
            kind__in=kinds,
            status__in=OPEN_STATUSES,
            due_at__lte=communication.occurred_at + EARLY_WINDOW,
        )
        .order_by("due_at", "pk")
        .first()
    )
    if activity is None:
        return
    _complete(
        activity,
        actor=communication.logged_by,
        done_at=communication.occurred_at,
        via="communication",
        completed_via=CompletedVia.COMMUNICATION,
        note=f"{communication.get_channel_display()}: {communication.summary[:200]}",
        source_ref=f"communication {communication.pk}",
    )


def feedback_arrived(
    account_ids: Iterable[int], *, source_ref: str, now: datetime | None = None
) -> int:
    """feedback's hooks: answers that arrived for an account complete its earliest open
    survey wave due by now (plus EARLY_WINDOW); returns the activities completed."""
    now = now or timezone.now()
    open_waves = ScheduledActivity.objects.filter(
        account_id__in=list(account_ids),
        kind=MethodKind.SURVEY_WAVE,
        status__in=OPEN_STATUSES,
        due_at__lte=now + EARLY_WINDOW,
    ).order_by("account_id", "due_at", "pk")
    earliest: dict[int, ScheduledActivity] = {}
    for activity in open_waves:
        earliest.setdefault(activity.account_id, activity)
    completed = 0
    for account_id, activity in earliest.items():
        arrivals = response_arrivals(
            account_ids=[account_id], since=activity.due_at - EARLY_WINDOW
        ).get(account_id)
        if arrivals is None:
            continue
        with transaction.atomic():
            _complete(
                activity,
                actor=None,
                done_at=min(arrivals.first_at, now),
                via="import" if source_ref.startswith("import") else "api",
                completed_via=CompletedVia.IMPORT,
                note=f"{arrivals.count} responses arrived",
                source_ref=source_ref,
                responses=arrivals.count,
            )
        completed += 1
    return completed


def after_import(job_id: int, account_ids: set[int]) -> None:
    feedback_arrived(account_ids, source_ref=f"import {job_id}")


def after_responses_changed(account_ids: set[int]) -> None:
    feedback_arrived(account_ids, source_ref="responses via the API")
