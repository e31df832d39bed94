"""Account review pack, for a quarterly business review: relationship summary, KPIs against
targets with intervals and their trends, control charts, variances with their themes,
commitments kept and broken, next period's plan, recommendations."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from rapport.actions.models import ActionStatus
from rapport.actions.selectors import actions_for, loop_closures_for
from rapport.analytics.charts import trend_chart
from rapport.analytics.health.selectors import account_health
from rapport.analytics.rollups.selectors import period_with_enough, snapshots_for, trend_series
from rapport.core import formats
from rapport.customers.models import (
    Account,
    Commitment,
    CommitmentStatus,
    Communication,
    DecisionRole,
)
from rapport.monitoring.models import ActivityStatus, ScheduledActivity
from rapport.monitoring.selectors import agreed_version, kpis_for, source_text
from rapport.reports.document import Column, Document, Figure, Section, money_cell
from rapport.reports.registry import BuildContext, ReportType, register_type
from rapport.reports.types import account_parts
from rapport.reports.types.common import SHOWN_METRICS, figure_text, value_cell
from rapport.stats.metrics import metric_def

KEY = "account_review_pack"
SECTIONS = (
    ("relationship", "Relationship summary"),
    ("kpis", "KPIs against targets"),
    ("control", "Control charts"),
    ("variances", "Variances and their reasons"),
    ("commitments", "Commitments kept and broken"),
    ("actions", "Actions and loops closed"),
    ("next_period", "Next period's plan"),
    ("internal", "For our team only: value, cost to serve, margin, health"),
    ("recommendations", "Recommendations"),
)


def _the_account(ctx: BuildContext) -> Account:
    account = ctx.accounts.select_related("team", "owner").order_by("pk").first()
    if account is None:
        raise ValueError("the review pack needs one account the owner may see")
    return account


def build(ctx: BuildContext) -> Document:
    account = _the_account(ctx)
    as_of = ctx.period_end
    doc = Document(
        title=ctx.title,
        subtitle=f"Account review pack: {account.name}",
        report_type=KEY,
        audience=ctx.audience,
        period_start=ctx.period_start,
        period_end=ctx.period_end,
        as_of=ctx.as_of.isoformat(),
    )
    analysis = account_parts.analyse(ctx, account, as_of)
    ctx.progress("analytics read")

    _relationship(ctx, doc, account)
    kpis = doc.section("kpis", "KPIs against targets")
    kpis.figures(account_parts.kpi_figures(analysis))
    _plan_kpis(kpis, account)
    kpis.paragraph(
        "Each figure is the last 90 days with its 95 % interval and number of responses. A "
        "target is met or missed only when the whole interval lies on one side of it."
    )
    for metric in SHOWN_METRICS:
        series = trend_series(ctx.reader, account_id=account.pk, metric=metric)
        period = "quarter" if period_with_enough(series) == "quarter" else "month"
        kpis.chart(
            f"{metric_def(metric).label} by {period} with its 95 % interval",
            trend_chart(series[period], metric=metric, period=period),
        )
    ctx.progress("trends drawn")

    control = doc.section("control", "Control charts")
    control.paragraph(
        "Points outside the limits or runs that break a rule are signals: something changed "
        "beyond the usual variation. Grey points had too few responses to judge."
    )
    account_parts.add_control_charts(control, analysis)

    variances = doc.section("variances", "Variances and their reasons")
    account_parts.add_variance_blocks(variances, ctx, analysis, as_of)
    account_parts.recommend_from_analysis(ctx, analysis)
    ctx.progress("variances explained")

    _commitments(ctx, doc, account)
    _actions(ctx, doc, account)
    _next_period(ctx, doc, account)
    if not ctx.customer:
        _internal(ctx, doc, account)
    ctx.progress("document built")
    return doc


def _relationship(ctx: BuildContext, doc: Document, account: Account) -> None:
    section = doc.section("relationship", "Relationship summary")
    contacts = list(account.contacts.all())
    roles = Counter(c.get_decision_role_display() for c in contacts)
    decision_makers = [c for c in contacts if c.decision_role == DecisionRole.DECISION_MAKER]
    talks = Communication.objects.filter(
        account=account,
        occurred_at__date__gte=ctx.period_start,
        occurred_at__date__lte=ctx.period_end,
    ).count()
    facts = [
        f"Tier: {account.get_tier_display()}"
        + (f", segment {account.segment}" if account.segment else ""),
        f"Account owner: {account.owner}" if account.owner else "Account owner: not set",
        f"Renewal: {account.renewal_date:%-d %B %Y}"
        if account.renewal_date
        else "Renewal: no date set",
        f"Conversations in the period: {talks}",
        "People on the customer's side: "
        + (
            ", ".join(
                f"{n} {label.lower()}{'s' if n != 1 else ''}" for label, n in sorted(roles.items())
            )
            or "none recorded"
        ),
    ]
    if account.last_contact_at:
        facts.append(f"Last contact: {account.last_contact_at:%-d %B %Y}")
    section.bullet_list(facts)
    if decision_makers:
        section.table(
            "decision_makers",
            "Decision makers",
            [
                Column("name", "Name"),
                Column("title", "Job title"),
                Column("stance", "Stance", internal=True),
                Column("last", "Last contacted", "date"),
            ],
            [
                [
                    c.name,
                    c.job_title,
                    c.get_stance_display(),
                    c.last_contacted_at.date() if c.last_contacted_at else None,
                ]
                for c in decision_makers
            ],
        )


def _commitments(ctx: BuildContext, doc: Document, account: Account) -> None:
    section = doc.section("commitments", "Commitments kept and broken")
    closed = list(
        Commitment.objects.filter(
            account=account,
            status__in=[CommitmentStatus.KEPT, CommitmentStatus.BROKEN],
            closed_on__gte=ctx.period_start,
            closed_on__lte=ctx.period_end,
        )
        .select_related("owner")
        .order_by("closed_on", "pk")
    )
    overdue = list(
        Commitment.objects.filter(
            account=account, status=CommitmentStatus.OPEN, due_date__lt=ctx.period_end
        )
        .select_related("owner")
        .order_by("due_date", "pk")
    )
    kept = sum(c.status == CommitmentStatus.KEPT for c in closed)
    section.figures(
        [
            Figure("Kept in the period", kept),
            Figure("Broken in the period", len(closed) - kept),
            Figure("Open and overdue", len(overdue)),
        ]
    )
    rows = [
        [c.description, c.get_status_display(), c.due_date, c.closed_on, str(c.owner or "")]
        for c in [*closed, *overdue]
    ]
    if rows:
        section.table(
            "commitments",
            "Commitments closed in the period, and those overdue",
            [
                Column("what", "Commitment"),
                Column("status", "Status"),
                Column("due", "Due", "date"),
                Column("closed", "Closed", "date"),
                Column("owner", "Owner", internal=True),
            ],
            rows,
        )
    else:
        section.paragraph("No commitment was due or closed in the period.")


def _plan_kpis(section: Section, account: Account) -> None:
    """The KPIs of the agreed monitoring plan with their 90-day figures (the snapshots the
    portfolio shows) against target and tolerance."""
    version = agreed_version(account=account)
    kpis = kpis_for(account=account)
    if version is None or not kpis:
        section.paragraph(
            "No monitoring plan is agreed yet: the targets are the organisation's defaults."
        )
        return
    views = snapshots_for([account.pk], [k.metric for k in kpis])
    rows = []
    for kpi in kpis:
        view = views.get((account.pk, kpi.metric))
        current = view.current if view else None
        rows.append(
            [
                metric_def(kpi.metric).label,
                value_cell(current),
                current.n if current else 0,
                figure_text(current),
                kpi.target,
                kpi.tolerance,
                kpi.get_direction_display(),
            ]
        )
    section.table(
        "plan_kpis",
        f"The KPIs agreed in the monitoring plan ({source_text(version)})",
        [
            Column("metric", "KPI"),
            Column("value", "Last 90 days", "number", decimals=1, screen=False),
            Column("n", "n", "int", screen=False),
            Column("shown", "Last 90 days (95 % interval), n", export=False),
            Column("target", "Target", "number", decimals=1),
            Column("tolerance", "Tolerance", "number", decimals=1),
            Column("direction", "Better when"),
        ],
        rows,
    )


def _actions(ctx: BuildContext, doc: Document, account: Account) -> None:
    """Actions on the account open now or closed in the period, and the loops closed with the
    customer in the period. Owners are named for our team only."""
    section = doc.section("actions", "Actions and loops closed")
    actions = list(
        actions_for(ctx.reader)
        .filter(account=account)
        .filter(
            Q(status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS])
            | Q(closed_on__gte=ctx.period_start, closed_on__lte=ctx.period_end)
        )
        .exclude(status=ActionStatus.CANCELLED)
        .select_related("owner")
        .order_by("status", "due_on", "pk")[:50]
    )
    closed = [a for a in actions if a.status == ActionStatus.DONE]
    on_time = sum(1 for a in closed if a.closed_on and a.closed_on <= a.due_on)
    section.figures(
        [
            Figure("Actions closed in the period", len(closed), note=f"{on_time} on time"),
            Figure("Actions open", len(actions) - len(closed)),
        ]
    )
    if actions:
        section.table(
            "actions",
            "Actions",
            [
                Column("title", "Action"),
                Column("status", "Status"),
                Column("due", "Due", "date"),
                Column("closed", "Closed", "date"),
                Column("owner", "Owner", internal=True),
            ],
            [
                [a.title, a.get_status_display(), a.due_on, a.closed_on, str(a.owner or "")]
                for a in actions
            ],
        )
    loops = list(
        loop_closures_for(ctx.reader)
        .filter(
            account=account, told_at__date__gte=ctx.period_start, told_at__date__lte=ctx.period_end
        )
        .order_by("told_at", "pk")[:50]
    )
    if loops:
        section.table(
            "loops_closed",
            "What we told you had changed",
            [
                Column("told", "Told", "date"),
                Column("what", "What changed"),
                Column("channel", "How"),
            ],
            [
                [
                    timezone.localtime(loop.told_at).date(),
                    loop.told_what,
                    loop.get_channel_display(),
                ]
                for loop in loops
            ],
        )
    else:
        section.paragraph("No loop was closed with the customer in the period.")


def _next_period(ctx: BuildContext, doc: Document, account: Account) -> None:
    section = doc.section("next_period", "Next period's plan")
    start = ctx.period_end + timedelta(days=1)
    end = start + (ctx.period_end - ctx.period_start)
    coming = list(
        Commitment.objects.filter(
            account=account, status=CommitmentStatus.OPEN, due_date__gte=start, due_date__lte=end
        ).order_by("due_date", "pk")
    )
    follow_ups = list(
        Communication.objects.filter(
            account=account,
            follow_up_done_on__isnull=True,
            follow_up_due__isnull=False,
            follow_up_due__gte=start,
            follow_up_due__lte=end,
        )
        .exclude(follow_up="")
        .order_by("follow_up_due", "pk")
    )
    activities = list(
        ScheduledActivity.objects.filter(
            account=account,
            status=ActivityStatus.DUE,
            due_at__date__gte=start,
            due_at__date__lte=end,
        )
        .select_related("method")
        .order_by("due_at", "pk")
    )
    rows: list[list[object]] = [
        [
            f"Planned: {a.get_kind_display()}",
            a.method.title or a.get_kind_display(),
            timezone.localtime(a.due_at).date(),
        ]
        for a in activities
    ]
    rows += [["Commitment due", c.description, c.due_date] for c in coming]
    rows += [["Follow-up due", c.follow_up, c.follow_up_due] for c in follow_ups]
    if account.renewal_date and start <= account.renewal_date <= end:
        rows.append(["Renewal", f"{account.name} renews", account.renewal_date])
    rows.sort(key=lambda r: r[2])  # type: ignore[arg-type, return-value]
    section.paragraph(f"What is due from {start:%-d %B %Y} to {end:%-d %B %Y}.")
    if rows:
        section.table(
            "next_period",
            "Due in the next period",
            [Column("kind", "Kind"), Column("what", "What"), Column("due", "Due", "date")],
            rows,
        )
    else:
        section.paragraph("Nothing is scheduled yet for the next period.")


def _internal(ctx: BuildContext, doc: Document, account: Account) -> None:
    section = doc.section(
        "internal", "For our team only: value, cost to serve, margin, health", internal=True
    )
    health = account_health(ctx.reader, account, today=ctx.period_end)
    profit = health.profitability
    section.figures(
        [
            Figure(
                "Health score",
                health.health.score,
                unit="of 100",
                note=health.health.band or "not scored",
                internal=True,
            ),
            Figure(
                "Margin, last 12 months",
                float(profit.margin),
                currency=profit.currency,
                note=f"{formats.number(profit.margin_pct or 0, 1)} % of annual value",
                internal=True,
            ),
        ]
    )
    section.table(
        "value",
        "Value and cost to serve",
        [Column("item", "Item"), Column("amount", "Amount", "money", internal=True)],
        [
            ["Annual value", money_cell(profit.annual_value, profit.currency)],
            ["Planned cost to serve", money_cell(profit.cost_to_serve, profit.currency)],
            ["Cost entries, last 12 months", money_cell(profit.entries_12m, profit.currency)],
            ["Margin, last 12 months", money_cell(profit.margin, profit.currency)],
        ],
        internal=True,
    )
    if health.reasons:
        section.bullet_list(
            [f"{r.label}: {r.text}" for r in health.reasons], title="Risk reasons", internal=True
        )
    notes = [
        f"{s.user} ({s.get_role_display()}): {s.notes}"
        for s in account.stakeholders.select_related("user")
        if s.notes
    ]
    if notes:
        section.bullet_list(notes, title="Internal notes on our stakeholders", internal=True)


ACCOUNT_REVIEW_PACK = register_type(
    ReportType(
        key=KEY,
        label="Account review pack",
        description="For a quarterly business review of one account: relationship summary, "
        "KPIs against targets with intervals and trends, control charts, variances with their "
        "themes, commitments kept and broken, next period's plan, recommendations.",
        build=build,
        sections=SECTIONS,
        internal_only=(
            "annual value",
            "cost to serve",
            "margin",
            "health score",
            "risk reasons",
            "internal notes",
            "stances of the customer's people",
        ),
        single_account=True,
        steps=5,
    )
)
