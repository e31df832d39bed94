"""Schedules: due times across daylight-saving changes, generation claimed and idempotent,
completion by hand, by a logged communication and by imported feedback, and adherence."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from rapport.core.claims import claim_due
from rapport.core.registries import PERIODIC
from rapport.customers import services as customer_services
from rapport.customers.models import Account, Channel
from rapport.feedback import hooks as feedback_hooks
from rapport.monitoring import scheduling, selectors, services
from rapport.monitoring.models import (
    ActivityStatus,
    CompletedVia,
    MonitoringPlan,
    PlanMethod,
    ScheduledActivity,
)
from rapport.monitoring.recurrence import occurrences
from tests.factories import ResponseFactory
from tests.monitoring.builders import agree, draft_plan, sponsor

LONDON_SPRING = date(2026, 3, 29)  # last Sunday of March: 01:00 GMT → 02:00 BST
LONDON_AUTUMN = date(2026, 10, 25)  # last Sunday of October: 02:00 BST → 01:00 GMT


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_nine_oclock_stays_nine_local_across_both_changes():
    spring = occurrences(
        "FREQ=WEEKLY;BYDAY=SU",
        starts_on=date(2026, 3, 1),
        due_time=time(9),
        after=_utc(2026, 3, 20),
        before=_utc(2026, 4, 6),
    )
    assert [d.astimezone(UTC) for d in spring] == [
        _utc(2026, 3, 22, 9),  # GMT
        _utc(2026, 3, 29, 8),  # BST from that morning
        _utc(2026, 4, 5, 8),
    ]
    autumn = occurrences(
        "FREQ=WEEKLY;BYDAY=SU",
        starts_on=date(2026, 10, 1),
        due_time=time(9),
        after=_utc(2026, 10, 17),
        before=_utc(2026, 11, 2),
    )
    assert [d.astimezone(UTC) for d in autumn] == [
        _utc(2026, 10, 18, 8),
        _utc(2026, 10, 25, 9),  # GMT again
        _utc(2026, 11, 1, 9),
    ]
    assert {d.hour for d in spring + autumn} == {9}


def test_a_time_in_the_spring_gap_moves_on_and_an_autumn_repeat_takes_the_first():
    [gap] = occurrences(
        "FREQ=DAILY",
        starts_on=LONDON_SPRING,
        due_time=time(1, 30),
        after=_utc(2026, 3, 29),
        before=_utc(2026, 3, 29, 12),
    )
    assert gap.astimezone(UTC) == _utc(2026, 3, 29, 1, 30)  # 02:30 BST: 01:30 never happened
    [repeat] = occurrences(
        "FREQ=DAILY",
        starts_on=LONDON_AUTUMN,
        due_time=time(1, 30),
        after=_utc(2026, 10, 25),
        before=_utc(2026, 10, 25, 12),
    )
    assert repeat.astimezone(UTC) == _utc(2026, 10, 25, 0, 30)  # the first 01:30 (BST)


@freeze_time("2026-03-27 12:00:00")
def test_generated_due_times_follow_the_clock_change_in_march(world, settings):
    settings.TIME_ZONE = "Europe/London"
    version = draft_plan(world)
    services.add_item(
        actor=world.user,
        version=version,
        model=PlanMethod,
        data={
            "kind": "informal_contact",
            "recurrence": "FREQ=WEEKLY;BYDAY=SU",
            "owner": world.user,
        },
    )
    agree(world, version)
    sundays = ScheduledActivity.objects.filter(kind="informal_contact").order_by("due_at")
    assert [a.due_at for a in sundays[:3]] == [
        _utc(2026, 3, 29, 8),
        _utc(2026, 4, 5, 8),
        _utc(2026, 4, 12, 8),
    ]
    # On time until the end of the due day + 3 local days (midnight BST).
    assert sundays[0].late_after == _utc(2026, 4, 1, 23)


@freeze_time("2026-10-23 12:00:00")
def test_generated_due_times_follow_the_clock_change_in_october(world, settings):
    settings.TIME_ZONE = "Europe/London"
    version = draft_plan(world)
    services.add_item(
        actor=world.user,
        version=version,
        model=PlanMethod,
        data={
            "kind": "informal_contact",
            "recurrence": "FREQ=WEEKLY;BYDAY=SU",
            "owner": world.user,
        },
    )
    agree(world, version)
    sundays = ScheduledActivity.objects.filter(kind="informal_contact").order_by("due_at")
    assert [a.due_at for a in sundays[:2]] == [_utc(2026, 10, 25, 9), _utc(2026, 11, 1, 9)]


def test_generation_is_idempotent_and_claimed_once(world, settings):
    settings.RAPPORT_MONITORING_HORIZON_DAYS = 120
    with freeze_time("2026-01-10 12:00:00"):
        version = agree(world, draft_plan(world))
        plan = version.plan
        first = ScheduledActivity.objects.filter(plan=plan).count()
        # 1 Feb … 1 May monthly calls (4); the quarterly wave from January: 1 Apr (1).
        assert first == 5
        assert scheduling.run_schedules() == 0  # not due again until tomorrow
    with freeze_time("2026-01-11 12:30:00"):
        # Another worker holds the plan: this worker claims nothing and creates nothing.
        taken = claim_due(MonitoringPlan.objects.all(), worker_id="other-worker")
        assert [p.pk for p in taken] == [plan.pk]
        assert scheduling.run_schedules() == 0
    with freeze_time("2026-02-20 12:30:00"):
        # The other worker's lease ran out long ago; the horizon moved on by a month.
        created = scheduling.run_schedules()
        assert created == 1  # 1 June's call came inside the horizon
        assert scheduling.run_schedules() == 0
        scheduling.generate_for_plan(plan, since=version.agreed_at)  # from the start again
        assert ScheduledActivity.objects.filter(plan=plan).count() == first + 1
        plan.refresh_from_db()
        assert plan.next_due_at == _utc(2026, 2, 21, 12, 30)
        assert (plan.claimed_by, plan.claimed_until) == ("", None)


def test_the_periodic_job_is_registered_at_order_60():
    assert scheduling.run_schedules in PERIODIC.in_order()
    assert PERIODIC._entries["monitoring.schedules"][0] == 60


@freeze_time("2026-11-10 12:00:00")
def test_a_logged_call_completes_the_due_call_and_a_review_does_not(world):
    agree(world, draft_plan(world), at=_utc(2026, 10, 20, 12))
    due_call = ScheduledActivity.objects.get(kind="account_call", due_at=_utc(2026, 11, 1, 9))
    account = Account.objects.get(pk=world.account.pk)
    customer_services.log_communication(
        actor=world.user,
        account=account,
        fields={"channel": Channel.BUSINESS_REVIEW, "occurred_at": _utc(2026, 11, 2, 10),
                "summary": "Review"},
        contacts=[],
    )  # fmt: skip
    due_call.refresh_from_db()
    assert due_call.status == ActivityStatus.DUE
    communication = customer_services.log_communication(
        actor=world.user,
        account=account,
        fields={"channel": Channel.CALL, "occurred_at": _utc(2026, 11, 2, 10),
                "summary": "Sponsor call about the migration"},
        contacts=[],
    )  # fmt: skip
    due_call.refresh_from_db()
    assert due_call.status == ActivityStatus.DONE
    assert due_call.completed_via == CompletedVia.COMMUNICATION
    assert due_call.source_ref == f"communication {communication.pk}"
    assert (due_call.done_at, due_call.done_by, due_call.done_on_time) == (
        _utc(2026, 11, 2, 10),
        world.user,
        True,
    )


@freeze_time("2026-12-05 12:00:00")
def test_imported_answers_complete_the_survey_wave(world):
    version = agree(world, draft_plan(world), at=_utc(2026, 9, 20, 12))
    wave = ScheduledActivity.objects.filter(kind="survey_wave").order_by("due_at").first()
    assert wave is not None
    assert wave.due_at == _utc(2026, 12, 1, 9)
    assert version.plan.account_id == world.account.pk
    ResponseFactory(account=world.account, submitted_at=_utc(2026, 11, 2))  # before the wave
    feedback_hooks.import_finished(41, {world.account.pk})
    wave.refresh_from_db()
    assert wave.status == ActivityStatus.DUE
    ResponseFactory(account=world.account, submitted_at=_utc(2026, 12, 3, 8))
    ResponseFactory(account=world.account, submitted_at=_utc(2026, 12, 4, 8))
    feedback_hooks.import_finished(42, {world.account.pk})
    wave.refresh_from_db()
    assert wave.status == ActivityStatus.DONE
    assert (wave.completed_via, wave.source_ref, wave.responses) == ("import", "import 42", 2)
    assert wave.done_at == _utc(2026, 12, 3, 8)
    assert wave.done_on_time is True


@freeze_time("2026-11-10 12:00:00")
def test_marking_done_by_hand(world):
    agree(world, draft_plan(world), at=_utc(2026, 9, 20, 12))
    late = ScheduledActivity.objects.get(kind="account_call", due_at=_utc(2026, 10, 1, 8))
    with pytest.raises(ValidationError) as error:
        scheduling.complete_activity(actor=world.user, activity=late, done_at=_utc(2026, 12, 1))
    assert "done_at" in error.value.message_dict
    scheduling.complete_activity(actor=world.user, activity=late, note="Held at last")
    late.refresh_from_db()
    assert (late.status, late.done_on_time, late.done_by, late.note) == (
        ActivityStatus.DONE,
        False,
        world.user,
        "Held at last",
    )
    with pytest.raises(ValidationError):
        scheduling.complete_activity(actor=world.user, activity=late)


def test_adherence_is_the_on_time_share_with_its_wilson_interval(world):
    version = agree(world, draft_plan(world), at=_utc(2026, 1, 2, 12))
    method = version.methods.get(kind="account_call")
    ScheduledActivity.objects.all().delete()
    now = _utc(2026, 11, 1)
    common = {"account": world.account, "team": world.team, "plan": version.plan,
              "method": method, "kind": method.kind}  # fmt: skip
    for month in range(1, 10):  # 9 fell due: 7 on time, 1 late, 1 never done
        due_at = _utc(2026, month, 5, 9)
        done = month <= 8
        ScheduledActivity.objects.create(
            **common,
            due_at=due_at,
            late_after=due_at + timedelta(days=3),
            status=ActivityStatus.DONE if done else ActivityStatus.DUE,
            done_at=due_at + timedelta(days=1 if month <= 7 else 6) if done else None,
            done_on_time=(month <= 7) if done else None,
        )
    # Not counted: cancelled, and one due but still inside its on-time days.
    ScheduledActivity.objects.create(
        **common, due_at=_utc(2026, 10, 5, 9), late_after=_utc(2026, 10, 8),
        status=ActivityStatus.CANCELLED,
    )  # fmt: skip
    ScheduledActivity.objects.create(
        **common, due_at=_utc(2026, 10, 30, 9), late_after=_utc(2026, 11, 3)
    )
    result = selectors.adherence(
        accounts=Account.objects.filter(pk=world.account.pk),
        start=date(2026, 1, 1),
        end=date(2026, 10, 31),
        now=now,
    )
    assert (result.due, result.done_on_time, result.done_late) == (9, 7, 1)
    assert result.share == pytest.approx(7 / 9)
    # Wilson, by hand: p = 7/9, z = 1.959964, (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    assert result.interval.low == pytest.approx(0.452589, abs=1e-6)
    assert result.interval.high == pytest.approx(0.936775, abs=1e-5)
    assert result.percent_text == "78 % (45 to 94; 7 of 9)"
    by_account = selectors.adherence_by_account(
        accounts=Account.objects.all(), start=date(2026, 1, 1), end=date(2026, 10, 31), now=now
    )
    assert by_account[world.account.pk].due == 9
    none = selectors.adherence(
        accounts=Account.objects.filter(pk=world.other_account.pk),
        start=date(2026, 1, 1),
        end=date(2026, 10, 31),
        now=now,
    )
    assert (none.due, none.share, none.interval) == (0, None, None)
    assert sponsor  # the builders' contact helper is shared with the other tests
