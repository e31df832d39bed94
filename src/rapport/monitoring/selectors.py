"""Every read of monitoring plans, their schedules and adherence.

The contract functions other apps call (`agreed_version`, `kpis_for`, `kpi_target`,
`responsible_owner`, `adherence`) take an account or accounts the caller already holds and
may see; the functions that take `user` scope by team themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from rapport.analytics.models import AccountSnapshot
from rapport.core import formats
from rapport.core.access import Actor, scope
from rapport.core.models import User
from rapport.customers.models import Account
from rapport.monitoring.diff import SHARED_TEXT_FIELDS
from rapport.monitoring.models import (
    ActivityStatus,
    Kpi,
    MonitoringPlan,
    PlanChangeRequest,
    PlanMethod,
    PlanReport,
    PlanStatus,
    PlanTemplate,
    PlanVersion,
    ScheduledActivity,
)
from rapport.monitoring.recurrence import describe, organisation_zone
from rapport.stats import intervals
from rapport.stats.metrics import estimate, metric_def

# --- the contract ---------------------------------------------------------------------------


def agreed_version(*, account: Account) -> PlanVersion | None:
    """The version in force for the account: the agreed one, or None."""
    return (
        PlanVersion.objects.filter(plan__account_id=account.pk, status=PlanStatus.AGREED)
        .select_related("plan", "agreed_with", "agreed_by")
        .first()
    )


def kpis_for(*, account: Account) -> list[Kpi]:
    """The KPIs of the agreed version ([] when no version is agreed)."""
    return list(
        Kpi.objects.filter(
            version__plan__account_id=account.pk, version__status=PlanStatus.AGREED
        ).select_related("version")
    )


@dataclass(frozen=True, slots=True)
class KpiTarget:
    value: float
    tolerance: float
    direction: str  # KpiDirection
    source: str  # "agreed plan v3, 2026-10-01"
    version_number: int
    agreed_on: date | None

    @property
    def band(self) -> tuple[float, float]:
        """Values still accepted: the target less the tolerance on the worse side."""
        if self.direction == "lower":
            return (self.value, self.value + self.tolerance)
        return (self.value - self.tolerance, self.value)

    def met_by(self, value: float) -> bool:
        low, high = self.band
        return value >= low if self.direction != "lower" else value <= high


def source_text(version: PlanVersion) -> str:
    agreed_on = timezone.localtime(version.agreed_at).date() if version.agreed_at else None
    return f"agreed plan v{version.number}" + (f", {agreed_on.isoformat()}" if agreed_on else "")


def kpi_target(*, account: Account, metric: str) -> KpiTarget | None:
    """The agreed target of a metric for the account, with its source, or None."""
    kpi = (
        Kpi.objects.filter(
            version__plan__account_id=account.pk,
            version__status=PlanStatus.AGREED,
            metric=metric,
        )
        .select_related("version")
        .first()
    )
    if kpi is None:
        return None
    version = kpi.version
    return KpiTarget(
        value=kpi.target,
        tolerance=kpi.tolerance,
        direction=kpi.direction,
        source=source_text(version),
        version_number=version.number,
        agreed_on=timezone.localtime(version.agreed_at).date() if version.agreed_at else None,
    )


def responsible_owner(*, account: Account, method_kind: str | None = None) -> User | None:
    """Who acts for the plan: the owner of the agreed plan's method of that kind (the first
    with an owner when no kind is given), else the account's owner."""
    methods = PlanMethod.objects.filter(
        version__plan__account_id=account.pk,
        version__status=PlanStatus.AGREED,
        owner__isnull=False,
        owner__is_active=True,
    ).select_related("owner")
    if method_kind is not None:
        methods = methods.filter(kind=method_kind)
    method = methods.order_by("pk").first()
    if method is not None:
        return method.owner
    if account.owner_id is None:
        return None
    return User.objects.filter(pk=account.owner_id, is_active=True).first()


@dataclass(frozen=True, slots=True)
class Adherence:
    """Planned activities that fell due in a period (or were done early), and those done on
    time, with the share's Wilson interval (None when nothing fell due)."""

    due: int
    done_on_time: int
    done_late: int
    start: date
    end: date
    share: float | None
    interval: intervals.Estimate | None

    @property
    def percent(self) -> str:
        return "—" if self.share is None else f"{formats.number(self.share * 100)} %"

    @property
    def percent_text(self) -> str:
        if self.share is None or self.interval is None:
            return "nothing fell due"
        return (
            f"{formats.number(self.share * 100)} % "
            f"({formats.interval(self.interval.low * 100, self.interval.high * 100)}; "
            f"{self.done_on_time} of {self.due})"
        )


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = organisation_zone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def counted_activities(
    queryset: QuerySet[ScheduledActivity], *, start: date, end: date, now: datetime | None = None
) -> QuerySet[ScheduledActivity]:
    """Activities that count for adherence: due in [start, end] (local days), not cancelled,
    and either done or past their on-time limit (one still within it is not judged yet)."""
    now = now or timezone.now()
    low, high = _day_bounds(start, end)
    return (
        queryset.filter(due_at__gte=low, due_at__lt=high)
        .exclude(status=ActivityStatus.CANCELLED)
        .filter(Q(status=ActivityStatus.DONE) | Q(late_after__lte=now))
    )


def _adherence_of(counts: Mapping[str, Any], start: date, end: date) -> Adherence:
    due = counts["due"] or 0
    on_time = counts["on_time"] or 0
    estimate = intervals.wilson(on_time, due) if due else None
    return Adherence(
        due=due,
        done_on_time=on_time,
        done_late=counts["late"] or 0,
        start=start,
        end=end,
        share=estimate.value if estimate else None,
        interval=estimate,
    )


_COUNTS = {
    "due": Count("pk"),
    "on_time": Count("pk", filter=Q(status=ActivityStatus.DONE, done_on_time=True)),
    "late": Count("pk", filter=Q(status=ActivityStatus.DONE, done_on_time=False)),
}


def adherence(
    *, accounts: QuerySet[Account], start: date, end: date, now: datetime | None = None
) -> Adherence:
    """Share of the accounts' planned activities in [start, end] done on time (one query)."""
    rows = counted_activities(
        ScheduledActivity.objects.filter(account__in=accounts), start=start, end=end, now=now
    )
    return _adherence_of(rows.aggregate(**_COUNTS), start, end)


def adherence_by_account(
    *, accounts: QuerySet[Account], start: date, end: date, now: datetime | None = None
) -> dict[int, Adherence]:
    """Adherence per account (one grouped query)."""
    rows = (
        counted_activities(
            ScheduledActivity.objects.filter(account__in=accounts), start=start, end=end, now=now
        )
        .values("account_id")
        .annotate(**_COUNTS)
    )
    return {row["account_id"]: _adherence_of(row, start, end) for row in rows}


def adherence_by_team(
    *, accounts: QuerySet[Account], start: date, end: date, now: datetime | None = None
) -> dict[int, Adherence]:
    """Adherence per team (one grouped query on the activities' team copy)."""
    rows = (
        counted_activities(
            ScheduledActivity.objects.filter(account__in=accounts), start=start, end=end, now=now
        )
        .values("team_id")
        .annotate(**_COUNTS)
    )
    return {row["team_id"]: _adherence_of(row, start, end) for row in rows}


def adherence_by_owner(
    *, accounts: QuerySet[Account], start: date, end: date, now: datetime | None = None
) -> dict[int | None, Adherence]:
    """Adherence per activity owner (one grouped query)."""
    rows = (
        counted_activities(
            ScheduledActivity.objects.filter(account__in=accounts), start=start, end=end, now=now
        )
        .values("owner_id")
        .annotate(**_COUNTS)
    )
    return {row["owner_id"]: _adherence_of(row, start, end) for row in rows}


# --- plans and versions, scoped to the actor ------------------------------------------------


def plans_for(user: Actor) -> QuerySet[MonitoringPlan]:
    return scope(MonitoringPlan.objects.select_related("account"), user)


def plan_for_account(user: Actor, account: Account) -> MonitoringPlan | None:
    """The account's plan (the caller fetched the account through customers' selectors)."""
    return plans_for(user).filter(account_id=account.pk).first()


def get_plan(user: Actor, plan_id: int) -> MonitoringPlan:
    plan = plans_for(user).select_related("account__team", "account__owner").filter(pk=plan_id)
    found = plan.first()
    if found is None:
        raise Http404("No such plan.")
    return found


def versions_for(user: Actor) -> QuerySet[PlanVersion]:
    return scope(PlanVersion.objects.select_related("plan__account"), user, team_field="plan__team")


def get_version(user: Actor, version_id: int) -> PlanVersion:
    version = versions_for(user).filter(pk=version_id).first()
    if version is None:
        raise Http404("No such plan version.")
    return version


def version_contents(version_id: int) -> PlanVersion:
    """A version with its methods, KPIs and reports and the people they name (6 queries)."""
    return (
        PlanVersion.objects.select_related(
            "plan__account", "agreed_with", "agreed_by", "proposed_by", "created_by", "template"
        )
        .prefetch_related(
            Prefetch(
                "methods",
                PlanMethod.objects.select_related("owner").prefetch_related(
                    "our_stakeholders", "customer_contacts", "external_parties"
                ),
            ),
            "kpis",
            Prefetch(
                "reports",
                PlanReport.objects.prefetch_related("recipient_users", "recipient_contacts"),
            ),
            "change_requests",
        )
        .get(pk=version_id)
    )


def methods_for(user: Actor) -> QuerySet[PlanMethod]:
    return scope(
        PlanMethod.objects.select_related("version__plan", "owner"),
        user,
        team_field="version__plan__team",
    )


def kpis_visible(user: Actor) -> QuerySet[Kpi]:
    return scope(
        Kpi.objects.select_related("version__plan"), user, team_field="version__plan__team"
    )


def reports_visible(user: Actor) -> QuerySet[PlanReport]:
    return scope(
        PlanReport.objects.select_related("version__plan"), user, team_field="version__plan__team"
    )


def change_requests_for(user: Actor) -> QuerySet[PlanChangeRequest]:
    return scope(
        PlanChangeRequest.objects.select_related("plan__account", "requested_by", "version"),
        user,
        team_field="plan__team",
    )


def get_change_request(user: Actor, pk: int) -> PlanChangeRequest:
    found = change_requests_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such change request.")
    return found


def templates() -> QuerySet[PlanTemplate]:
    """Templates are organisation-wide: every signed-in user may read them."""
    return PlanTemplate.objects.all()


def template_for_tier(tier: str) -> PlanTemplate | None:
    return PlanTemplate.objects.filter(tier=tier).first()


# --- activities -----------------------------------------------------------------------------


def activities_for(user: Actor) -> QuerySet[ScheduledActivity]:
    return scope(
        ScheduledActivity.objects.select_related("account", "owner", "method", "done_by"), user
    )


def get_activity(user: Actor, pk: int) -> ScheduledActivity:
    found = activities_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such activity.")
    return found


def is_overdue(activity: ScheduledActivity, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return activity.status == ActivityStatus.DUE and activity.late_after <= now


def overdue_text(activity: ScheduledActivity, now: datetime | None = None) -> str:
    """ "overdue by 3 days" / "due in 5 days" / "due today" / "done on time"…, in words."""
    now = now or timezone.now()
    zone = organisation_zone()
    today = now.astimezone(zone).date()
    due_day = activity.due_at.astimezone(zone).date()
    if activity.status == ActivityStatus.DONE:
        return "done on time" if activity.done_on_time else "done late"
    if activity.status == ActivityStatus.CANCELLED:
        return "cancelled"
    if activity.status == ActivityStatus.MISSED:
        return "missed"
    days = (due_day - today).days
    if is_overdue(activity, now):
        late = (today - due_day).days
        return f"overdue by {late} day{'s' if late != 1 else ''}"
    if days > 0:
        return f"due in {days} day{'s' if days != 1 else ''}"
    if days == 0:
        return "due today"
    return f"due {-days} day{'s' if days != -1 else ''} ago, still on time"


# --- the plan page's KPI table --------------------------------------------------------------

ADHERENCE_DAYS = 90


@dataclass(frozen=True)
class KpiRow:
    """One KPI beside its current 90-day figure: target, band, source and whether it is met."""

    label: str
    metric: str
    target: float | None
    band_text: str
    source: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    enough: bool
    verdict: str  # "met", "within tolerance", "below target", "too few responses"…


def _verdict(kpi: Kpi, value: float | None, enough: bool) -> str:
    if value is None:
        return "no responses yet"
    if not enough:
        return "too few responses to judge"
    better = value >= kpi.target if kpi.direction == "higher" else value <= kpi.target
    if better:
        return "on target"
    target = KpiTarget(kpi.target, kpi.tolerance, kpi.direction, "", 0, None)
    if target.met_by(value):
        return "within tolerance"
    return "below target" if kpi.direction == "higher" else "above target"


def kpi_rows(*, account: Account, version: PlanVersion) -> list[KpiRow]:
    """The agreed KPIs with the account's 90-day figures (one query for all), then adherence
    to the plan's schedule as a KPI of its own (one query)."""
    kpis = list(version.kpis.all())
    snapshots = {
        s.metric: s
        for s in AccountSnapshot.objects.filter(
            account_id=account.pk, metric__in=[k.metric for k in kpis]
        )
    }
    source = source_text(version)
    min_n = settings.RAPPORT_MIN_N
    rows = []
    for kpi in kpis:
        snapshot = snapshots.get(kpi.metric)
        current = estimate(kpi.metric, snapshot.current, min_n=min_n) if snapshot else None
        value = current.value if current else None
        low, high = (
            (kpi.target - kpi.tolerance, kpi.target)
            if kpi.direction == "higher"
            else (kpi.target, kpi.target + kpi.tolerance)
        )
        rows.append(
            KpiRow(
                label=metric_def(kpi.metric).label,
                metric=kpi.metric,
                target=kpi.target,
                band_text=f"{formats.number(low, 1)} to {formats.number(high, 1)}",
                source=source,
                value=value,
                low=current.low if current else None,
                high=current.high if current else None,
                n=current.n if current else 0,
                enough=bool(current and current.enough),
                verdict=_verdict(kpi, value, bool(current and current.enough)),
            )
        )
    end = timezone.localdate()
    result = adherence(
        accounts=Account.objects.filter(pk=account.pk),
        start=end - timedelta(days=ADHERENCE_DAYS - 1),
        end=end,
    )
    rows.append(
        KpiRow(
            label="Adherence to the plan (activities done on time)",
            metric="adherence",
            target=None,
            band_text="",
            source=f"schedule of {source}, last {ADHERENCE_DAYS} days",
            value=result.share * 100 if result.share is not None else None,
            low=result.interval.low * 100 if result.interval else None,
            high=result.interval.high * 100 if result.interval else None,
            n=result.due,
            enough=result.due > 0,
            verdict=f"{result.done_on_time} of {result.due} on time"
            if result.due
            else "nothing fell due yet",
        )
    )
    return rows


# --- the customer's view --------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerMethod:
    label: str
    formal: str
    frequency: str
    owner: str
    your_people: str
    independent: str
    technology: str


@dataclass(frozen=True)
class CustomerPlan:
    """What the customer sees of a version: no cost, margin or internal notes, by construction
    (the template gets only these fields)."""

    number: int
    status: str
    agreed_at: datetime | None
    agreed_with: str
    texts: list[tuple[str, str]]
    methods: list[CustomerMethod]
    kpis: list[tuple[str, str, str]]  # label, target, direction
    reports: list[tuple[str, str]]  # report type, frequency


def customer_plan(version: PlanVersion) -> CustomerPlan:
    """From a version fetched with `version_contents` (no further queries)."""

    def person(user: Any) -> str:
        return (user.get_full_name() or user.get_username()) if user else "the account team"

    methods = [
        CustomerMethod(
            label=str(m),
            formal="formal" if m.formal else "informal",
            frequency=describe(m.recurrence),
            owner=person(m.owner),
            your_people=", ".join(c.name for c in m.customer_contacts.all()),
            independent=", ".join(p.name for p in m.external_parties.all()),
            technology=m.technology,
        )
        for m in version.methods.all()
    ]
    return CustomerPlan(
        number=version.number,
        status=version.get_status_display(),
        agreed_at=version.agreed_at,
        agreed_with=version.agreed_with_name,
        texts=[(label, getattr(version, name)) for name, label in SHARED_TEXT_FIELDS],
        methods=methods,
        kpis=[
            (
                metric_def(k.metric).label,
                f"{k.target:g} (± {k.tolerance:g})",
                k.get_direction_display(),
            )
            for k in version.kpis.all()
        ],
        reports=[
            (r.report_type.replace("_", " ").capitalize(), describe(r.recurrence))
            for r in version.reports.all()
            if r.audience == "customer"
        ],
    )
