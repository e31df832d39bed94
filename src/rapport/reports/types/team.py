"""Team performance: the team's actions closed on time, commitments kept on time and contact
coverage with their Wilson intervals, per person (internal only: people's own performance),
and its accounts' KPIs against their targets — actions' own performance figures."""

from __future__ import annotations

from django.utils import timezone

from rapport.actions.performance import Share, figures, kpi_rows
from rapport.core.models import User
from rapport.reports.document import Column, Document, Figure
from rapport.reports.registry import BuildContext, ReportType, register_type
from rapport.reports.types.common import figure_text, value_cell
from rapport.stats.metrics import metric_def

KEY = "team_performance"
MOST_ACCOUNTS = 200


def _figure(label: str, share: Share, note: str, *, internal: bool = False) -> Figure:
    return Figure(
        label,
        share.value,
        share.low,
        share.high,
        n=share.n,
        unit="%",
        decimals=1,
        note=note,
        internal=internal,
    )


def _cells(share: Share) -> list[object]:
    return [share.k, share.n, None if share.value is None else round(share.value, 1)]


def build(ctx: BuildContext) -> Document:
    doc = Document(
        title=ctx.title,
        subtitle=f"Team performance: {ctx.team.name}",
        report_type=KEY,
        audience=ctx.audience,
        period_start=ctx.period_start,
        period_end=ctx.period_end,
        as_of=ctx.as_of.isoformat(),
    )
    if not ctx.customer:
        people = list(
            User.objects.filter(memberships__team_id=ctx.team.pk, is_active=True).order_by(
                "first_name", "last_name", "username"
            )
        )
        rows = figures(
            people=people,
            team_ids=[ctx.team.pk],
            start=ctx.period_start,
            end=ctx.period_end,
            today=timezone.localdate(),
        )
        actions = sum((r.actions for r in rows), Share(0, 0))
        commitments = sum((r.commitments for r in rows), Share(0, 0))
        coverage = sum((r.coverage for r in rows), Share(0, 0))
        ctx.progress("people's figures read")
        team = doc.section("team", "The team", internal=True)
        team.figures(
            [
                _figure(
                    "Actions closed on time", actions, "actions due in the period", internal=True
                ),
                _figure(
                    "Commitments kept on time",
                    commitments,
                    "commitments due in the period",
                    internal=True,
                ),
                _figure(
                    "Decision makers and influencers contacted",
                    coverage,
                    "in the last 90 days",
                    internal=True,
                ),
            ]
        )
        section = doc.section("people", "By person", internal=True)
        section.table(
            "people",
            "Each person's figures (confidential to them and their managers)",
            [
                Column("person", "Person"),
                Column("actions_k", "Actions on time", "int"),
                Column("actions_n", "Actions due", "int"),
                Column("actions", "On time %", "number", decimals=1),
                Column("commitments_k", "Commitments kept on time", "int"),
                Column("commitments_n", "Commitments due", "int"),
                Column("commitments", "Kept %", "number", decimals=1),
                Column("coverage_k", "Contacted", "int"),
                Column("coverage_n", "Decision makers and influencers", "int"),
                Column("coverage", "Covered %", "number", decimals=1),
            ],
            [
                [str(r.user), *_cells(r.actions), *_cells(r.commitments), *_cells(r.coverage)]
                for r in rows
            ],
            internal=True,
        )
    accounts = list(ctx.accounts.order_by("name", "pk")[:MOST_ACCOUNTS])
    kpis = kpi_rows(accounts)
    ctx.progress("KPIs read")
    section = doc.section("kpis", "KPIs against their targets")
    section.paragraph(
        "Each account's NPS and CSAT over the last 90 days against its agreed target (the "
        "organisation's default where no plan sets one), as on the performance page."
    )
    section.table(
        "kpis",
        "KPIs by account",
        [
            Column("account", "Account"),
            Column("metric", "Metric"),
            Column("value", "Last 90 days", "number", decimals=1, screen=False),
            Column("n", "n", "int", screen=False),
            Column("shown", "Last 90 days (95 % interval), n", export=False),
            Column("target", "Target", "number", decimals=1),
            Column("source", "Target from"),
            Column("verdict", "Reading"),
        ],
        [
            [
                row.account.name,
                metric_def(row.metric).label,
                value_cell(row.current),
                row.current.n if row.current else 0,
                figure_text(row.current),
                None if row.target is None else row.target.value,
                "" if row.target is None else row.target.source,
                row.verdict,
            ]
            for row in kpis
        ],
    )
    return doc


TEAM_PERFORMANCE = register_type(
    ReportType(
        key=KEY,
        label="Team performance",
        description="The team's actions closed on time, commitments kept on time and contact "
        "coverage, per person (internal only), and its accounts' KPIs against their targets.",
        build=build,
        sections=(
            ("team", "The team"),
            ("people", "By person"),
            ("kpis", "KPIs against their targets"),
        ),
        internal_only=("people's own performance", "the team's totals over other customers"),
        steps=2,
    )
)
