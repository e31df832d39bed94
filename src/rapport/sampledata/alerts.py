"""Demo rules and alerts: the default global rules (installed by the alerts migration), a team's
own rules, then one real evaluation of every account, which opens the alerts the sample data
deserve with their actions; a deterministic share of them closed by their owners with a reason.
"""

from __future__ import annotations

import random
from typing import TextIO

from rapport.actions.models import Severity
from rapport.alerts import services
from rapport.alerts.models import Alert, RuleKind, RuleScope
from rapport.core.models import Membership, Role, Team, User

CLOSE_SHARE = 0.25
REASONS = (
    "Discussed with the customer at the weekly call; the cause is known and fixed.",
    "False alarm: the figures came from a one-off survey of new users.",
    "Handled in the quarterly business review; the customer agreed the recovery plan.",
    "Commitment renegotiated with the customer; the new date is in the plan.",
)


def _manager(team: Team) -> User | None:
    membership = (
        Membership.objects.filter(team=team, role__in=[Role.MANAGER, Role.ADMIN])
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership is not None else None


def load_alerts(*, seed: int, stdout: TextIO) -> None:
    rng = random.Random(f"{seed}-alerts")
    team = Team.objects.order_by("slug").first()
    manager = _manager(team) if team is not None else None
    if team is not None and manager is not None:
        # A team that wants to hear of complaints sooner and of silent decision makers earlier.
        services.create_rule(
            actor=manager,
            fields={
                "name": f"{team.name}: any complaint in two weeks",
                "scope": RuleScope.TEAM,
                "team": team,
                "kind": RuleKind.COMPLAINTS,
                "params": {"threshold": 0, "days": 14},
                "severity": Severity.HIGH,
            },
            via="demo",
        )
        services.create_rule(
            actor=manager,
            fields={
                "name": f"{team.name}: decision makers every 45 days",
                "scope": RuleScope.TEAM,
                "team": team,
                "kind": RuleKind.DECISION_MAKER_SILENT,
                "params": {"days": 45},
                "severity": Severity.MEDIUM,
            },
            via="demo",
        )
    opened = services.evaluate_all()
    closed = 0
    for alert in sorted(opened, key=lambda a: a.pk):
        if rng.random() >= CLOSE_SHARE:
            continue
        fresh = Alert.objects.select_related("account__owner").get(pk=alert.pk)
        closer = fresh.account.owner or _manager(fresh.team)
        if closer is None:
            continue
        services.close_alert(actor=closer, alert=fresh, reason=rng.choice(REASONS), via="demo")
        closed += 1
    stdout.write(f"  alerts: {len(opened)} opened by the rules, {closed} of them closed\n")
