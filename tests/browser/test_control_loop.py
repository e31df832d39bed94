"""Issue 12 end to end: a manager agrees a plan with a KPI target → an uploaded import breaks
the rule → the alert is in the inbox → its action is assigned to the account's owner → the due
date passes (the escalation service run with a later `now`) → escalated to the owner's
manager → the customer is told (loop closure form) → the effect is shown on the action page.
Screenshots at 1440 and 390 px in test-artifacts/."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from rapport.actions.models import Action, Escalation, LoopClosure
from rapport.actions.services import run_escalations
from rapport.alerts.kinds import clean_params
from rapport.alerts.models import Alert, AlertStatus, Rule, RuleKind, RuleScope
from rapport.analytics.rollups.services import rebuild_rollups
from rapport.core.models import Membership, Role
from rapport.core.worker import run_worker
from rapport.monitoring import services as monitoring
from rapport.monitoring.models import Kpi, PlanMethod, PlanStatus
from tests.factories import (
    AccountFactory,
    ContactFactory,
    MembershipFactory,
    ResponseFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser
WIDE, NARROW = 1440, 390


@pytest.fixture
def north(transactional_db: Any) -> dict[str, Any]:
    team = TeamFactory(name="North")
    mona = UserFactory(username="mona", first_name="Mona", last_name="Reyes",
                       email="mona@example.com")  # fmt: skip
    alex = UserFactory(username="alex", first_name="Alex", last_name="Kim",
                       email="alex@example.com")  # fmt: skip
    MembershipFactory(user=mona, team=team, role=Role.MANAGER)
    MembershipFactory(user=alex, team=team, role=Role.ACCOUNT_MANAGER)
    Membership.objects.filter(user=alex, team=team).update(manager=mona)
    account = AccountFactory(team=team, name="Acme Foods", external_id="ACME", owner=alex)
    dana = ContactFactory(account=account, name="Dana Whitlock", decision_role="decision_maker")
    now = timezone.now()
    for day in range(20, 80):  # two quiet months of satisfied customers
        ResponseFactory(account=account, submitted_at=now - timedelta(days=day), csat=5, nps=9)
    rebuild_rollups()
    # Only the rule this story is about (the migration's defaults are not kept between
    # transactional tests anyway).
    Rule.objects.all().delete()
    Rule.objects.create(
        name="CSAT outside its target band", scope=RuleScope.GLOBAL,
        kind=RuleKind.TARGET_BREACHED,
        params=clean_params(RuleKind.TARGET_BREACHED, {"metric": "csat"}), severity="high",
    )  # fmt: skip
    version = monitoring.start_plan(actor=mona, account=account, use_template=False)
    monitoring.add_item(
        actor=mona, version=version, model=PlanMethod,
        data={"kind": "account_call", "title": "Monthly call with Dana",
              "recurrence": "FREQ=MONTHLY;BYMONTHDAY=1", "owner": alex},
    )  # fmt: skip
    monitoring.add_item(
        actor=mona, version=version, model=Kpi,
        data={"metric": "csat", "target": 90.0, "tolerance": 5.0, "direction": "higher"},
    )  # fmt: skip
    monitoring.propose(actor=mona, version=version)
    return {"team": team, "mona": mona, "alex": alex, "account": account, "dana": dana,
            "version": version}  # fmt: skip


def _both_widths(page: Any, shot: Any, name: str) -> None:
    shot(f"{name}-{WIDE}")
    page.set_viewport_size({"width": NARROW, "height": 900})
    shot(f"{name}-{NARROW}")
    page.set_viewport_size({"width": WIDE, "height": 900})


def test_agree_break_alert_escalate_tell_and_see_the_effect(
    page: Any, live_server: Any, shot: Any, sign_in: Any, north: dict[str, Any], tmp_path: Any
) -> None:
    page.set_viewport_size({"width": WIDE, "height": 900})
    sign_in("mona")
    version = north["version"]

    # 1. The manager records the customer's sign-off of the plan with its CSAT target.
    page.goto(f"{live_server.url}/plan-versions/{version.pk}/agree/")
    page.select_option("select[name=agreed_with]", str(north["dana"].pk))
    page.fill("input[name=evidence_reference]", "Minutes of the quarterly review, 2 Dec")
    _both_widths(page, shot, "sign-off")
    page.click("button:has-text('Record the sign-off')")
    page.wait_for_url(f"**/accounts/{north['account'].pk}/plan/")
    version.refresh_from_db()
    assert version.status == PlanStatus.AGREED

    # 2. A week of unhappy customers, uploaded on the import page and run by the worker.
    rows = ["account,external_id,submitted_at,csat,nps,comment"]
    for i in range(40):
        when = timezone.localtime() - timedelta(days=1 + i % 7, hours=i % 5)
        rows.append(f"ACME,w{i},{when:%Y-%m-%d %H:%M},2,5,Orders arrived late again")
    upload = tmp_path / "week.csv"
    upload.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.click("nav >> text=Imports")
    page.set_input_files("input[name=file]", str(upload))
    page.click("form button.primary")
    page.wait_for_url("**/feedback/imports/*/")
    run_worker(once=True)  # the import, then its hooks: snapshots, health, the rules
    page.wait_for_selector("text=40 inserted")

    # 3. The alert is in the inbox, with what was observed against what was agreed.
    alert = Alert.objects.get(status=AlertStatus.OPEN)
    page.goto(f"{live_server.url}/alerts/")
    row = page.locator("table.alerts tbody tr").first
    assert "CSAT outside its target band at Acme Foods" in row.inner_text()
    assert "Alex Kim" in row.inner_text()  # the action's owner
    _both_widths(page, shot, "inbox")
    page.click(f"a[href='/alerts/{alert.pk}/']")
    page.wait_for_url(f"**/alerts/{alert.pk}/")
    body = page.locator("main").inner_text()
    assert "CSAT 60 %" in body
    assert "at least 85: target 90 ± 5 (agreed plan v1" in body
    _both_widths(page, shot, "alert")

    # 4. The action is Alex's, due in three days (high severity).
    action = Action.objects.get(pk=alert.action_id)
    assert action.owner == north["alex"]
    assert action.due_on == timezone.localdate() + timedelta(days=3)
    page.click(f"a[href='/actions/{action.pk}/']")
    page.wait_for_url(f"**/actions/{action.pk}/")
    assert "Alex Kim" in page.locator("main").inner_text()

    # 5. Time passes the due date: the escalation service escalates to Alex's manager.
    later = timezone.make_aware(datetime.combine(action.due_on + timedelta(days=2), time(9)))
    run_escalations(now=later)
    escalation = Escalation.objects.get(action=action)
    assert escalation.to_user == north["mona"]
    page.reload()
    assert "Level 1 to" in page.locator("main").inner_text()
    _both_widths(page, shot, "escalated")

    # 6. The manager marks it done and records that the customer was told.
    page.select_option("select[name=status]", "done")
    page.fill("textarea[name=outcome]", "Second delivery slot added; orders checked at dispatch.")
    page.click("button:has-text('Change status')")
    page.wait_for_url(f"**/actions/{action.pk}/")
    page.fill("textarea[name=told_what]", "We added a second delivery slot from Monday.")
    page.select_option("select[name=channel]", "call")
    page.check(f"input[name=contacts][value='{north['dana'].pk}']")
    page.click("button:has-text('Record that the customer was told')")
    page.wait_for_url(f"**/actions/{action.pk}/**")
    closure = LoopClosure.objects.get(action=action)
    assert closure.told_what.startswith("We added a second delivery slot")

    # 7. The action page shows the loop closed and the effect on CSAT, before and after.
    page.goto(f"{live_server.url}/actions/{action.pk}/")
    main = page.locator("main").inner_text()
    assert "We added a second delivery slot from Monday." in main
    assert "Effect on CSAT" in main
    _both_widths(page, shot, "effect")
