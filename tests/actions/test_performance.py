"""Own and team performance against hand counts, KPIs against agreed targets or the marked
organisation default, and queries that do not grow with the number of accounts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from rapport.actions.models import Action
from rapport.actions.performance import Share, person_performance, team_performance
from rapport.core.models import Role
from rapport.customers.models import Commitment
from tests.factories import AccountFactory, ContactFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


def _action(crew, owner, due, status="open", closed=None):
    return Action.objects.create(
        team=crew.team,
        title=f"due {due}",
        owner=owner,
        due_on=due,
        status=status,
        outcome="done" if status == "done" else "",
        closed_on=closed,
    )


@pytest.fixture
def history(crew):
    o = crew.owner
    _action(crew, o, dt.date(2026, 1, 10), "done", dt.date(2026, 1, 9))  # on time
    _action(crew, o, dt.date(2026, 1, 20), "done", dt.date(2026, 1, 20))  # on time (same day)
    _action(crew, o, dt.date(2026, 2, 1), "done", dt.date(2026, 2, 3))  # late
    _action(crew, o, dt.date(2026, 2, 15))  # open, overdue: not on time
    _action(crew, o, dt.date(2026, 3, 1), "cancelled")  # left out
    _action(crew, o, dt.date(2025, 12, 1), "done", dt.date(2025, 11, 1))  # outside the period
    _action(crew, crew.manager, dt.date(2026, 1, 5), "done", dt.date(2026, 1, 4))  # manager's
    for due, status, closed in [
        (dt.date(2026, 1, 5), "kept", dt.date(2026, 1, 5)),  # kept on time
        (dt.date(2026, 2, 5), "kept", dt.date(2026, 2, 9)),  # kept late
        (dt.date(2026, 3, 5), "broken", dt.date(2026, 3, 6)),
    ]:
        Commitment.objects.create(
            account=crew.account,
            description="x",
            owner=o,
            due_date=due,
            status=status,
            closed_on=closed,
        )
    crew.account.owner = o
    crew.account.save()
    recent, old = timezone.now() - dt.timedelta(days=10), timezone.now() - dt.timedelta(days=200)
    ContactFactory(account=crew.account, decision_role="decision_maker", last_contacted_at=recent)
    ContactFactory(account=crew.account, decision_role="influencer", last_contacted_at=old)
    ContactFactory(account=crew.account, decision_role="decision_maker", last_contacted_at=None)
    ContactFactory(
        account=crew.account, decision_role="user", last_contacted_at=recent
    )  # not counted
    return crew


def test_own_figures_against_hand_counts(history):
    result = person_performance(history.owner, history.owner, start=START, end=END)
    [mine] = result.people
    assert (mine.actions.k, mine.actions.n) == (2, 4)
    assert (mine.commitments.k, mine.commitments.n) == (1, 3)
    assert (mine.coverage.k, mine.coverage.n) == (1, 3)
    assert mine.accounts == 1
    assert mine.actions.value == pytest.approx(50.0)
    assert mine.actions.low == pytest.approx(15.003899, abs=1e-4)  # Wilson 2/4
    assert mine.actions.high == pytest.approx(84.996101, abs=1e-4)


def test_team_figures_add_up_the_members(history):
    result = team_performance(history.manager, history.team, start=START, end=END)
    by_user = {row.user.username: row for row in result.people}
    assert (by_user["mona"].actions.k, by_user["mona"].actions.n) == (1, 1)
    assert (result.total.actions.k, result.total.actions.n) == (3, 5)
    assert result.total.commitments == Share(1, 3)


def test_kpis_against_the_organisation_default_marked_as_such(history):
    result = person_performance(history.owner, history.owner, start=START, end=END)
    rows = {(r.account.pk, r.metric): r for r in result.kpi_rows}
    target = rows[(history.account.pk, "csat")].target
    assert target.organisation_default
    assert target.value == 80.0
    assert rows[(history.account.pk, "csat")].verdict == "too few responses"


def test_kpis_against_an_agreed_plan_target(history):
    from rapport.monitoring.models import Kpi, MonitoringPlan, PlanStatus, PlanVersion

    plan = MonitoringPlan.objects.create(account=history.account, team=history.team)
    version = PlanVersion.objects.create(
        plan=plan, number=1, status=PlanStatus.AGREED, agreed_at=timezone.now()
    )
    Kpi.objects.create(version=version, metric="csat", target=85, tolerance=5, direction="higher")
    result = person_performance(history.owner, history.owner, start=START, end=END)
    rows = {(r.account.pk, r.metric): r for r in result.kpi_rows}
    target = rows[(history.account.pk, "csat")].target
    assert not target.organisation_default
    assert (target.value, target.tolerance) == (85, 5)
    assert target.source.startswith("agreed plan v1")
    assert rows[(history.account.pk, "nps")].target.organisation_default


def test_people_see_their_own_and_managers_their_teams(history):
    peer = UserFactory(username="pete")
    MembershipFactory(user=peer, team=history.team, role=Role.ACCOUNT_MANAGER)
    for user, url, status in [
        (history.owner, "/actions/performance/", 200),
        (history.manager, f"/actions/performance/?person={history.owner.pk}", 200),
        (history.manager, f"/actions/performance/?team={history.team.pk}", 200),
        (peer, f"/actions/performance/?person={history.owner.pk}", 404),
        (peer, f"/actions/performance/?team={history.team.pk}", 404),
        (history.other, f"/actions/performance/?person={history.owner.pk}", 404),
        (history.agent, f"/api/v1/performance?person={history.owner.pk}", 404),
    ]:
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status, (user.username, url)


def test_queries_do_not_grow_with_accounts(history, django_assert_num_queries):
    client = Client()
    client.force_login(history.manager)
    url = f"/actions/performance/?team={history.team.pk}"
    client.get(url)  # warm: sessions, content types

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for i in range(6):
        account = AccountFactory(team=history.team, owner=history.owner)
        ContactFactory(account=account, decision_role="decision_maker")
        _action(history, history.owner, dt.date(2026, 1, 3 + i), "done", dt.date(2026, 1, 2))
        member = UserFactory(username=f"member{i}")
        MembershipFactory(user=member, team=history.team, role=Role.AGENT)
    assert count() == few
