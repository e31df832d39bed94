"""What reports read from the account's monitoring plan: the recurrence of a report the plan
names (monitoring.PlanReport of the agreed version)."""

from __future__ import annotations

from rapport.customers.models import Account


def plan_recurrence(account: Account, report_type: str, audience: str) -> str | None:
    """The RRULE of the report of this type and audience in the account's agreed plan, or None
    when the plan names none. Monitoring is not installed yet: no plan names any report."""
    return None
