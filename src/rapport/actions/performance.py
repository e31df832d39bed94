"""Own and team performance for a period: actions closed on time, commitments kept on time,
contact coverage of decision makers and influencers, and the accounts' KPIs against their
targets. Each figure is one aggregate query over all the people shown (never one per person or
account); KPIs are shown a page of accounts at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from rapport.actions.models import Action, ActionStatus
from rapport.analytics.rollups.selectors import snapshots_for
from rapport.analytics.variance.targets import target_for
from rapport.core.access import Actor, Capability, scope_of
from rapport.core.models import Membership, Team, User
from rapport.customers.models import (
    Account,
    Commitment,
    CommitmentStatus,
    Contact,
    DecisionRole,
)
from rapport.stats.intervals import wilson
from rapport.stats.metrics import MetricValue

COVERAGE_DAYS = 90
KPI_METRICS = ("nps", "csat")
COVERED_ROLES = (DecisionRole.DECISION_MAKER, DecisionRole.INFLUENCER)


@dataclass(frozen=True)
class Share:
    """k of n with its Wilson 95 % interval, in percent (None when n = 0)."""

    k: int
    n: int

    @property
    def estimate(self) -> tuple[float, float, float] | None:
        if self.n == 0:
            return None
        est = wilson(self.k, self.n)
        return est.value * 100, est.low * 100, est.high * 100

    @property
    def value(self) -> float | None:
        return None if self.estimate is None else self.estimate[0]

    @property
    def low(self) -> float | None:
        return None if self.estimate is None else self.estimate[1]

    @property
    def high(self) -> float | None:
        return None if self.estimate is None else self.estimate[2]

    def __add__(self, other: Share) -> Share:
        return Share(self.k + other.k, self.n + other.n)


@dataclass
class PersonFigures:
    user: User
    actions: Share = field(default_factory=lambda: Share(0, 0))
    commitments: Share = field(default_factory=lambda: Share(0, 0))
    coverage: Share = field(default_factory=lambda: Share(0, 0))
    accounts: int = 0


@dataclass(frozen=True)
class KpiTargetShown:
    value: float
    tolerance: float | None
    direction: str  # higher | lower
    source: str
    organisation_default: bool


@dataclass(frozen=True)
class KpiRow:
    account: Account
    metric: str
    current: MetricValue | None
    target: KpiTargetShown | None
    verdict: str  # "on target", "within tolerance", "off target", "too few responses", "no target"


@dataclass
class Performance:
    start: date
    end: date
    people: list[PersonFigures]
    total: PersonFigures
    kpis: Page[Account]
    kpi_rows: list[KpiRow]
    team: Team | None = None
    person: User | None = None


# Monitoring registers a bulk reader of agreed KPI targets here (decision 51); without one, the
# organisation's defaults from analytics apply, marked as such.
TARGET_READERS: list[Callable[[Sequence[Account], Sequence[str]], dict[tuple[int, str], Any]]] = []


def period_from(query: Any, *, today: date | None = None) -> tuple[date, date]:
    from rapport.actions.board import _day

    today = today or timezone.localdate()
    end = _day(query, "to") or today
    start = _day(query, "from") or end - timedelta(days=89)
    if start > end:
        from django.core.exceptions import BadRequest

        raise BadRequest("from must be on or before to.")
    return start, end


def may_see_person(viewer: Actor, person: User) -> bool:
    """Oneself; a manager of a team the person belongs to (or the person's named manager);
    administrators. People's own performance is confidential to them and their managers."""
    if viewer.pk == person.pk:
        return True
    viewer_scope = scope_of(viewer)
    if viewer_scope.all_teams:
        return True
    rows = Membership.objects.filter(user_id=person.pk).values_list("team_id", "manager_id")
    return any(
        manager_id == viewer.pk or viewer_scope.can(Capability.MANAGE_PEOPLE, team_id)
        for team_id, manager_id in rows
    )


def may_see_team(viewer: Actor, team_id: int) -> bool:
    return scope_of(viewer).can(Capability.MANAGE_PEOPLE, team_id)


def _shares(rows: Iterable[Any], key: str, k: str, n: str) -> dict[int, Share]:
    return {row[key]: Share(int(row[k] or 0), int(row[n] or 0)) for row in rows if row[key]}


def figures(
    *, people: Sequence[User], team_ids: Sequence[int], start: date, end: date, today: date
) -> list[PersonFigures]:
    """The three shares per person in three queries, whatever the number of people."""
    ids = [p.pk for p in people]
    due_until = min(end, today)
    actions = _shares(
        Action.objects.filter(
            owner_id__in=ids, team_id__in=team_ids, due_on__gte=start, due_on__lte=due_until
        )
        .exclude(status=ActionStatus.CANCELLED)
        .values("owner_id")
        .annotate(
            n=Count("pk"),
            k=Count(
                "pk", filter=Q(status=ActionStatus.DONE, closed_on__lte=F("due_on"))
            ),
        ),
        "owner_id", "k", "n",
    )  # fmt: skip
    commitments = _shares(
        Commitment.objects.filter(
            owner_id__in=ids,
            account__team_id__in=team_ids,
            due_date__gte=start,
            due_date__lte=due_until,
        )
        .values("owner_id")
        .annotate(
            n=Count("pk"),
            k=Count(
                "pk",
                filter=Q(status=CommitmentStatus.KEPT, closed_on__lte=F("due_date")),
            ),
        ),
        "owner_id", "k", "n",
    )  # fmt: skip
    since = timezone.now() - timedelta(days=COVERAGE_DAYS)
    coverage_rows = list(
        Contact.objects.filter(
            account__owner_id__in=ids,
            account__team_id__in=team_ids,
            decision_role__in=COVERED_ROLES,
        )
        .values("account__owner_id")
        .annotate(
            n=Count("pk"),
            k=Count("pk", filter=Q(last_contacted_at__gte=since)),
            accounts=Count("account_id", distinct=True),
        )
    )
    coverage = _shares(coverage_rows, "account__owner_id", "k", "n")
    accounts = {r["account__owner_id"]: r["accounts"] for r in coverage_rows}
    return [
        PersonFigures(
            user=p,
            actions=actions.get(p.pk, Share(0, 0)),
            commitments=commitments.get(p.pk, Share(0, 0)),
            coverage=coverage.get(p.pk, Share(0, 0)),
            accounts=accounts.get(p.pk, 0),
        )
        for p in people
    ]


def _targets(accounts: Sequence[Account], metrics: Sequence[str]) -> dict[tuple[int, str], Any]:
    agreed: dict[tuple[int, str], Any] = {}
    for reader in TARGET_READERS:
        agreed.update(reader(accounts, metrics))
    shown = {}
    for account in accounts:
        for metric in metrics:
            if (account.pk, metric) in agreed:
                shown[(account.pk, metric)] = agreed[(account.pk, metric)]
                continue
            default = target_for(account, metric)
            if default is not None:
                shown[(account.pk, metric)] = KpiTargetShown(
                    default.value, None, "higher", default.source, organisation_default=True
                )
    return shown


def _verdict(current: MetricValue | None, target: KpiTargetShown | None) -> str:
    if target is None:
        return "no target"
    if current is None or current.value is None or not current.enough:
        return "too few responses"
    gap = (
        current.value - target.value
        if target.direction == "higher"
        else target.value - current.value
    )
    if gap >= 0:
        return "on target"
    if target.tolerance is not None and -gap <= target.tolerance:
        return "within tolerance"
    return "off target"


def kpi_rows(accounts: Sequence[Account]) -> list[KpiRow]:
    """Each account's 90-day NPS and CSAT against its target (one snapshot query, one target
    read for the page)."""
    snaps = snapshots_for([a.pk for a in accounts], KPI_METRICS)
    targets = _targets(accounts, KPI_METRICS)
    rows = []
    for account in accounts:
        for metric in KPI_METRICS:
            view = snaps.get((account.pk, metric))
            current = view.current if view else None
            target = targets.get((account.pk, metric))
            rows.append(KpiRow(account, metric, current, target, _verdict(current, target)))
    return rows


def person_performance(
    viewer: Actor, person: User, *, start: date, end: date, kpi_page: Any = 1
) -> Performance:
    if not may_see_person(viewer, person):
        raise Http404("No such person.")
    viewer_scope = scope_of(viewer)
    team_ids = list(Membership.objects.filter(user_id=person.pk).values_list("team_id", flat=True))
    if not viewer_scope.all_teams and viewer.pk != person.pk:
        team_ids = [t for t in team_ids if t in viewer_scope.team_ids]
    today = timezone.localdate()
    [mine] = figures(people=[person], team_ids=team_ids, start=start, end=end, today=today)
    accounts = Account.objects.filter(owner_id=person.pk, team_id__in=team_ids).order_by("name")
    page = Paginator(accounts, settings.RAPPORT_PAGE_SIZE).get_page(kpi_page)
    return Performance(start, end, [mine], mine, page, kpi_rows(list(page)), person=person)


def team_performance(
    viewer: Actor, team: Team, *, start: date, end: date, kpi_page: Any = 1
) -> Performance:
    if not may_see_team(viewer, team.pk):
        raise Http404("No such team.")
    people = list(
        User.objects.filter(memberships__team_id=team.pk, is_active=True).order_by(
            "first_name", "last_name", "username"
        )
    )
    today = timezone.localdate()
    rows = figures(people=people, team_ids=[team.pk], start=start, end=end, today=today)
    total = PersonFigures(user=User(username=team.name))
    for row in rows:
        total.actions += row.actions
        total.commitments += row.commitments
        total.coverage += row.coverage
        total.accounts += row.accounts
    accounts = Account.objects.filter(team_id=team.pk).order_by("name")
    page = Paginator(accounts, settings.RAPPORT_PAGE_SIZE).get_page(kpi_page)
    return Performance(start, end, rows, total, page, kpi_rows(list(page)), team=team)
