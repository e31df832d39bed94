"""An action opened by a control-rule alert says whether the alert's episode is over, from the
alert itself (actions' SOURCE_STATES, decision 141)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.actions.models import Action, SourceKind
from rapport.actions.selectors import SOURCE_STATES, EpisodeState, episode_state
from rapport.alerts import evaluation, services
from rapport.alerts.checks import Finding
from rapport.alerts.models import Alert, RuleKind
from rapport.alerts.selectors import alert_episode_state
from tests.alerts.builders import rule


def opened(world, kind: str, **params) -> tuple[Alert, Action]:
    world.account.owner = world.user
    world.account.save()
    found = rule(kind, **params)
    finding = Finding(
        account_id=world.account.pk, subject="csat", title="CSAT control rule broken",
        observed="Aug 2026 to Oct 2026: 2 signals for the worse.", expected="Within limits.",
        link="/", link_text="The chart", metric="csat",
        data={"episode_start": "2026-08-01", "episode_end": "2026-10-01", "signals": 2,
              "period": "month"},
    )  # fmt: skip
    now = timezone.now()
    alert = evaluation.open_alert(
        rule=found, finding=finding, account=world.account,
        key=evaluation.dedupe_key(found.pk, world.account.pk, "csat"), now=now,
        today=timezone.localdate(),
    )  # fmt: skip
    assert alert is not None
    alert.refresh_from_db()
    action = Action.objects.get(source_kind=SourceKind.ALERT, source_ref=str(alert.pk))
    return alert, action


def test_alerts_registers_the_state_of_its_actions():
    assert SOURCE_STATES[SourceKind.ALERT] is alert_episode_state


def test_an_open_control_rule_alert_means_the_episode_is_open(world):
    _alert, action = opened(world, RuleKind.CONTROL_RULE_BROKEN, metric="csat")
    state = episode_state(world.user, action)
    assert state is not None
    assert state.closed is False
    assert state.text.startswith("The episode from August 2026 that the alert found is still open")


def test_an_alert_cleared_by_an_evaluation_means_the_episode_is_over(world):
    alert, action = opened(world, RuleKind.CONTROL_RULE_BROKEN, metric="csat")
    cleared_at = timezone.now() + dt.timedelta(days=3)
    assert evaluation.close_cleared(alert=alert, reason=evaluation.CONDITION_GONE, now=cleared_at)
    state = episode_state(world.user, action)
    assert state == EpisodeState(
        True,
        "The episode from August 2026 that the alert found is over: the alert cleared on "
        f"{timezone.localtime(cleared_at):%d %b %Y}.",
    )


@pytest.mark.parametrize("how", ["rule no longer applies", "closed by a person"])
def test_other_closings_say_nothing_about_the_episode(world, how):
    alert, action = opened(world, RuleKind.CONTROL_RULE_BROKEN, metric="csat")
    if how == "closed by a person":
        world.user.is_superuser = True  # may close any alert
        world.user.save()
        services.close_alert(actor=world.user, alert=alert, reason="Handled on the phone.")
    else:
        evaluation.close_cleared(alert=alert, reason="The rule no longer applies.",
                                 now=timezone.now())  # fmt: skip
    assert alert_episode_state(action) is None


def test_an_alert_of_another_kind_leaves_the_judgement_to_the_chart(world):
    _alert, action = opened(world, RuleKind.TARGET_BREACHED, metric="csat")
    assert alert_episode_state(action) is None
    # actions then judges the account's chart: without responses there is none to judge.
    state = episode_state(world.user, action)
    assert state is not None
    assert state.closed is False
    assert state.text.startswith("No control chart to judge yet")
