"""Control charts against hand-computed p-chart limits; baselines agreed, stored and reused."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.exceptions import PermissionDenied

from rapport.analytics.control import charts as cc
from rapport.analytics.control import selectors as cs
from rapport.analytics.control.services import set_control_baseline
from rapport.analytics.models import ControlLimitSet, MetricRollup
from rapport.core.models import AuditEvent, Role
from tests.analytics.builders import monday, weekly_csat
from tests.factories import MembershipFactory, UserFactory

TODAY = dt.date(2026, 3, 4)  # a Wednesday
CURRENT_WEEK = monday(TODAY)  # 2 March 2026
FIRST_WEEK = CURRENT_WEEK - dt.timedelta(weeks=29)
# 26 baseline weeks alternating 38 and 42 satisfied of 50 (p̄ = 0.8 exactly), then phase II:
# a week at 25/50, a small week (n = 20, below the minimum of 30), a large week at 80/100,
# and a quiet current week.
BASELINE = [(50, 38), (50, 42)] * 13
PHASE_TWO = [(50, 25), (20, 5), (100, 80), (50, 40)]
WEEK_OPTIONS = cc.ChartOptions(period="week")


@pytest.fixture(autouse=True)
def _min_n(settings):
    settings.RAPPORT_MIN_N = 30


@pytest.fixture
def series(world):
    return weekly_csat(world.account, FIRST_WEEK, BASELINE + PHASE_TWO)


def _chart(world, options=WEEK_OPTIONS, user=None):
    return cs.control_chart(
        user or world.user, account_id=world.account.pk, metric="csat", options=options, today=TODAY
    )


def test_default_baseline_is_the_first_26_weeks_and_limits_step_with_n(world, series):
    chart = _chart(world)
    assert chart.period == "week"
    assert chart.limits.source == "default"
    assert chart.limits.baseline_start == FIRST_WEEK
    assert chart.limits.baseline_end == FIRST_WEEK + dt.timedelta(weeks=26, days=-1)
    assert chart.limits.baseline_points == 26
    assert chart.limits.baseline_responses == 26 * 50
    assert chart.limits.centre == pytest.approx(80.0)
    by_week = {p.period_start: p for p in chart.points}
    drop, _small, large = (by_week[FIRST_WEEK + dt.timedelta(weeks=26 + i)] for i in range(3))
    # p̄ ± 3 √(p̄(1 - p̄)/n): n = 50 → ± 16.97 points; n = 100 → ± 12 points.
    assert drop.lcl == pytest.approx(100 * (0.8 - 3 * math.sqrt(0.16 / 50)))
    assert drop.ucl == pytest.approx(100 * (0.8 + 3 * math.sqrt(0.16 / 50)))
    assert large.lcl == pytest.approx(68.0)
    assert large.ucl == pytest.approx(92.0)
    assert all(p.in_baseline for p in chart.points[:26])
    assert not any(p.in_baseline for p in chart.points[26:])


def test_point_below_the_lower_limit_is_explained_in_words(world, series):
    chart = _chart(world)
    assert [s.period_start for s in chart.signals] == [FIRST_WEEK + dt.timedelta(weeks=26)]
    signal = chart.signals[0]
    assert signal.rules == (1,)
    assert signal.direction == "worse"
    # Wilson interval of 25/50 is [36.6 %, 63.4 %]; the lower limit is 63.0 %.
    assert signal.text == (
        "Week of 9 February 2026: CSAT 50 % (37 to 63 %, n=50) is below the lower control "
        "limit 63 % — rule 1, one point beyond 3σ"
    )


def test_weeks_below_minimum_n_are_drawn_but_never_signals(world, series):
    chart = _chart(world)
    small = chart.points[27]
    assert small.n == 20
    assert small.value == pytest.approx(25.0)  # far below any limit …
    assert not small.enough
    assert small.lcl is None
    assert small.ucl is None
    assert small.rules == ()  # … and still not a signal
    assert chart.too_few == 1
    assert chart.judged == len(BASELINE + PHASE_TWO) - 1


def test_run_rules_skip_unjudged_weeks(world):
    # Nine judged weeks below the centre, with a small week in between: rule 2 at the ninth.
    weeks = [(50, 38), (50, 42)] * 13 + [(50, 39)] * 4 + [(10, 1)] + [(50, 39)] * 5
    weekly_csat(world.account, CURRENT_WEEK - dt.timedelta(weeks=len(weeks) - 1), weeks)
    chart = _chart(world)
    run = [s for s in chart.signals if 2 in s.rules]
    assert [s.period_start for s in run] == [CURRENT_WEEK]
    assert "rule 2, 9 points in a row below the centre line" in run[0].text
    assert "against a centre line of 80 %" in run[0].text


def test_rules_can_be_switched_and_western_electric_uses_a_run_of_eight(world):
    weeks = [(50, 38), (50, 42)] * 13 + [(50, 39)] * 8
    weekly_csat(world.account, CURRENT_WEEK - dt.timedelta(weeks=len(weeks) - 1), weeks)
    nelson = _chart(world)
    western = _chart(
        world, cc.ChartOptions(period="week", rules=cc.parse_rules(["western-electric"]))
    )
    only_one = _chart(world, cc.ChartOptions(period="week", rules=cc.parse_rules(["1"])))
    assert not any(2 in s.rules for s in nelson.signals)  # 8 in a row: not yet Nelson's 9
    assert [s.period_start for s in western.signals if 2 in s.rules] == [CURRENT_WEEK]
    assert only_one.signals == ()


@pytest.mark.parametrize(
    ("tokens", "preset", "enabled"),
    [
        ([], "default", (1, 2, 3, 5)),
        (["western-electric"], "western-electric", (1, 2, 5, 6)),
        (["nelson"], "nelson", (1, 2, 3, 4, 5, 6, 7, 8)),
        (["1", "4"], "custom", (1, 4)),
        (["1,2,3,5"], "default", (1, 2, 3, 5)),
    ],
)
def test_parse_rules(tokens, preset, enabled):
    choice = cc.parse_rules(tokens)
    assert (choice.preset, choice.enabled) == (preset, enabled)


@pytest.mark.parametrize("tokens", [["9"], ["all"], ["1", "x"]])
def test_parse_rules_rejects_unknown_rules(tokens):
    with pytest.raises(ValueError, match="Nelson rule numbers 1 to 8"):
        cc.parse_rules(tokens)


def test_automatic_period_uses_months_when_most_weeks_are_small(world):
    small = [cc.Bucket(FIRST_WEEK + dt.timedelta(weeks=i), 8, 6) for i in range(10)]
    period, note = cc.choose_period(small, "auto", 30)
    assert period == "month"
    assert "a typical week has 8 responses" in note
    big = [cc.Bucket(FIRST_WEEK + dt.timedelta(weeks=i), 40, 30) for i in range(10)]
    assert cc.choose_period(big, "auto", 30) == ("week", "")
    assert cc.choose_period(small, "week", 30) == ("week", "")


def test_baseline_with_too_few_responses_says_so(world):
    weekly_csat(world.account, CURRENT_WEEK - dt.timedelta(weeks=3), [(5, 4)] * 4)
    chart = _chart(world)
    assert chart.limits is None
    assert "holds 20 responses; at least 30 are needed" in chart.message
    assert all(not p.enough for p in chart.points)


def test_other_teams_account_is_404(world, series):
    from django.http import Http404

    with pytest.raises(Http404):
        _chart(world, user=world.other_user)


def test_unknown_metric_is_a_clear_error(world):
    with pytest.raises(ValueError, match="metric must be one of csat, nps, ces"):
        cs.control_chart(
            world.user, account_id=world.account.pk, metric="foo", options=WEEK_OPTIONS
        )


def test_chart_reads_two_queries_whatever_the_history(world, series, django_assert_num_queries):
    from rapport.core.access import scope_of

    scope_of(world.user)  # the actor's scope is read once per request, elsewhere
    with django_assert_num_queries(2):
        cs.control_charts_for(world.user, world.account, ["csat", "nps"], WEEK_OPTIONS, today=TODAY)


# --- agreeing a baseline (phase I) and reusing it (phase II) ---------------------------------


def _agree(world, start, end, actor=None):
    return set_control_baseline(
        actor=actor or world.user,
        account=world.account,
        metric="csat",
        baseline_start=start,
        baseline_end=end,
        period="week",
    )


def test_agreeing_a_baseline_stores_limits_and_audits_it(world, series):
    end = FIRST_WEEK + dt.timedelta(weeks=10, days=-1)
    limit_set = _agree(world, FIRST_WEEK, end)
    assert limit_set.limits["chart"] == "p"
    assert limit_set.limits["centre"] == pytest.approx(0.8)
    assert limit_set.limits["n_baseline"] == 10
    assert limit_set.baseline_responses == 500
    assert limit_set.created_by == world.user
    event = AuditEvent.objects.get(object_type="analytics.controllimitset")
    assert event.object_id == str(limit_set.pk)
    assert event.actor == world.user
    assert event.team_id == world.team.pk
    assert event.action == "create"
    assert "csat" in event.detail


def test_stored_limits_are_reused_when_the_baseline_data_change(world, series):
    _agree(world, FIRST_WEEK, FIRST_WEEK + dt.timedelta(weeks=10, days=-1))
    # Late corrections to the baseline weeks must not move agreed limits (phase II).
    MetricRollup.objects.filter(period_start__lt=FIRST_WEEK + dt.timedelta(weeks=10)).update(
        top2=25
    )
    chart = _chart(world)
    assert chart.limits.source == "stored"
    assert chart.limits.centre == pytest.approx(80.0)
    assert chart.limits.set_by == str(world.user)
    assert chart.points[26].lcl == pytest.approx(100 * (0.8 - 3 * math.sqrt(0.16 / 50)))
    # Recomputing from the same window now would give a centre of 50 %.
    rebuilt = _chart(
        world,
        cc.ChartOptions(
            period="week",
            baseline_start=FIRST_WEEK,
            baseline_end=FIRST_WEEK + dt.timedelta(weeks=10, days=-1),
        ),
    )
    assert rebuilt.limits.source == "preview"
    assert rebuilt.limits.centre == pytest.approx(50.0)


def test_stored_p_limits_judge_monthly_points_too(world, series):
    _agree(world, FIRST_WEEK, FIRST_WEEK + dt.timedelta(weeks=10, days=-1))
    MetricRollup.objects.create(
        account=world.account, metric="csat", period="month", period_start=dt.date(2026, 2, 1),
        n=100, top2=50,
    )  # fmt: skip
    chart = _chart(world, cc.ChartOptions(period="month"))
    assert chart.limits.source == "stored"
    assert chart.points[-1].lcl == pytest.approx(68.0)
    assert chart.signals[-1].text.startswith("February 2026: CSAT 50 %")


def test_the_newest_agreed_baseline_is_in_force(world, series):
    _agree(world, FIRST_WEEK, FIRST_WEEK + dt.timedelta(weeks=10, days=-1))
    second = _agree(world, FIRST_WEEK + dt.timedelta(weeks=26), CURRENT_WEEK)
    assert ControlLimitSet.objects.count() == 2
    chart = _chart(world)
    assert chart.limits.baseline_start == second.baseline_start
    # (25 + 5 + 80 + 40) / (50 + 20 + 100 + 50)
    assert chart.limits.centre == pytest.approx(100 * 150 / 220)


def test_baseline_without_variation_or_responses_is_refused(world, series):
    with pytest.raises(ValueError, match="holds 0 responses"):
        _agree(world, dt.date(2020, 1, 6), dt.date(2020, 3, 1))
    weekly_csat(world.other_account, FIRST_WEEK, [(50, 50)] * 4)
    with pytest.raises(ValueError, match="no variation"):
        set_control_baseline(
            actor=world.admin,
            account=world.other_account,
            metric="csat",
            baseline_start=FIRST_WEEK,
            baseline_end=FIRST_WEEK + dt.timedelta(weeks=4),
        )
    assert not ControlLimitSet.objects.exists()


def test_only_people_who_edit_the_relationship_may_agree_limits(world, series):
    analyst = UserFactory(username="ann")
    MembershipFactory(user=analyst, team=world.team, role=Role.ANALYST)
    with pytest.raises(PermissionDenied):
        _agree(world, FIRST_WEEK, CURRENT_WEEK, actor=analyst)
    with pytest.raises(PermissionDenied):
        _agree(world, FIRST_WEEK, CURRENT_WEEK, actor=world.other_user)
    assert not AuditEvent.objects.filter(object_type="analytics.controllimitset").exists()
