"""Builders for alerts tests: rules, and data at a rule's boundary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from rapport.actions.models import Severity
from rapport.alerts import evaluation
from rapport.alerts.kinds import clean_params
from rapport.alerts.models import EvaluationTrigger, Rule, RuleScope
from rapport.analytics.models import AccountSnapshot
from rapport.core.models import Membership, Role


def rule(kind: str, *, scope: str = RuleScope.GLOBAL, team=None, severity: str = Severity.HIGH,
         name: str = "", **params: Any) -> Rule:  # fmt: skip
    return Rule.objects.create(
        name=name or kind,
        scope=scope,
        team=team,
        kind=kind,
        params=clean_params(kind, params),
        severity=severity,
    )


def evaluate(*accounts, now: dt.datetime | None = None) -> evaluation.Result:
    return evaluation.run([a.pk for a in accounts], trigger=EvaluationTrigger.CHANGE, now=now)


def csat_sums(n: int, top2: int) -> dict:
    return {"n": n, "top2": top2, "total": 4.0 * n, "total_sq": 16.0 * n, "promoters": 0,
            "passives": 0, "detractors": 0}  # fmt: skip


def nps_sums(n: int, promoters: int, detractors: int) -> dict:
    return {"n": n, "promoters": promoters, "passives": n - promoters - detractors,
            "detractors": detractors, "top2": promoters, "total": 0.0, "total_sq": 0.0}  # fmt: skip


def snapshot(account, metric: str, current: dict, monthly: list | None = None) -> None:
    AccountSnapshot.objects.update_or_create(
        account=account,
        metric=metric,
        defaults={"as_of": timezone.localdate(), "current": current, "previous": {},
                  "monthly": monthly or []},
    )  # fmt: skip


def months_back(today: dt.date, k: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - k
    return dt.date(index // 12, index % 12 + 1, 1)


def days_ago(days: int) -> dt.datetime:
    now = timezone.localtime()
    day = now.date() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def promote(user, team) -> None:
    """Make a member the team's manager (managers hold MANAGE_RULES)."""
    Membership.objects.filter(user=user, team=team).update(role=Role.MANAGER)
    if hasattr(user, "_rapport_scope"):
        del user._rapport_scope
