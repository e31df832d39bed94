"""Per-account parts shared by the variance report and the account review pack: the KPIs
against their targets, the variances with their likely reasons (channel mix and rate, themes,
control-chart episodes), the implications, and recommendations drawn from them.

Every figure comes from the function the account analytics page calls with the same inputs
(`channel_variance_for`, `control_charts_for`, `explained_episodes`, the theme movers), so a
report never shows a figure the page computes differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from rapport.analytics.account_analytics import PAGE_CHART_METRICS, explained_episodes
from rapport.analytics.charts import control_chart_svg, waterfall_svg
from rapport.analytics.control.charts import AccountControlChart, ChartOptions
from rapport.analytics.control.selectors import control_charts_for
from rapport.analytics.variance.channels import ChannelVariance, channel_variance_for
from rapport.core import formats
from rapport.customers.models import Account
from rapport.reports.document import Column, Figure, Section
from rapport.reports.registry import BuildContext
from rapport.reports.types.common import (
    SHOWN_METRICS,
    figure_text,
    interval_text,
    join_names,
    metric_figure,
    movers_rows,
    target_note,
    theme_movers,
    value_cell,
)
from rapport.stats.metrics import metric_def

RENEWAL_HORIZON_DAYS = 180

if TYPE_CHECKING:
    from rapport.enrichment.public import ThemeMovers


@dataclass
class AccountAnalysis:
    account: Account
    variances: dict[str, ChannelVariance]
    charts: tuple[AccountControlChart, ...]
    episodes: dict[str, tuple]  # per metric: ExplainedEpisode
    movers: ThemeMovers


def analyse(ctx: BuildContext, account: Account, as_of: date) -> AccountAnalysis:
    variances = {m: channel_variance_for(account, m, as_of=as_of) for m in SHOWN_METRICS}
    found = control_charts_for(ctx.reader, account, PAGE_CHART_METRICS, ChartOptions(), today=as_of)
    charts = tuple(found[m] for m in PAGE_CHART_METRICS)
    return AccountAnalysis(
        account=account,
        variances=variances,
        charts=charts,
        episodes=explained_episodes(account, charts),
        movers=theme_movers(account.pk, as_of),
    )


def kpi_figures(analysis: AccountAnalysis) -> list[Figure]:
    figures = []
    for metric, variance in analysis.variances.items():
        label = f"{metric_def(metric).label} (last 90 days)"
        figures.append(
            metric_figure(
                variance.current, label=label, note=target_note(variance.target, variance.current)
            )
        )
    return figures


def variance_rows(analysis: AccountAnalysis, *, with_account: bool) -> list[list[object]]:
    rows: list[list[object]] = []
    for metric, v in analysis.variances.items():
        gap = v.gap
        row: list[object] = [
            metric_def(metric).label,
            value_cell(v.current),
            interval_text(v.current),
            v.current.n,
            figure_text(v.current),
            None if v.target is None else v.target.value,
            None if gap is None else round(gap.value, 1),
            "" if gap is None else formats.interval(gap.low, gap.high, 1, signed=True),
            ""
            if gap is None
            else (
                f"{formats.number(gap.value, 1, signed=True)} "
                f"({formats.interval(gap.low, gap.high, 1, signed=True)})"
            ),
            value_cell(v.previous),
            None if v.change is None else round(v.change.value, 1),
            None if v.mix is None else v.mix.shown,
            None if v.rate is None else v.rate.shown,
            _change_text(v),
            v.message or _verdict(v),
        ]
        rows.append([analysis.account.name, *row] if with_account else row)
    return rows


VARIANCE_COLUMNS = [
    Column("metric", "Metric"),
    Column("actual", "Last 90 days", "number", decimals=1, screen=False),
    Column("actual_interval", "95 % interval", screen=False),
    Column("n", "n", "int", screen=False),
    Column("actual_shown", "Last 90 days (95 % interval), n", export=False),
    Column("target", "Target", "number", decimals=1),
    Column("gap", "Gap to target", "number", decimals=1, screen=False),
    Column("gap_interval", "Gap 95 % interval", screen=False),
    Column("gap_shown", "Gap to target (95 % interval)", export=False),
    Column("previous", "90 days before", "number", decimals=1, screen=False),
    Column("change", "Change", "number", decimals=1, screen=False),
    Column("mix", "of which channel mix", "number", decimals=1, screen=False),
    Column("rate", "of which rates within channels", "number", decimals=1, screen=False),
    Column("change_shown", "Change against the 90 days before", export=False),
    Column("verdict", "Reading"),
]


def _change_text(v: ChannelVariance) -> str:
    """ "−6.2 (mix +0.4, rates −6.6)": the change and its exact split, in one cell."""
    if v.change is None:
        return "too few responses to compare"
    text = formats.number(v.change.value, 1, signed=True)
    if v.mix is None or v.rate is None:
        return text
    mix = formats.number(v.mix.shown, 1, signed=True)
    rates = formats.number(v.rate.shown, 1, signed=True)
    return f"{text} (channel mix {mix}, rates within channels {rates})"


def _verdict(v: ChannelVariance) -> str:
    if v.gap is None:
        return "no target or too few responses"
    if v.gap.high < 0:
        return "below target (the whole interval)"
    if v.gap.low > 0:
        return "above target (the whole interval)"
    return "within the interval of the target"


def reasons(analysis: AccountAnalysis) -> list[str]:
    """Likely reasons in words: channel mix against rate, themes, control-chart episodes."""
    found = []
    for metric, v in analysis.variances.items():
        label = metric_def(metric).label
        if v.change is not None and v.mix is not None and v.rate is not None:
            moved = "rose" if v.change.value > 0 else "fell"
            if abs(v.mix.shown) > abs(v.rate.shown):
                biggest = max(v.channels, key=lambda c: abs(c.current_share - c.previous_share))
                found.append(
                    f"{label} {moved} by {formats.number(abs(v.change.value), 1)} points, "
                    "mostly through the mix of channels "
                    f"({formats.number(v.mix.shown, 1, signed=True)}): "
                    f"{biggest.label} went from {formats.number(biggest.previous_share, 0)} % to "
                    f"{formats.number(biggest.current_share, 0)} % of responses."
                )
            else:
                # Only channels whose rate moved the same way, by at least what is printed
                # (0.1 point): a channel at 0.0 is no reason.
                same_way = [
                    c for c in v.channels
                    if c.rate.shown * v.rate.shown > 0 and abs(c.rate.shown) >= 0.05
                ]  # fmt: skip
                rates = sorted(same_way, key=lambda c: abs(c.rate.shown), reverse=True)[:2]
                which = f", above all {join_names(c.label for c in rates)}" if rates else ""
                found.append(
                    f"{label} {moved} by {formats.number(abs(v.change.value), 1)} points, "
                    f"mostly within channels ({formats.number(v.rate.shown, 1, signed=True)})"
                    f"{which}."
                )
    for move in analysis.movers.moves:
        if move.more_often and move.difference is not None:
            found.append(
                f"Comments mention {move.name} more often: "
                f"{formats.number(100 * (move.current.value or 0), 0)} % of comments against "
                f"{formats.number(100 * (move.previous.value or 0), 0)} % in the 90 days before "
                "(difference "
                f"{formats.interval(move.diff_low or 0, move.diff_high or 0, 1, signed=True)}"
                " points)."
            )
    for metric, explained in analysis.episodes.items():
        for episode in explained:
            themes = [m.name for m in episode.reasons][:3]
            text = (
                f"{metric_def(metric).label} control chart: {episode.episode.direction} "
                f"signals in {episode.label}"
            )
            found.append(
                text + (f", with {join_names(themes)} in the comments." if themes else ".")
            )
    return found


def implications(ctx: BuildContext, analysis: AccountAnalysis, as_of: date) -> list[str]:
    account = analysis.account
    below = [
        metric_def(m).label
        for m, v in analysis.variances.items()
        if v.gap is not None and v.gap.high < 0
    ]
    falling = [
        metric_def(m).label
        for m, v in analysis.variances.items()
        if v.change is not None and v.change.high < 0
    ]
    found = []
    renewal = account.renewal_date
    renewing = renewal is not None and as_of <= renewal <= as_of + timedelta(
        days=RENEWAL_HORIZON_DAYS
    )
    if below:
        if ctx.customer:
            found.append(
                f"{join_names(below)} {'is' if len(below) == 1 else 'are'} below the agreed "
                "target: we have not yet delivered the experience we set out to."
            )
        else:
            found.append(
                f"{join_names(below)} below target for {account.name}: the relationship's goals "
                "are not met"
                + (f" with the renewal on {renewal:%-d %B %Y} ahead." if renewing else ".")
            )
    if falling:
        found.append(
            f"{join_names(falling)} fell beyond the interval of chance against the 90 days "
            "before: the change is real, not noise."
        )
    if renewing and not ctx.customer:
        found.append(
            f"Annual value at stake at the renewal on {renewal:%-d %B %Y}: "
            f"{formats.money(account.annual_value, account.currency)}."
        )
    if not found:
        found.append("No variance outside its interval: the relationship is on plan.")
    return found


def recommend_from_analysis(ctx: BuildContext, analysis: AccountAnalysis) -> None:
    for move in analysis.movers.moves:
        if move.more_often:
            ctx.recommend(
                f"Look into {move.name} with {analysis.account.name}: comments mention it "
                "significantly more often than in the 90 days before.",
                source_kind="variance",
                source_ref=f"theme:{move.slug}",
                url=f"/accounts/{analysis.account.pk}/analytics/#themes-moved",
            )
    for metric, v in analysis.variances.items():
        if v.gap is not None and v.gap.high < 0 and v.channels:
            worst = min(
                (c for c in v.channels if c.to_target is not None),
                key=lambda c: c.to_target.value if c.to_target else 0,
                default=None,
            )
            if worst is not None:
                ctx.recommend(
                    f"Raise {metric_def(metric).label} in {worst.label}: it accounts for "
                    + formats.number(
                        worst.to_target.value if worst.to_target else 0, 1, signed=True
                    )
                    + " "
                    "points of the gap to target.",
                    source_kind="variance",
                    source_ref=f"{metric}:{worst.key}",
                    url=f"/accounts/{analysis.account.pk}/analytics/?change={metric}#variance",
                )


def add_variance_blocks(
    section: Section, ctx: BuildContext, analysis: AccountAnalysis, as_of: date, *, suffix: str = ""
) -> None:
    section.table(
        f"variances{suffix}",
        "Key variances against targets",
        list(VARIANCE_COLUMNS),
        variance_rows(analysis, with_account=False),
        note="Gap = actual − target with its 95 % interval; the change splits exactly into "
        "channel mix and rates within channels (as on the account's Analytics tab).",
    )
    for metric, variance in analysis.variances.items():
        section.chart(
            f"{metric_def(metric).label}: previous 90 days → channel mix → rates → last 90 days",
            waterfall_svg(variance),
        )
    section.bullet_list(
        reasons(analysis) or ["No variance large enough to explain."], title="Likely reasons"
    )
    if analysis.movers.moves:
        section.table(
            f"themes{suffix}",
            "Themes in the comments: last 90 days against the 90 before",
            [
                Column("theme", "Theme"),
                Column("share", "Share of comments now %", "number", decimals=1),
                Column("before", "Before %", "number", decimals=1),
                Column("difference", "Difference (points)", "number", decimals=1),
                Column("interval", "95 % interval"),
                Column("reading", "Reading"),
            ],
            movers_rows(analysis.movers),
        )
    section.bullet_list(
        implications(ctx, analysis, as_of), title="Implications for the relationship"
    )


def add_control_charts(section: Section, analysis: AccountAnalysis) -> None:
    for chart in analysis.charts:
        drawn = control_chart_svg(chart)
        if drawn:
            section.chart(
                f"{chart.metric.title}: control chart by {chart.period}",
                drawn,
                note="; ".join(s.text for s in chart.signals[:4]),
            )
        elif chart.message:
            section.paragraph(f"{chart.metric.title}: {chart.message}")
