"""Account health: a 0–100 score from visible components, each with the facts behind it.

A component reads what it needs for a whole batch of accounts in one query (through the
shared `Batch`), then scores each account or says why it cannot. Components without data
are left out and the remaining weights re-normalised. Other apps (complaints, QA) add their
component with `register()`; nothing is shown for a component that is not registered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Count, DateTimeField, IntegerField, OuterRef, Q, Subquery
from django.utils import timezone

from rapport.analytics.models import AccountSnapshot
from rapport.core import formats
from rapport.customers.models import (
    Account,
    Commitment,
    CommitmentStatus,
    Contact,
    DecisionRole,
)
from rapport.feedback.public import latest_answers
from rapport.stats.metrics import compare, estimate, metric_def

COVERAGE_DAYS = 90
COMMITMENT_DAYS = 365
# Engagement: full marks up to two weeks since the last communication, none after 120 days.
ENGAGED_DAYS, SILENT_DAYS = 14, 120
TREND_SCORES = {"up": 100.0, "flat": 75.0, "down": 0.0}
FEEDBACK_METRICS = ("nps", "csat")
COVERED_ROLES = (DecisionRole.DECISION_MAKER, DecisionRole.INFLUENCER)


@dataclass(frozen=True, slots=True)
class ComponentScore:
    """One component for one account: its score (None = no data, left out) and raw facts."""

    key: str
    label: str
    score: float | None
    facts: tuple[str, ...] = ()
    note: str = ""  # why it has no score, or how the score was read
    # Data other reads reuse (risk reasons): kept out of the facts shown.
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "score": None if self.score is None else round(self.score, 1),
            "facts": list(self.facts),
            "note": self.note,
            "data": dict(self.data),
        }


class Batch:
    """The accounts being scored and the reads components share, each done once."""

    def __init__(self, accounts: Iterable[Account], *, today: date, now: datetime) -> None:
        self.accounts = list(accounts)
        self.ids = [a.pk for a in self.accounts]
        self.today = today
        self.now = now
        self.min_n: int = settings.RAPPORT_MIN_N

    @cached_property
    def snapshots(self) -> dict[tuple[int, str], AccountSnapshot]:
        rows = AccountSnapshot.objects.filter(account_id__in=self.ids, metric__in=FEEDBACK_METRICS)
        return {(s.account_id, s.metric): s for s in rows}

    @cached_property
    def contacts(self) -> dict[int, list[Contact]]:
        """Decision makers and influencers, with their latest NPS answer (risk reasons)."""
        rows = (
            Contact.objects.filter(account_id__in=self.ids, decision_role__in=COVERED_ROLES)
            .annotate(**_latest_nps())
            .order_by("account_id", "name", "pk")
        )
        result: dict[int, list[Contact]] = defaultdict(list)
        for contact in rows:
            result[contact.account_id].append(contact)
        return result

    @cached_property
    def commitments(self) -> dict[int, dict[str, Any]]:
        since = self.today - timedelta(days=COMMITMENT_DAYS)
        closed_in_window = Q(closed_on__gt=since, closed_on__lte=self.today) | Q(
            closed_on__isnull=True, due_date__gt=since, due_date__lte=self.today
        )
        counts = (
            Commitment.objects.filter(account_id__in=self.ids)
            .values("account_id")
            .annotate(
                kept=Count("pk", filter=closed_in_window & Q(status=CommitmentStatus.KEPT)),
                broken=Count("pk", filter=closed_in_window & Q(status=CommitmentStatus.BROKEN)),
                overdue=Count(
                    "pk", filter=Q(status=CommitmentStatus.OPEN, due_date__lt=self.today)
                ),
            )
            .order_by()
        )
        return {row["account_id"]: dict(row) for row in counts}

    @cached_property
    def broken_commitments(self) -> dict[int, list[dict[str, Any]]]:
        since = self.today - timedelta(days=COMMITMENT_DAYS)
        rows = (
            Commitment.objects.filter(account_id__in=self.ids, status=CommitmentStatus.BROKEN)
            .filter(
                Q(closed_on__gt=since, closed_on__lte=self.today)
                | Q(closed_on__isnull=True, due_date__gt=since, due_date__lte=self.today)
            )
            .order_by("account_id", "-due_date")
            .values("account_id", "pk", "description", "due_date")
        )
        result: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            result[row["account_id"]].append(dict(row))
        return result


def _latest_nps() -> dict[str, Subquery]:
    """A contact's latest NPS answer and its time. Read from the raw responses because no
    rollup keeps answers per person; it is one indexed subquery per decision maker."""
    latest = latest_answers(OuterRef("pk"), "nps")
    return {
        "latest_nps": Subquery(latest.values("nps")[:1], output_field=IntegerField()),
        "latest_nps_at": Subquery(latest.values("submitted_at")[:1], output_field=DateTimeField()),
    }


class HealthComponent(Protocol):
    # Read-only, so frozen dataclasses satisfy it.
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def default_weight(self) -> int: ...
    @property
    def description(self) -> str: ...

    def score(self, account: Account, batch: Batch) -> ComponentScore: ...


COMPONENTS: dict[str, HealthComponent] = {}


def register(component: HealthComponent) -> HealthComponent:
    """Add a component (complaints and QA register theirs when those apps exist)."""
    COMPONENTS[component.key] = component
    return component


def _figure(metric: str, value: Any) -> str:
    unit = " %" if metric_def(metric).unit == "%" else ""
    return (
        f"{metric_def(metric).label} {formats.number(value.value)}{unit} "
        f"({formats.interval(value.low, value.high)}), n = {value.n}"
    )


@dataclass(frozen=True)
class FeedbackLevel:
    key: str = "feedback_level"
    label: str = "Feedback level"
    default_weight: int = 30
    description: str = "90-day NPS (−100…100 read as 0…100) and CSAT top-2 box %, averaged"

    def score(self, account: Account, batch: Batch) -> ComponentScore:
        parts, facts = [], []
        for metric in FEEDBACK_METRICS:
            snap = batch.snapshots.get((account.pk, metric))
            value = estimate(metric, snap.current if snap else {}, min_n=batch.min_n)
            if value.enough and value.value is not None:
                parts.append((value.value + 100) / 2 if metric == "nps" else value.value)
                facts.append(_figure(metric, value))
            else:
                label = metric_def(metric).label
                facts.append(f"{label}: too few responses (n = {value.n} of {batch.min_n})")
        if not parts:
            return ComponentScore(
                self.key, self.label, None, tuple(facts), "too few responses in the last 90 days"
            )
        return ComponentScore(self.key, self.label, sum(parts) / len(parts), tuple(facts))


@dataclass(frozen=True)
class FeedbackTrend:
    key: str = "feedback_trend"
    label: str = "Feedback trend"
    default_weight: int = 15
    description: str = (
        "last 90 days against the 90 before: significantly up 100, no significant change 75, "
        "significantly down 0"
    )

    def score(self, account: Account, batch: Batch) -> ComponentScore:
        parts, facts, down = [], [], []
        for metric in FEEDBACK_METRICS:
            snap = batch.snapshots.get((account.pk, metric))
            if snap is None:
                continue
            change = compare(metric, snap.current, snap.previous, min_n=batch.min_n)
            if change.direction == "unknown":
                continue
            now = estimate(metric, snap.current, min_n=batch.min_n).value or 0.0
            before = estimate(metric, snap.previous, min_n=batch.min_n).value or 0.0
            label = metric_def(metric).label
            facts.append(f"{label} {before:.0f} → {now:.0f}: {change.label}")
            parts.append(TREND_SCORES[change.direction])
            if change.direction == "down":
                down.append({"metric": metric, "before": round(before, 1), "now": round(now, 1)})
        if not parts:
            return ComponentScore(
                self.key, self.label, None, (), "too few responses in one of the two periods"
            )
        score = sum(parts) / len(parts)
        return ComponentScore(self.key, self.label, score, tuple(facts), data={"down": down})


@dataclass(frozen=True)
class Coverage:
    key: str = "coverage"
    label: str = "Coverage of decision makers"
    default_weight: int = 20
    description: str = f"share of decision makers and influencers contacted in {COVERAGE_DAYS} days"

    def score(self, account: Account, batch: Batch) -> ComponentScore:
        people = batch.contacts.get(account.pk, [])
        if not people:
            return ComponentScore(
                self.key, self.label, None, (), "no decision makers or influencers recorded"
            )
        cut = batch.now - timedelta(days=COVERAGE_DAYS)
        reached = [c for c in people if c.last_contacted_at and c.last_contacted_at >= cut]
        facts = []
        for role in COVERED_ROLES:
            of_role = [c for c in people if c.decision_role == role]
            if of_role:
                hit = sum(1 for c in of_role if c in reached)
                facts.append(
                    f"{role.label}s contacted in {COVERAGE_DAYS} days: {hit} of {len(of_role)}"
                )
        missed = [c.name for c in people if c not in reached]
        if missed:
            more = f" and {len(missed) - 3} more" if len(missed) > 3 else ""
            facts.append(f"Not contacted: {', '.join(missed[:3])}{more}")
        return ComponentScore(self.key, self.label, 100 * len(reached) / len(people), tuple(facts))


@dataclass(frozen=True)
class Commitments:
    key: str = "commitments"
    label: str = "Commitments kept"
    default_weight: int = 20
    description: str = "share kept of the commitments closed in the last 12 months"

    def score(self, account: Account, batch: Batch) -> ComponentScore:
        row = batch.commitments.get(account.pk, {})
        kept, broken = row.get("kept", 0), row.get("broken", 0)
        facts = [f"Kept {kept}, broken {broken} in the last 12 months"]
        if row.get("overdue"):
            facts.append(f"Open and overdue: {row['overdue']}")
        if kept + broken == 0:
            return ComponentScore(
                self.key, self.label, None, tuple(facts), "no commitment closed in 12 months"
            )
        return ComponentScore(self.key, self.label, 100 * kept / (kept + broken), tuple(facts))


@dataclass(frozen=True)
class Engagement:
    key: str = "engagement"
    label: str = "Engagement recency"
    default_weight: int = 15
    description: str = (
        f"days since the last communication: 100 up to {ENGAGED_DAYS} days, "
        f"falling to 0 at {SILENT_DAYS}"
    )

    def score(self, account: Account, batch: Batch) -> ComponentScore:
        last = account.last_contact_at
        if last is None:
            return ComponentScore(self.key, self.label, None, (), "no communication logged")
        days = max((batch.today - timezone.localdate(last)).days, 0)
        span = SILENT_DAYS - ENGAGED_DAYS
        score = 100.0 * min(max((SILENT_DAYS - days) / span, 0.0), 1.0)
        fact = f"Last communication {days} day{'s' if days != 1 else ''} ago ({last:%-d %b %Y})"
        return ComponentScore(self.key, self.label, score, (fact,), data={"days": days})


_BUILT_IN: tuple[HealthComponent, ...] = (
    FeedbackLevel(),
    FeedbackTrend(),
    Coverage(),
    Commitments(),
    Engagement(),
)
for _component in _BUILT_IN:
    register(_component)


# --- weighting ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Weighting:
    weights: Mapping[str, int]
    green_from: int = 70
    amber_from: int = 50
    renewal_days: int = 90

    def weight(self, key: str) -> int:
        if key in self.weights:
            return int(self.weights[key])
        return COMPONENTS[key].default_weight

    def band(self, score: float | None) -> str:
        if score is None:
            return ""
        rounded = round(score)
        return (
            "green"
            if rounded >= self.green_from
            else "amber"
            if rounded >= self.amber_from
            else "red"
        )


DEFAULT_WEIGHTING = Weighting(weights={})


@dataclass(frozen=True, slots=True)
class HealthResult:
    score: float | None
    band: str
    components: tuple[ComponentScore, ...]
    # Share of the total weight each included component carries after re-normalising.
    shares: Mapping[str, float]
    excluded: tuple[str, ...]  # labels of components left out for want of data


def combine(components: Iterable[ComponentScore], weighting: Weighting) -> HealthResult:
    """Weighted mean of the components that have a score; weights re-normalised over them."""
    components = tuple(components)
    included = [c for c in components if c.score is not None and weighting.weight(c.key) > 0]
    total = sum(weighting.weight(c.key) for c in included)
    if not total:
        return HealthResult(None, "", components, {}, tuple(c.label for c in components))
    shares = {c.key: weighting.weight(c.key) / total for c in included}
    score = sum(shares[c.key] * (c.score or 0.0) for c in included)
    excluded = tuple(c.label for c in components if c.key not in shares)
    return HealthResult(score, weighting.band(score), components, shares, excluded)


def score_accounts(
    accounts: Iterable[Account],
    weighting_for: Callable[[int], Weighting],
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> tuple[Batch, dict[int, HealthResult]]:
    """Health of every account given; one query per shared read, none per account."""
    now = now or timezone.now()
    batch = Batch(accounts, today=today or timezone.localdate(now), now=now)
    results = {}
    for account in batch.accounts:
        parts = [component.score(account, batch) for component in COMPONENTS.values()]
        results[account.pk] = combine(parts, weighting_for(account.team_id))
    return batch, results
