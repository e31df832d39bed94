"""The risk list as a table for CSV and XLSX downloads, in the list's filters and order."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from rapport.analytics.health.selectors import RiskList
from rapport.analytics.health.stake import why
from rapport.core.exports import EXPORT_ROW_LIMIT, Column

RISK_COLUMNS = (
    Column("Account", width=30),
    Column("Team", width=16),
    Column("Tier", width=10),
    Column("Status", width=12),
    Column("Health", "number", 8),
    Column("Band", width=8),
    Column("Currency", width=9),
    Column("Annual value", "money", 14),
    Column("Risk weight", "ratio", 11),
    Column("At stake", "money", 14),
    Column("Listed under", width=16),
    Column("Why", width=60),
    Column("All reasons", width=80),
    Column("Renewal", "date", 12),
)


def risk_rows(risks: RiskList) -> Iterator[tuple[object, ...]]:
    """The page's rows in its order: those needing attention, then the ones to also watch."""
    also_watch = risks.also_watch[: EXPORT_ROW_LIMIT - len(risks.attention)]
    listed = chain(
        (("Needs attention", h) for h in risks.attention),
        (("Also watch", h) for h in also_watch.iterator(chunk_size=1000)),
    )
    for under, h in listed:
        account = h.account
        yield (
            account.name,
            account.team.name,
            account.get_tier_display(),
            account.get_status_display(),
            None if h.score is None else round(h.score, 1),
            h.band,
            account.currency,
            account.annual_value,
            round(h.risk_weight, 3),  # type: ignore[attr-defined]
            round(h.stake, 2),  # type: ignore[attr-defined]
            under,
            why(h),
            "; ".join(str(r["text"]) for r in h.risks),
            account.renewal_date,
        )
