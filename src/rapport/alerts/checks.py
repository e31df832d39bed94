"""What each kind of rule finds in a batch of accounts.

`Facts` loads what the rules need for a batch of accounts, each fact once and for the whole
batch (one query or two per fact, whatever the number of accounts or stored responses): the
90-day snapshots and their monthly series, week and month rollups for the control charts,
accounts' own fields, open commitments, health, plans' KPI targets, expectation reviews. Only
two facts read responses, each through an index over a short window of the batch's accounts:
complaints in the last D days, and decision makers' answers in the last D days (decision 123).

A check returns `Outcome`: the findings (each will be, or refresh, an open alert) and the
subjects it could not judge (too few responses), whose open alerts stay as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from rapport.agreements.selectors import unmet_expectations
from rapport.alerts.models import Rule, RuleKind
from rapport.analytics.control.charts import (
    CHART_METRICS,
    AccountControlChart,
    Bucket,
    ChartOptions,
    build_chart,
    parse_rules,
    window,
)
from rapport.analytics.control.episodes import episodes
from rapport.analytics.models import (
    AccountHealth,
    AccountSnapshot,
    ControlLimitSet,
    MetricRollup,
    Period,
)
from rapport.analytics.variance.targets import organisation_target
from rapport.core import formats
from rapport.core.dates import local_midnight
from rapport.customers.models import Account, Commitment, CommitmentStatus, Contact, DecisionRole
from rapport.feedback.models import FeedbackChannel, Response
from rapport.monitoring.models import Kpi, PlanStatus, PlanVersion
from rapport.monitoring.selectors import KpiTarget, source_text
from rapport.stats import trend
from rapport.stats.metrics import METRICS, estimate

DETRACTOR_MAX = 6
# Months a trend needs at the least (stats.trend's own minimum is larger: these are months).
TREND_MIN_POINTS = 4


@dataclass(frozen=True, slots=True)
class Finding:
    account_id: int
    subject: str  # what in the account: "csat", "commitment:12", "contact:7", …
    title: str
    observed: str
    expected: str
    link: str
    link_text: str
    metric: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    undecided: set[tuple[int, str]] = field(default_factory=set)  # (account, subject)


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _account_url(account_id: int, query: Mapping[str, str] | None = None, anchor: str = "") -> str:
    url = reverse("customers:account", args=[account_id])
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{anchor}" if anchor else "")


def _reviews_url(account_id: int) -> str:
    """The account's expectation reviews (agreements), else its expectations on its page."""
    try:
        return reverse("agreements:account-reviews", args=[account_id])
    except NoReverseMatch:
        return _account_url(account_id, anchor="expectations")


def _label(metric: str) -> str:
    return METRICS[metric].label if metric in METRICS else metric


def _figure(metric: str, sums: Mapping[str, float], min_n: int) -> tuple[Any, str]:
    """The 90-day estimate and its words: "CSAT 71 % (64 to 77, n=180)"."""
    value = estimate(metric, sums, min_n=min_n)
    if value.value is None:
        return value, f"no {_label(metric)} answers in 90 days"
    unit = " %" if METRICS[metric].unit == "%" else ""
    decimals = 1 if metric == "ces" else 0
    span = (
        f"{formats.interval(value.low, value.high, decimals)}, "
        if value.low is not None and value.high is not None
        else ""
    )
    text = f"{_label(metric)} {formats.number(value.value, decimals)}{unit} ({span}n={value.n})"
    return value, text


class Facts:
    """What the rules read about a batch of accounts, each loaded on first use."""

    def __init__(self, account_ids: Iterable[int], *, now: datetime, today: date) -> None:
        self.account_ids = sorted(set(account_ids))
        self.now = now
        self.today = today
        self.min_n = settings.RAPPORT_MIN_N
        # The metrics the control-rule checks chart (set by the evaluation from its rules).
        self.chart_metrics: set[str] = set(CHART_METRICS)

    @cached_property
    def accounts(self) -> dict[int, Account]:
        rows = Account.objects.filter(pk__in=self.account_ids).only(
            "pk", "name", "team_id", "owner_id", "renewal_date", "last_decision_maker_contact_at"
        )
        return {a.pk: a for a in rows}

    @cached_property
    def snapshots(self) -> dict[tuple[int, str], tuple[dict[str, float], list[dict[str, Any]]]]:
        rows = AccountSnapshot.objects.filter(account_id__in=self.account_ids).values_list(
            "account_id", "metric", "current", "monthly"
        )
        return {(a, m): (current, monthly) for a, m, current, monthly in rows}

    def targets(self, metric: str) -> dict[int, KpiTarget]:
        """Each account's agreed KPI target for the metric, for the whole batch in one query
        (monitoring's `kpi_target` answers one account at a time)."""
        cache: dict[str, dict[int, KpiTarget]] = self.__dict__.setdefault("_targets", {})
        if metric not in cache:
            rows = Kpi.objects.filter(
                version__plan__account_id__in=self.account_ids,
                version__status=PlanStatus.AGREED,
                metric=metric,
            ).select_related("version__plan")
            found: dict[int, KpiTarget] = {}
            for kpi in rows.order_by("pk"):
                version = kpi.version
                agreed_on = (
                    timezone.localtime(version.agreed_at).date() if version.agreed_at else None
                )
                found.setdefault(
                    version.plan.account_id,
                    KpiTarget(
                        value=kpi.target,
                        tolerance=kpi.tolerance,
                        direction=kpi.direction,
                        source=source_text(version),
                        version_number=version.number,
                        agreed_on=agreed_on,
                    ),
                )
            cache[metric] = found
        return cache[metric]

    @cached_property
    def agreed_versions(self) -> dict[int, int]:
        """The agreed plan version of each account that has one (one query)."""
        rows = PlanVersion.objects.filter(
            plan__account_id__in=self.account_ids, status=PlanStatus.AGREED
        ).values_list("plan__account_id", "pk")
        return dict(rows)

    @cached_property
    def chart_buckets(self) -> dict[tuple[int, str, str], list[Bucket]]:
        """Week and month buckets of the chart metrics over the charts' window (one query)."""
        options = ChartOptions()
        start = min(
            window(Period.WEEK, options.months, self.today)[0],
            window(Period.MONTH, options.months, self.today)[0],
        )
        rows = (
            MetricRollup.objects.filter(
                account_id__in=self.account_ids,
                metric__in=sorted(self.chart_metrics),
                period__in=[Period.WEEK, Period.MONTH],
                period_start__gte=start,
                n__gt=0,
            )
            .order_by("period_start")
            .values_list(
                "account_id", "metric", "period", "period_start", "n", "top2", "detractors"
            )
        )
        result: dict[tuple[int, str, str], list[Bucket]] = defaultdict(list)
        for account_id, metric, period, start_day, n, top2, detractors in rows:
            count = top2 if CHART_METRICS[metric].count_field == "top2" else detractors
            result[(account_id, metric, period)].append(Bucket(start_day, n, count))
        return result

    @cached_property
    def limit_sets(self) -> dict[tuple[int, str], ControlLimitSet]:
        rows = ControlLimitSet.objects.filter(account_id__in=self.account_ids).order_by(
            "-created_at", "-pk"
        )
        result: dict[tuple[int, str], ControlLimitSet] = {}
        for row in rows:
            result.setdefault((row.account_id, row.metric), row)
        return result

    def chart(self, account_id: int, metric: str, preset: str) -> AccountControlChart:
        options = ChartOptions(rules=parse_rules([preset]))
        return build_chart(
            account_id=account_id,
            metric=CHART_METRICS[metric],
            weekly=self.chart_buckets.get((account_id, metric, Period.WEEK), []),
            monthly=self.chart_buckets.get((account_id, metric, Period.MONTH), []),
            options=options,
            stored=self.limit_sets.get((account_id, metric)),
            min_n=self.min_n,
            today=self.today,
        )

    def complaints(self, days: int) -> dict[int, int]:
        since = local_midnight(self.today - timedelta(days=days - 1))
        rows = (
            Response.objects.filter(
                account_id__in=self.account_ids,
                channel=FeedbackChannel.COMPLAINT,
                submitted_at__gte=since,
            )
            .order_by()
            .values("account_id")
            .annotate(n=Count("pk"))
        )
        return {r["account_id"]: r["n"] for r in rows}

    def decision_maker_answers(self, days: int) -> dict[int, list[dict[str, Any]]]:
        """Each decision maker's latest NPS answer in the window, per account."""
        since = local_midnight(self.today - timedelta(days=days - 1))
        rows = (
            Response.objects.filter(
                account_id__in=self.account_ids,
                submitted_at__gte=since,
                nps__isnull=False,
                respondent_contact__decision_role=DecisionRole.DECISION_MAKER,
            )
            .order_by("submitted_at", "pk")
            .values(
                "pk", "account_id", "nps", "submitted_at", "respondent_contact_id",
                "respondent_contact__name",
            )
        )  # fmt: skip
        latest: dict[int, dict[str, Any]] = {}
        for row in rows:
            latest[row["respondent_contact_id"]] = dict(row)
        result: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for answer in latest.values():
            result[answer["account_id"]].append(answer)
        return result

    @cached_property
    def with_decision_makers(self) -> set[int]:
        return set(
            Contact.objects.filter(
                account_id__in=self.account_ids, decision_role=DecisionRole.DECISION_MAKER
            ).values_list("account_id", flat=True)
        )

    @cached_property
    def open_commitments(self) -> dict[int, list[Commitment]]:
        rows = Commitment.objects.filter(
            account_id__in=self.account_ids, status=CommitmentStatus.OPEN, due_date__lt=self.today
        ).order_by("due_date", "pk")
        result: dict[int, list[Commitment]] = defaultdict(list)
        for row in rows:
            result[row.account_id].append(row)
        return result

    @cached_property
    def unmet(self) -> dict[int, list[Any]]:
        accounts = Account.objects.filter(pk__in=self.account_ids)
        result: dict[int, list[Any]] = defaultdict(list)
        for review in unmet_expectations(accounts=accounts):
            result[review.account_id].append(review)
        return result

    @cached_property
    def health(self) -> dict[int, AccountHealth]:
        rows = AccountHealth.objects.filter(account_id__in=self.account_ids)
        return {h.account_id: h for h in rows}


# --- the checks ------------------------------------------------------------------------------

Check = Callable[[Rule, Facts, list[int]], Outcome]


def target_breached(rule: Rule, facts: Facts, account_ids: list[int]) -> Outcome:
    metric = rule.params["metric"]
    targets = facts.targets(metric)
    outcome = Outcome()
    for account_id in account_ids:
        account = facts.accounts[account_id]
        agreed = targets.get(account_id)
        if agreed is not None:
            goal, tolerance = float(agreed.value), float(agreed.tolerance)
            higher = agreed.direction == "higher"
            source = agreed.source
        else:
            default = organisation_target(metric)  # the batch's KPIs were read above
            if default is None:
                continue
            goal, tolerance, higher = default.value, rule.params["default_tolerance"], True
            source = default.source
        sums = facts.snapshots.get((account_id, metric), ({}, []))[0]
        value, text = _figure(metric, sums, facts.min_n)
        if not value.enough:
            outcome.undecided.add((account_id, metric))
            continue
        bound = goal - tolerance if higher else goal + tolerance
        outside = value.value < bound if higher else value.value > bound
        if not outside:
            continue
        side = "at least" if higher else "at most"
        outcome.findings.append(
            Finding(
                account_id=account_id,
                subject=metric,
                title=f"{_label(metric)} outside its target band at {account.name}",
                observed=f"{text} over the last 90 days.",
                expected=f"{side} {formats.number(bound)}: target {formats.number(goal)} "
                f"± {formats.number(tolerance)} ({source}).",
                link=reverse("analytics:account", args=[account_id]) + "#variance",
                link_text="The 90-day change and the gap to target",
                metric=metric,
                data={"value": round(value.value, 2), "low": value.low, "high": value.high,
                      "n": value.n, "target": goal, "tolerance": tolerance, "bound": bound},
            )
        )  # fmt: skip
    return outcome


def control_rule_broken(rule: Rule, facts: Facts, account_ids: list[int]) -> Outcome:
    metric, preset = rule.params["metric"], rule.params["rules"]
    outcome = Outcome()
    for account_id in account_ids:
        chart = facts.chart(account_id, metric, preset)
        judged = [p for p in chart.points if p.enough and p.lcl is not None]
        if chart.limits is None or not judged:
            outcome.undecided.add((account_id, metric))
            continue
        latest = judged[-1].period_start
        open_episode = next(
            (e for e in reversed(episodes(chart)) if e.direction == "worse" and e.end >= latest),
            None,
        )
        if open_episode is None:
            continue
        worst = [s for s in chart.signals if open_episode.start <= s.period_start <= latest]
        account = facts.accounts[account_id]
        outcome.findings.append(
            Finding(
                account_id=account_id,
                subject=metric,
                title=f"{chart.metric.short} control rule broken at {account.name}",
                observed=f"{open_episode.label(chart.period)}: {open_episode.signals} signal"
                f"{'s' if open_episode.signals != 1 else ''} for the worse. "
                + (worst[-1].text if worst else ""),
                expected=f"{chart.metric.meaning.capitalize()} within its control limits, "
                f"centre {chart.limits.centre:.0f} % ({chart.rules.label}).",
                link=reverse("analytics:account", args=[account_id])
                + f"?{urlencode({'rules': preset})}#chart-{metric}",
                link_text="The control chart with the episode",
                metric=metric,
                data={"episode_start": open_episode.start.isoformat(),
                      "episode_end": open_episode.end.isoformat(),
                      "signals": open_episode.signals, "period": chart.period},
            )
        )  # fmt: skip
    return outcome


def significant_trend(rule: Rule, facts: Facts, account_ids: list[int]) -> Outcome:
    metric, periods = rule.params["metric"], rule.params["periods"]
    outcome = Outcome()
    first_month = facts.today.replace(day=1)
    for _ in range(periods - 1):
        first_month = (first_month - timedelta(days=1)).replace(day=1)
    for account_id in account_ids:
        monthly = facts.snapshots.get((account_id, metric), ({}, []))[1]
        points = [
            (date.fromisoformat(m["month"]), float(m["value"]))
            for m in monthly
            if m.get("value") is not None
            and m.get("n", 0) >= facts.min_n
            and date.fromisoformat(m["month"]) >= first_month
        ]
        if len(points) < TREND_MIN_POINTS:
            outcome.undecided.add((account_id, metric))
            continue
        times = [(d.year - first_month.year) * 12 + d.month - first_month.month for d, _ in points]
        fit = trend.linear_trend([v for _, v in points], times=times, min_n=TREND_MIN_POINTS)
        if fit.slope is None or fit.slope.high >= 0:
            continue
        account = facts.accounts[account_id]
        unit = " points" if metric == "nps" else (" % points" if metric == "csat" else "")
        slope = fit.slope
        outcome.findings.append(
            Finding(
                account_id=account_id,
                subject=metric,
                title=f"{_label(metric)} falling month after month at {account.name}",
                observed=f"{_label(metric)} changes by "
                f"{formats.number(slope.value, 1, signed=True)}{unit} a month over "
                f"{len(points)} months since {points[0][0]:%B %Y} "
                f"(95 % interval {formats.interval(slope.low, slope.high, 1, signed=True)}).",
                expected="No significant fall: a slope whose interval includes 0 or lies above it.",
                link=_account_url(account_id, {"metric": metric, "period": "month"}),
                link_text="The trend by month",
                metric=metric,
                data={"slope": slope.value, "low": slope.low, "high": slope.high,
                      "months": len(points)},
            )
        )  # fmt: skip
    return outcome


def complaints(rule: Rule, facts: Facts, account_ids: list[int]) -> Outcome:
    threshold, days = rule.params["threshold"], rule.params["days"]
    counts = facts.complaints(days)
    since = facts.today - timedelta(days=days - 1)
    outcome = Outcome()
    for account_id in account_ids:
        n = counts.get(account_id, 0)
        if n <= threshold:
            continue
        outcome.findings.append(
            Finding(
                account_id=account_id,
                subject="",
                title=f"{n} complaints in {days} days at {facts.accounts[account_id].name}",
                observed=f"{n} complaints since {_day(since)}.",
                expected=f"At most {threshold} complaints in {days} days.",
                link=_account_url(
                    account_id, {"channel": FeedbackChannel.COMPLAINT, "from": since.isoformat()},
                    "feedback",
                ),
                link_text="The complaints, in the feedback list",
                data={"complaints": n, "since": since.isoformat()},
            )
        )  # fmt: skip
    return outcome


def decision_maker_detractor(rule: Rule, facts: Facts, account_ids: list[int]) -> Outcome:
    days = rule.params["days"]
    answers = facts.decision_maker_answers(days)
    outcome = Outcome()
    for account_id in account_ids:
        for row in answers.get(account_id, []):
            if row["nps"] > DETRACTOR_MAX:
                continue
            name = row["respondent_contact__name"]
            when = row["submitted_at"].date()
            outcome.findings.append(
                Finding(
                    account_id=account_id,
                    subject=f"contact:{row['respondent_contact_id']}",
                    title=f"Decision maker {name} is a detractor at "
                    f"{facts.accounts[account_id].name}",
                    observed=f"{name}, a decision maker, last answered {row['nps']} out of 10 "
                    f"to the likelihood to recommend, on {_day(when)}.",
                    expected="Decision makers answer 7 or more (passive or promoter).",
                    link=_account_url(
                        account_id, {"detractors": "1", "from": when.isoformat()}, "feedback"
                    ),
                    link_text="Detractors' answers, in the feedback list",
                    metric="nps",
                    data={"contact": row["respondent_contact_id"], "nps": row["nps"],
                          "response": row["pk"], "answered_on": when.isoformat()},
                )
            )  # fmt: skip
    return outcome


def decision_maker_silent(rule: Rule, facts: Facts, account_ids: list[int]) -> Outcome:
    days = rule.params["days"]
    limit = facts.now - timedelta(days=days)
    outcome = Outcome()
    for account_id in account_ids:
        if account_id not in facts.with_decision_makers:
            continue
        account = facts.accounts[account_id]
        last = account.last_decision_maker_contact_at
        if last is not None and last >= limit:
            continue
        observed = (
            f"The last communication with a decision maker was on {_day(last.date())}, "
            f"{(facts.now - last).days} days ago."
            if last is not None
            else "No communication with a decision maker has been logged."
        )
        outcome.findings.append(
            Finding(
                account_id=account_id,
                subject="",
                title=f"No contact with a decision maker at {account.name}",
                observed=observed,
                expected=f"A communication with a decision maker at least every {days} days.",
                link=_account_url(account_id, anchor="communications"),
                link_text="The account's communications",
                data={"last": last.isoformat() if last else None, "days": days},
            )
        )
    return outcome


def commitment_overdue(rule: Rule, facts: Facts, account_ids: list[int]) -> Outcome:
    grace = rule.params["grace_days"]
    outcome = Outcome()
    for account_id in account_ids:
        for commitment in facts.open_commitments.get(account_id, []):
            late = (facts.today - commitment.due_date).days
            if late <= grace:
                continue
            words = (
                commitment.description
                if len(commitment.description) <= 80
                else (commitment.description[:79] + "…")
            )
            outcome.findings.append(
                Finding(
                    account_id=account_id,
                    subject=f"commitment:{commitment.pk}",
                    title=f"Commitment overdue at {facts.accounts[account_id].name}: {words}",
                    observed=f"Still open {late} day{'s' if late != 1 else ''} after its due "
                    f"date, {_day(commitment.due_date)}.",
                    expected="Kept (or renegotiated with the customer) by its due date"
                    + (f", or within {grace} days of it." if grace else "."),
                    link=reverse(
                        "customers:related-edit",
                        kwargs={"kind": "commitments", "pk": commitment.pk},
                    ),
                    link_text="The commitment",
                    data={"commitment": commitment.pk, "due": commitment.due_date.isoformat(),
                          "days_late": late},
                )
            )  # fmt: skip
    return outcome


def expectation_not_met(rule: Rule, facts: Facts, account_ids: list[int]) -> Outcome:
    outcome = Outcome()
    for account_id in account_ids:
        for review in facts.unmet.get(account_id, []):
            expectation = review.expectation
            words = expectation.description[:80]
            outcome.findings.append(
                Finding(
                    account_id=account_id,
                    subject=f"expectation:{expectation.pk}",
                    title=f"Expectation not met at {facts.accounts[account_id].name}: {words}",
                    observed=f"Reviewed on {_day(review.reviewed_on)}: "
                    f"{review.get_outcome_display().lower()}.",
                    expected="The expectation met, or alternatives agreed with the customer.",
                    link=_reviews_url(account_id),
                    link_text="The account's expectation reviews",
                    data={"expectation": expectation.pk, "review": review.pk,
                          "outcome": review.outcome},
                )
            )  # fmt: skip
    return outcome


def renewal_health_falling(rule: Rule, facts: Facts, account_ids: list[int]) -> Outcome:
    days = rule.params["days"]
    outcome = Outcome()
    for account_id in account_ids:
        account = facts.accounts[account_id]
        renewal = account.renewal_date
        if renewal is None or not facts.today <= renewal <= facts.today + timedelta(days=days):
            continue
        health = facts.health.get(account_id)
        falling = [r for r in (health.risks if health else []) if r["code"] == "falling_component"]
        if not falling:
            continue
        left = (renewal - facts.today).days
        outcome.findings.append(
            Finding(
                account_id=account_id,
                subject=f"renewal:{renewal.isoformat()}",
                title=f"Renewal in {left} days with health falling at {account.name}",
                observed=f"Renews on {_day(renewal)}; "
                + "; ".join(r["text"] for r in falling)
                + ".",
                expected=f"Health steady or rising in the {days} days before a renewal.",
                link=reverse("analytics:health", args=[account_id]),
                link_text="The account's health",
                data={"renewal": renewal.isoformat(), "score": health.score if health else None},
            )
        )
    return outcome


CHECKS: dict[str, Check] = {
    RuleKind.TARGET_BREACHED: target_breached,
    RuleKind.CONTROL_RULE_BROKEN: control_rule_broken,
    RuleKind.SIGNIFICANT_TREND: significant_trend,
    RuleKind.COMPLAINTS: complaints,
    RuleKind.DECISION_MAKER_DETRACTOR: decision_maker_detractor,
    RuleKind.DECISION_MAKER_SILENT: decision_maker_silent,
    RuleKind.COMMITMENT_OVERDUE: commitment_overdue,
    RuleKind.EXPECTATION_NOT_MET: expectation_not_met,
    RuleKind.RENEWAL_HEALTH_FALLING: renewal_health_falling,
}
