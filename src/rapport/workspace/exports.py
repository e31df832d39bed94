"""The portfolio and an account's feedback as tables for CSV and XLSX downloads.

Rows come from the same selectors as the pages, with the same filters and order, read in
chunks so a large export keeps memory flat; core.exports writes and bounds them.
"""

from __future__ import annotations

from collections.abc import Iterator

from rapport.analytics.rollups import selectors as analytics
from rapport.core.access import Actor
from rapport.core.exports import EXPORT_ROW_LIMIT, Column, chunks
from rapport.customers.models import Account, AccountStatus, Tier
from rapport.enrichment.public import analyses_for, feedback_matching
from rapport.feedback.public import FeedbackFilters
from rapport.stats.metrics import MetricValue
from rapport.workspace import selectors

CHUNK = 500
TIERS = dict(Tier.choices)
STATUSES = dict(AccountStatus.choices)


def _metric_columns(label: str) -> tuple[Column, ...]:
    return (
        Column(f"{label} (90 d)", "number", 10),
        Column(f"{label} low", "number", 9),
        Column(f"{label} high", "number", 9),
        Column(f"{label} n", "int", 8),
    )


def _metric_cells(value: MetricValue | None) -> tuple[object, ...]:
    """The figure and interval only when n reaches the minimum (the page greys the rest)."""
    if value is None:
        return (None, None, None, 0)
    if not value.enough or value.value is None:
        return (None, None, None, value.n)
    return (round(value.value, 1), round(value.low or 0, 1), round(value.high or 0, 1), value.n)


PORTFOLIO_COLUMNS = (
    Column("Account", width=30),
    Column("Team", width=16),
    Column("Segment", width=14),
    Column("Tier", width=10),
    Column("Status", width=12),
    Column("Currency", width=9),
    Column("Annual value", "money", 14),
    *_metric_columns("NPS"),
    *_metric_columns("CSAT %"),
    Column("Last contact", "datetime", 17),
    Column("Last decision-maker contact", "datetime", 17),
    Column("Open commitments", "int", 11),
    Column("Overdue commitments", "int", 11),
    Column("Renewal", "date", 12),
)


def portfolio_export_rows(
    user: Actor, filters: selectors.PortfolioFilters
) -> Iterator[tuple[object, ...]]:
    """The portfolio's accounts in the page's filters and order, CHUNK accounts at a time."""
    ordered_ids = selectors.portfolio(user, filters).values_list("pk", flat=True)
    for chunk in chunks(ordered_ids[:EXPORT_ROW_LIMIT].iterator(chunk_size=CHUNK), CHUNK):
        accounts = selectors.portfolio_rows(user, list(chunk))
        snapshots = analytics.snapshots_for([a.pk for a in accounts], ("nps", "csat"))
        for a in accounts:
            nps, csat = snapshots.get((a.pk, "nps")), snapshots.get((a.pk, "csat"))
            yield (
                a.name,
                a.team_name,
                a.segment,
                TIERS.get(a.tier, a.tier),
                STATUSES.get(a.status, a.status),
                a.currency,
                a.annual_value,
                *_metric_cells(nps.current if nps else None),
                *_metric_cells(csat.current if csat else None),
                a.last_contact_at,
                a.last_decision_maker_contact_at,
                a.open_commitments,
                a.overdue_commitments,
                a.renewal_date,
            )


FEEDBACK_COLUMNS = (
    Column("Submitted", "datetime", 17),
    Column("Channel", width=12),
    Column("From", width=22),
    Column("NPS", "int", 6),
    Column("CSAT", "int", 6),
    Column("CES", "int", 6),
    Column("Comment", width=80),
    Column("Sentiment", width=10),
    Column("Themes", width=30),
)


def feedback_export_rows(
    account: Account, filters: FeedbackFilters
) -> Iterator[tuple[object, ...]]:
    """An account's feedback in the partial's filters and order (the caller fetched the
    account through a scoped selector)."""
    responses = feedback_matching(account, filters)[:EXPORT_ROW_LIMIT]
    for chunk in chunks(responses.iterator(chunk_size=CHUNK), CHUNK):
        analyses = analyses_for([r.pk for r in chunk])
        for r in chunk:
            analysis = analyses.get(r.pk)
            contact = r.respondent_contact
            yield (
                r.submitted_at,
                r.get_channel_display(),
                contact.name if contact else "anonymous",
                r.nps,
                r.csat,
                r.ces,
                r.comment,
                analysis.label if analysis else "",
                ", ".join(rt.theme.name for rt in analysis.themes.all()) if analysis else "",
            )
