"""The action board's filters, read from the URL's query the same way by the page, its export
and the API, and the lists of the escalation view and the loop-closure log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import BadRequest
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from rapport.actions.models import (
    OPEN_STATUSES,
    Action,
    ActionStatus,
    LoopClosure,
    Severity,
    SourceKind,
)
from rapport.actions.selectors import actions_for, loop_closures_for
from rapport.core.access import Actor
from rapport.core.dates import local_midnight
from rapport.core.query import query_choice

STATUS_ORDER = Case(
    *(When(status=s, then=Value(i)) for i, s in enumerate(ActionStatus.values)),
    output_field=IntegerField(),
)


def _int(query: Mapping[str, str], name: str) -> int | None:
    text = query.get(name, "") or ""
    if not text:
        return None
    if not text.isdigit():
        raise BadRequest(f"{name} must be an id (a whole number), not “{text}”.")
    return int(text)


def _day(query: Mapping[str, str], name: str) -> date | None:
    text = query.get(name, "") or ""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} must be a date (YYYY-MM-DD), not “{text}”.") from None


@dataclass(frozen=True)
class BoardFilters:
    team: int | None = None
    owner: int | None = None
    account: int | None = None
    severity: str = ""
    source: str = ""
    status: str = ""  # "" = open and in progress; "all" = every status
    overdue: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> BoardFilters:
        return cls(
            team=_int(query, "team"),
            owner=_int(query, "owner"),
            account=_int(query, "account"),
            severity=query_choice(query, "severity", ["", *Severity.values], ""),
            source=query_choice(query, "source", ["", *SourceKind.values], ""),
            status=query_choice(query, "status", ["", "all", *ActionStatus.values], ""),
            overdue=query_choice(query, "overdue", ["", "1"], "") == "1",
        )

    def apply(self, queryset: QuerySet[Action], *, today: date | None = None) -> QuerySet[Action]:
        today = today or timezone.localdate()
        if self.team is not None:
            queryset = queryset.filter(team_id=self.team)
        if self.owner is not None:
            queryset = queryset.filter(owner_id=self.owner)
        if self.account is not None:
            queryset = queryset.filter(account_id=self.account)
        if self.severity:
            queryset = queryset.filter(severity=self.severity)
        if self.source:
            queryset = queryset.filter(source_kind=self.source)
        if self.status == "":
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        elif self.status != "all":
            queryset = queryset.filter(status=self.status)
        if self.overdue:
            queryset = queryset.filter(status__in=OPEN_STATUSES, due_on__lt=today)
        return queryset


def board_actions(user: Actor, filters: BoardFilters) -> QuerySet[Action]:
    """The board's rows: grouped by status (open, in progress, done, cancelled), soonest due
    first within each."""
    return (
        filters.apply(actions_for(user))
        .select_related("owner", "account", "team")
        .annotate(status_order=STATUS_ORDER)
        .order_by("status_order", "due_on", "pk")
    )


@dataclass(frozen=True)
class LoopFilters:
    team: int | None = None
    account: int | None = None
    channel: str = ""
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> LoopFilters:
        from rapport.customers.models import Channel

        return cls(
            team=_int(query, "team"),
            account=_int(query, "account"),
            channel=query_choice(query, "channel", ["", *Channel.values], ""),
            start=_day(query, "from"),
            end=_day(query, "to"),
        )


def loop_log(user: Actor, filters: LoopFilters) -> QuerySet[LoopClosure]:
    rows = loop_closures_for(user)
    if filters.team is not None:
        rows = rows.filter(team_id=filters.team)
    if filters.account is not None:
        rows = rows.filter(account_id=filters.account)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.start is not None:
        rows = rows.filter(told_at__gte=local_midnight(filters.start))
    if filters.end is not None:
        rows = rows.filter(told_at__lt=local_midnight(filters.end + timedelta(days=1)))
    return rows.order_by("-told_at", "-pk")
