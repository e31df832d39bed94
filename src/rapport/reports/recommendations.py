"""Where a run's recommendations come from, besides the variances its type found: the account's
open actions, its open alerts (internal audiences only, decision 145) and SWOT lines
(weaknesses and threats)."""

from __future__ import annotations

from rapport.actions.selectors import open_actions
from rapport.alerts.selectors import open_alerts
from rapport.analytics.swot.account import account_swot
from rapport.customers.models import Account
from rapport.reports.models import ReportRun
from rapport.reports.registry import BuildContext

# SWOT sources a customer may read about: what their people said (drivers and themes). Health,
# risk, margin and loyalty lines are our internal judgement of the account.
CUSTOMER_SWOT_SOURCES = {"driver", "theme"}
MOST_SWOT_LINES = 5
MOST_ACTIONS = 10
MOST_ALERTS = 10


def gather_recommendations(ctx: BuildContext, run: ReportRun) -> None:
    account = run.account
    if account is None:
        return
    actions = list(open_actions(user=ctx.reader, account=account)[:MOST_ACTIONS])
    for action in actions:
        due = f"{action.due_on:%-d %B %Y}"
        text = (
            f"{action.title} (in hand, due {due})"
            if ctx.customer
            else f"{action.title}: owner {action.owner}, due {due} ({action.severity})"
        )
        ctx.recommend(
            text,
            source_kind="action",
            source_ref=f"action:{action.pk}",
            url=f"/actions/{action.pk}/",
        )
    if not ctx.customer:
        _recommend_from_alerts(ctx, account, listed_actions={a.pk for a in actions})
    swot = account_swot(ctx.reader, account, today=ctx.period_end)
    lines = [*swot.weaknesses, *swot.threats]
    if ctx.customer:
        lines = [line for line in lines if line.source in CUSTOMER_SWOT_SOURCES]
    for line in lines[:MOST_SWOT_LINES]:
        ctx.recommend(
            f"{line.title}: {line.text}",
            source_kind="swot",
            source_ref=f"{line.source}:{line.key}"[:100],
            url=line.link,
        )


def _recommend_from_alerts(
    ctx: BuildContext, account: Account, *, listed_actions: set[int]
) -> None:
    """Open alerts as recommendations: what was observed against what was expected, the rule
    and its severity. An alert whose owned action is already listed above is left out (the
    action says what is being done about it). Never for the customer: observed and expected
    values, rule names and severities are our internal reading of the account."""
    for alert in open_alerts(user=ctx.reader, account=account)[:MOST_ALERTS]:
        if alert.action_id is not None and alert.action_id in listed_actions:
            continue
        ctx.recommend(
            f"Act on the alert \u201c{alert.title}\u201d: observed {alert.observed}, expected "
            f"{alert.expected} (rule \u201c{alert.rule.name}\u201d, "
            f"{alert.get_severity_display().lower()} severity)",
            source_kind="alert",
            source_ref=f"alert:{alert.pk}",
            url=f"/alerts/{alert.pk}/",
        )
