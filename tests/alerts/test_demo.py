"""The demo shows a live relationship: rules of a team, open alerts with their actions, and
alerts closed by their owners with a reason."""

from __future__ import annotations

import io

from rapport.alerts.models import Alert, AlertStatus, Evaluation, Rule, RuleScope
from rapport.sampledata.load import load_demo


def test_the_demo_opens_alerts_with_actions_and_closes_some(with_default_rules):
    assert len(with_default_rules) == 11
    out = io.StringIO()
    load_demo(seed=7, stdout=out, scale=0.05)
    assert "alerts:" in out.getvalue()
    assert Rule.objects.filter(scope=RuleScope.TEAM).count() == 2
    open_alerts = Alert.objects.filter(status=AlertStatus.OPEN)
    assert open_alerts.exists()
    assert open_alerts.filter(action__isnull=False).exists()
    closed = Alert.objects.filter(status=AlertStatus.CLOSED)
    assert closed.exists()
    assert all(a.close_reason and a.closed_by_id for a in closed)
    assert Evaluation.objects.filter(trigger="daily").count() == 1
    kinds = set(Alert.objects.values_list("kind", flat=True))
    print(sorted(kinds), open_alerts.count(), closed.count())
