"""Where a run's recommendations come from, besides the variances its type found: SWOT lines
(weaknesses and threats) of the account, and later open actions and alerts."""

from __future__ import annotations

from rapport.actions.selectors import open_actions
from rapport.analytics.swot.account import account_swot
from rapport.reports.models import ReportRun
from rapport.reports.registry import BuildContext

# SWOT sources a customer may read about: what their people said (drivers and themes). Health,
# risk, margin and loyalty lines are our internal judgement of the account.
CUSTOMER_SWOT_SOURCES = {"driver", "theme"}
MOST_SWOT_LINES = 5
MOST_ACTIONS = 10


def gather_recommendations(ctx: BuildContext, run: ReportRun) -> None:
    account = run.account
    if account is None:
        return
    for action in open_actions(user=ctx.reader, account=account)[:MOST_ACTIONS]:
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
