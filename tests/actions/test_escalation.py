"""Escalation of overdue actions: at the end of the due day in the organisation's time zone
(across a daylight-saving change), to the owner's manager, once, then a level up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from rapport.actions import services
from rapport.actions.models import Action, Escalation
from rapport.core.claims import claim_due
from rapport.core.models import Membership, Role
from rapport.notifications.models import Notification
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC

# 29 March 2026 is the day London moves its clocks forward (a 23-hour day): the due day ends
# at midnight BST on the 30th, which is 23:00 UTC on the 29th, not 00:00 UTC.
DUE = dt.date(2026, 3, 29)
END_OF_DUE_DAY = dt.datetime(2026, 3, 29, 23, 0, tzinfo=UTC)


@pytest.fixture
def overdue(crew, open_one, settings):
    settings.TIME_ZONE = "Europe/London"
    from rapport.core.dates import organisation_zone

    organisation_zone.cache_clear()
    with freeze_time("2026-03-20 09:00:00"):
        return open_one(due_on=DUE)


def test_the_check_is_due_at_the_end_of_the_due_day_in_the_organisations_zone(overdue):
    assert Action.objects.get(pk=overdue.pk).next_due_at == END_OF_DUE_DAY


def test_nothing_escalates_before_the_due_day_ends(overdue):
    with freeze_time(END_OF_DUE_DAY - dt.timedelta(minutes=1)):
        assert services.run_escalations() == 0
    assert not Escalation.objects.exists()


def test_escalates_to_the_team_managers_once_at_the_end_of_the_due_day(overdue, crew):
    with freeze_time(END_OF_DUE_DAY):
        assert services.run_escalations() == 1
        assert services.run_escalations() == 0  # the same minute, again: nothing
    with freeze_time(END_OF_DUE_DAY + dt.timedelta(hours=5)):
        assert services.run_escalations() == 0  # the next check is level 2's
    [row] = Escalation.objects.all()
    assert (row.level, row.to_user, row.at) == (1, crew.manager, END_OF_DUE_DAY)
    assert row.reason.startswith("Not done 1 day after its due date 29 Mar 2026")
    stored = Action.objects.get(pk=overdue.pk)
    assert stored.escalation_level == 1
    assert stored.next_due_at == dt.datetime(2026, 4, 1, 23, 0, tzinfo=UTC)  # +3 days, BST
    [line] = Notification.objects.filter(recipient=crew.manager, kind="escalation")
    assert line.link == f"/actions/{overdue.pk}/"
    assert not Notification.objects.filter(recipient=crew.owner, kind="escalation").exists()


def test_the_named_manager_is_preferred_to_the_team_managers(overdue, crew):
    boss = UserFactory(username="bea")
    MembershipFactory(user=boss, team=crew.team, role=Role.ACCOUNT_MANAGER)
    Membership.objects.filter(user=crew.owner, team=crew.team).update(manager=boss)
    with freeze_time(END_OF_DUE_DAY):
        services.run_escalations()
    assert list(Escalation.objects.values_list("to_user__username", flat=True)) == ["bea"]


def test_level_two_goes_to_the_managers_manager_after_the_further_days(overdue, crew):
    boss = UserFactory(username="bea")
    MembershipFactory(user=boss, team=crew.team, role=Role.ACCOUNT_MANAGER)
    Membership.objects.filter(user=crew.owner, team=crew.team).update(manager=boss)
    Membership.objects.filter(user=boss, team=crew.team).update(manager=crew.manager)
    with freeze_time(END_OF_DUE_DAY):
        services.run_escalations()
    with freeze_time(dt.datetime(2026, 4, 1, 22, 59, tzinfo=UTC)):
        assert services.run_escalations() == 0
    with freeze_time(dt.datetime(2026, 4, 1, 23, 0, tzinfo=UTC)):
        assert services.run_escalations() == 1
    levels = list(Escalation.objects.order_by("level").values_list("level", "to_user__username"))
    assert levels == [(1, "bea"), (2, "mona")]
    stored = Action.objects.get(pk=overdue.pk)
    assert (stored.escalation_level, stored.next_due_at) == (2, None)
    with freeze_time(dt.datetime(2026, 5, 1, tzinfo=UTC)):
        assert services.run_escalations() == 0


def test_level_two_without_a_managers_manager_goes_to_the_administrators(overdue, crew):
    with freeze_time(END_OF_DUE_DAY):
        services.run_escalations()
    with freeze_time(dt.datetime(2026, 4, 2, tzinfo=UTC)):
        services.run_escalations()
    assert set(Escalation.objects.filter(level=2).values_list("to_user", flat=True)) == {
        crew.admin.pk
    }


def test_a_done_action_never_escalates(overdue, crew):
    with freeze_time("2026-03-28 10:00:00"):
        services.set_status(actor=crew.owner, action=overdue, status="done", outcome="Fixed")
    with freeze_time(dt.datetime(2026, 4, 10, tzinfo=UTC)):
        assert services.run_escalations() == 0
    assert not Escalation.objects.exists()


def test_a_later_due_date_moves_the_check(overdue, crew):
    services.update_action(
        actor=crew.owner, action=overdue, changes={"due_on": dt.date(2026, 4, 3)}
    )
    assert Action.objects.get(pk=overdue.pk).next_due_at == dt.datetime(
        2026, 4, 3, 23, 0, tzinfo=UTC
    )
    with freeze_time(END_OF_DUE_DAY):
        assert services.run_escalations() == 0


def test_two_workers_claim_the_action_once(overdue):
    """The first worker's claim holds the row: a second worker finds nothing to claim."""
    with freeze_time(END_OF_DUE_DAY):
        now = timezone.now()
        first = claim_due(Action.objects.all(), worker_id="w1", now=now)
        second = claim_due(Action.objects.all(), worker_id="w2", now=now)
        assert [a.pk for a in first] == [overdue.pk]
        assert second == []
