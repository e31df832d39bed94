"""What reports read from the account's monitoring plan: the recurrence of a report the plan
names (monitoring.PlanReport of the agreed version)."""

from __future__ import annotations

from rapport.customers.models import Account
from rapport.monitoring.selectors import agreed_version

# Monitoring names the internal executive audience in full.
PLAN_AUDIENCES = {"executive": "internal_executive"}


def plan_recurrence(account: Account, report_type: str, audience: str) -> str | None:
    """The RRULE of the report of this type and audience in the account's agreed plan, or None
    when there is no agreed plan or it names no such report."""
    version = agreed_version(account=account)
    if version is None:
        return None
    found = (
        version.reports.filter(
            report_type=report_type, audience=PLAN_AUDIENCES.get(audience, audience)
        )
        .order_by("pk")
        .first()
    )
    return found.recurrence if found is not None and found.recurrence else None
