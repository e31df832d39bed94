"""Portfolio summary: every account in scope with its 90-day figures (the portfolio's
snapshots), health band, renewal and overdue commitments; counts by band and tier."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.db.models import Count

from rapport.analytics.models import AccountHealth
from rapport.analytics.rollups.selectors import snapshots_for
from rapport.customers.models import Commitment, CommitmentStatus, Tier
from rapport.reports import charts
from rapport.reports.document import Column, Document, Figure, money_cell
from rapport.reports.registry import BuildContext, ReportType, register_type
from rapport.reports.types.common import SHOWN_METRICS, figure_text, interval_text, value_cell

KEY = "portfolio_summary"
# An executive reads the accounts of most value; the files hold every account.
SCREEN_ROWS = 100
SECTIONS = (
    ("summary", "Summary"),
    ("health", "Health by tier"),
    ("accounts", "Accounts"),
)


def build(ctx: BuildContext) -> Document:
    doc = Document(
        title=ctx.title,
        subtitle="Portfolio summary",
        report_type=KEY,
        audience=ctx.audience,
        period_start=ctx.period_start,
        period_end=ctx.period_end,
        as_of=ctx.as_of.isoformat(),
    )
    today = ctx.period_end
    accounts = list(
        ctx.accounts.order_by("-annual_value", "name", "pk").values_list(
            "pk",
            "name",
            "tier",
            "team__name",
            "annual_value",
            "cost_to_serve",
            "currency",
            "renewal_date",
        )
    )
    ids = [a[0] for a in accounts]
    ctx.progress("accounts read")
    snapshots = snapshots_for(ids, SHOWN_METRICS)
    bands = dict(AccountHealth.objects.filter(account_id__in=ids).values_list("account_id", "band"))
    overdue = dict(
        Commitment.objects.filter(
            account_id__in=ids, status=CommitmentStatus.OPEN, due_date__lt=today
        )
        .order_by()
        .values("account_id")
        .annotate(c=Count("pk"))
        .values_list("account_id", "c")
    )
    falling = Counter[str]()
    rows = []
    tiers = dict(Tier.choices)
    for pk, name, tier, team, value, cost, currency, renewal in accounts:
        nps, csat = snapshots.get((pk, "nps")), snapshots.get((pk, "csat"))
        for metric, view in (("NPS", nps), ("CSAT", csat)):
            if view is not None and view.change.direction == "down":
                falling[metric] += 1
        rows.append(
            [
                name,
                tiers.get(tier, tier),
                team,
                money_cell(value, currency),
                money_cell(value - cost, currency),
                value_cell(nps.current if nps else None),
                interval_text(nps.current) if nps else "",
                nps.current.n if nps else 0,
                figure_text(nps.current if nps else None),
                nps.change.label if nps else "",
                value_cell(csat.current if csat else None),
                interval_text(csat.current) if csat else "",
                csat.current.n if csat else 0,
                figure_text(csat.current if csat else None),
                csat.change.label if csat else "",
                (bands.get(pk) or "not scored"),
                renewal,
                overdue.get(pk, 0),
            ]
        )
    ctx.progress("figures read")

    summary = doc.section("summary", "Summary")
    band_counts = Counter(bands.get(pk) or "not scored" for pk in ids)
    currencies = {a[6] for a in accounts}
    figures = [
        Figure("Accounts", len(ids)),
        Figure("Health green", band_counts["green"]),
        Figure("Health amber", band_counts["amber"]),
        Figure("Health red", band_counts["red"]),
        Figure(
            "NPS fell significantly", falling["NPS"], note="accounts, 90 days against the 90 before"
        ),
        Figure(
            "CSAT fell significantly",
            falling["CSAT"],
            note="accounts, 90 days against the 90 before",
        ),
    ]
    if not ctx.customer:
        for currency in sorted(currencies):
            total = sum(a[4] for a in accounts if a[6] == currency)
            figures.append(
                Figure(f"Annual value ({currency})", float(total), currency=currency, internal=True)
            )
    summary.figures(figures)
    renewing = sum(1 for a in accounts if a[7] and today <= a[7] <= today + timedelta(days=90))
    summary.paragraph(
        f"{len(ids)} accounts as of {today:%-d %B %Y}; {renewing} renew in the next 90 days. "
        "Figures are the last 90 days with their 95 % intervals, as on the portfolio page; a "
        "fall is called one only when it lies outside its interval."
    )

    health = doc.section("health", "Health by tier")
    by_tier = Counter((tiers.get(a[2], a[2]), bands.get(a[0]) or "not scored") for a in accounts)
    health.chart(
        "Accounts by tier and health band",
        charts.stacked_bars(
            [{"tier": t, "band": b, "count": c} for (t, b), c in sorted(by_tier.items())],
            x="tier",
            colour="band",
            x_title="Tier",
            colours=charts.BAND_COLOURS,
            description="Accounts per tier, stacked by health band: "
            + "; ".join(f"{t} {b}: {c}" for (t, b), c in sorted(by_tier.items())),
        ),
    )

    section = doc.section("accounts", "Accounts")
    section.table(
        "accounts",
        "Accounts",
        [
            Column("account", "Account"),
            Column("tier", "Tier"),
            Column("team", "Team", internal=True, screen=False),
            Column("annual_value", "Annual value", "money", internal=True),
            Column("margin", "Value less cost to serve", "money", internal=True),
            Column("nps", "NPS (90 days)", "number", screen=False),
            Column("nps_interval", "NPS 95 % interval", screen=False),
            Column("nps_n", "NPS n", "int", screen=False),
            Column("nps_shown", "NPS, 90 days (95 % interval), n", export=False),
            Column("nps_change", "NPS change"),
            Column("csat", "CSAT % (90 days)", "number", decimals=1, screen=False),
            Column("csat_interval", "CSAT 95 % interval", screen=False),
            Column("csat_n", "CSAT n", "int", screen=False),
            Column("csat_shown", "CSAT %, 90 days (95 % interval), n", export=False),
            Column("csat_change", "CSAT change"),
            Column("health", "Health band"),
            Column("renewal", "Renewal", "date"),
            Column("overdue", "Overdue commitments", "int"),
        ],
        rows,
        note="Accounts of most value first. A figure below the minimum number of responses is "
        "marked as too few responses.",
        screen_limit=SCREEN_ROWS,
    )
    ctx.progress("document built")
    return doc


PORTFOLIO_SUMMARY = register_type(
    ReportType(
        key=KEY,
        label="Portfolio summary",
        description="Every account in scope: 90-day NPS and CSAT with intervals and change, "
        "health band, renewal, overdue commitments; counts by band and tier.",
        build=build,
        sections=SECTIONS,
        internal_only=("annual value", "value less cost to serve", "team"),
        steps=3,
    )
)
