"""Variance report: per account, the key variances against targets and control limits, their
likely reasons (channel mix, themes, control-chart episodes), implications for the relationship
and recommendations."""

from __future__ import annotations

from rapport.reports.document import Column, Document
from rapport.reports.registry import BuildContext, ReportType, register_type
from rapport.reports.types import account_parts

KEY = "variance_report"
# Each account is drawn with four charts and a bootstrap: a report on more is a portfolio
# summary's job, so the accounts in scope with the largest value come first, up to this many.
MOST_ACCOUNTS = 25


def build(ctx: BuildContext) -> Document:
    doc = Document(
        title=ctx.title,
        subtitle="Variance report",
        report_type=KEY,
        audience=ctx.audience,
        period_start=ctx.period_start,
        period_end=ctx.period_end,
        as_of=ctx.as_of.isoformat(),
    )
    as_of = ctx.period_end
    accounts = list(
        ctx.accounts.select_related("team").order_by("-annual_value", "name")[: MOST_ACCOUNTS + 1]
    )
    more = len(accounts) > MOST_ACCOUNTS
    accounts = accounts[:MOST_ACCOUNTS]
    overview = doc.section("overview", "Key variances")
    rows = []
    analyses = []
    for account in accounts:
        analysis = account_parts.analyse(ctx, account, as_of)
        analyses.append(analysis)
        rows += account_parts.variance_rows(analysis, with_account=True)
        account_parts.recommend_from_analysis(ctx, analysis)
        ctx.progress(f"{account.name} analysed")
    overview.paragraph(
        "Each account's NPS and CSAT over the last 90 days against its target and the 90 days "
        "before, with 95 % intervals. A gap or change is called one only when its interval "
        "lies wholly on one side of zero."
        + (f" The {MOST_ACCOUNTS} accounts of largest value in scope are shown." if more else "")
    )
    overview.table(
        "key_variances",
        "Key variances",
        [Column("account", "Account"), *account_parts.VARIANCE_COLUMNS],
        rows,
    )
    for index, analysis in enumerate(analyses, start=1):
        section = doc.section(f"account_{index}", analysis.account.name)
        account_parts.add_variance_blocks(section, ctx, analysis, as_of, suffix=f"_{index}")
        account_parts.add_control_charts(section, analysis)
    doc.section("recommendations", "Recommendations")
    return doc


VARIANCE_REPORT = register_type(
    ReportType(
        key=KEY,
        label="Variance report",
        description="Key variances against targets and control limits, their likely reasons "
        "(channel mix and themes), implications for the relationship, recommendations.",
        build=build,
        sections=(
            ("overview", "Key variances"),
            ("account_N", "One section per account: variances, reasons, implications, charts"),
            ("recommendations", "Recommendations"),
        ),
        internal_only=("annual value at stake",),
        steps=MOST_ACCOUNTS,
        per_account_steps=True,
    )
)
