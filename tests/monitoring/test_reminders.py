"""Reminders to owners: before due, when overdue, then missed; each sent once (claimed)."""

from __future__ import annotations

from datetime import UTC, datetime

from freezegun import freeze_time

from rapport.core.claims import claim_due
from rapport.core.registries import PERIODIC
from rapport.monitoring import reminders
from rapport.monitoring.models import ActivityStatus, ScheduledActivity
from rapport.notifications.models import EmailDelivery, Notification
from tests.monitoring.builders import agree, draft_plan


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_an_owner_is_reminded_before_then_told_when_overdue_then_it_is_missed(world, settings):
    settings.RAPPORT_MONITORING_REMIND_DAYS = 3
    settings.RAPPORT_MONITORING_MISSED_AFTER_DAYS = 30
    with freeze_time("2026-11-20 12:00:00"):
        agree(world, draft_plan(world))
    call = ScheduledActivity.objects.get(kind="account_call", due_at=_utc(2026, 12, 1, 9))
    assert call.next_due_at == _utc(2026, 11, 28, 9)  # three days before
    with freeze_time("2026-11-27 12:00:00"):
        assert reminders.run_reminders() == 0
    with freeze_time("2026-11-28 10:00:00"):
        assert reminders.run_reminders() == 1
        assert reminders.run_reminders() == 0  # sent once
    [due] = Notification.objects.filter(recipient=world.user)
    assert due.kind == reminders.EVENT_DUE
    assert due.subject == f"Due soon: Monthly sponsor call for {world.account.name}"
    assert due.link == f"/accounts/{world.account.pk}/plan/calendar/"
    assert "Tue 1 Dec 2026, 09:00" in due.body
    assert EmailDelivery.objects.filter(notification=due, to=[world.user.email]).exists()
    call.refresh_from_db()
    assert call.reminded_at == _utc(2026, 11, 28, 10)
    with freeze_time("2026-12-05 00:30:00"):  # 1 Dec + 3 days on time, then overdue
        assert reminders.run_reminders() == 1
    overdue = Notification.objects.get(kind=reminders.EVENT_OVERDUE)
    assert overdue.subject.startswith("Overdue: Monthly sponsor call")
    with freeze_time("2027-01-05 00:30:00"):
        reminders.run_reminders()
    call.refresh_from_db()
    assert (call.status, call.next_due_at) == (ActivityStatus.MISSED, None)


def test_an_activity_another_worker_holds_is_not_reminded_twice(world):
    with freeze_time("2026-11-20 12:00:00"):
        agree(world, draft_plan(world))
    with freeze_time("2026-11-28 10:00:00"):
        held = claim_due(ScheduledActivity.objects.all(), worker_id="other-worker")
        assert held
        assert reminders.run_reminders() == 0
    assert not Notification.objects.exists()


def test_done_activities_send_nothing(world):
    with freeze_time("2026-11-20 12:00:00"):
        version = agree(world, draft_plan(world))
    ScheduledActivity.objects.filter(plan=version.plan).update(
        status=ActivityStatus.DONE, next_due_at=None
    )
    with freeze_time("2026-12-10 10:00:00"):
        assert reminders.run_reminders() == 0


def test_the_reminders_run_every_minute_at_order_60():
    assert PERIODIC._entries["monitoring.reminders"] == (60, reminders.run_reminders)
