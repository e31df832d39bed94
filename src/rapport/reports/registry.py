"""The report types: an open registry (quality and complaints add theirs later, decision 130).

A type declares its label, the audiences it serves, whether it covers one account or many, its
sections (key and heading, in order), the internal-only content it may hold, and `build`, which
reads the data through the apps' own selectors and returns a `Document`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from rapport.core.models import Team, User
from rapport.customers.models import Account
from rapport.reports.document import Document


@dataclass
class BuildContext:
    """What a type builds from: the accounts in scope (already narrowed to the definition's
    team and filters, as its owner may see them), the audience and the period."""

    reader: User  # whose access the reads are made with (the definition's owner)
    team: Team
    accounts: QuerySet[Account]
    audience: str
    period_start: date
    period_end: date
    as_of: datetime
    title: str
    progress: Callable[[str], None] = lambda _step: None
    recommendations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def customer(self) -> bool:
        return self.audience == "customer"

    def recommend(
        self, text: str, *, source_kind: str, source_ref: str = "", url: str = ""
    ) -> None:
        """Propose a recommendation; the run keeps it editable until it is sent."""
        if text and all(r["text"] != text for r in self.recommendations):
            self.recommendations.append(
                {
                    "text": text,
                    "source_kind": source_kind,
                    "source_ref": source_ref[:100],
                    "source_url": url[:300],
                }
            )


@dataclass(frozen=True)
class ReportType:
    key: str
    label: str
    description: str
    build: Callable[[BuildContext], Document]
    sections: tuple[tuple[str, str], ...]
    # What an internal audience sees that the customer never does (documentation and the
    # leak test's checklist): e.g. "cost to serve", "margin", "internal notes".
    internal_only: tuple[str, ...] = ()
    single_account: bool = False  # the review pack: exactly one account
    steps: int = 1  # progress steps the build reports (the formats add theirs)
    per_account_steps: bool = False  # one step per account, up to `steps`


REPORT_TYPES: dict[str, ReportType] = {}


def register_type(report_type: ReportType) -> ReportType:
    """Add (or replace, when ready() runs again) a report type."""
    REPORT_TYPES[report_type.key] = report_type
    return report_type


def type_choices() -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in REPORT_TYPES.values()]


def get_type(key: str) -> ReportType:
    try:
        return REPORT_TYPES[key]
    except KeyError:
        raise KeyError(f"unknown report type {key!r}") from None
