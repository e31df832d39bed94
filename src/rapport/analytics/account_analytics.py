"""The account analytics page as one read: control charts, the 90-day variance, key drivers.

Options arrive as query parameters; `PageOptions.from_query` turns them into typed values or
a ValueError whose message the page shows, so a bad link says what was wrong with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.http import QueryDict

from rapport.analytics.control.charts import (
    CHART_METRICS,
    DEFAULT_MONTHS,
    WINDOW_MONTHS,
    AccountControlChart,
    ChartOptions,
    PeriodChoice,
    parse_rules,
)
from rapport.analytics.control.episodes import Episode, episodes
from rapport.analytics.control.selectors import control_charts_for
from rapport.analytics.drivers.key_drivers import DRIVER_OUTCOMES, KeyDrivers, key_drivers_for
from rapport.analytics.variance.channels import (
    VARIANCE_METRICS,
    ChannelVariance,
    channel_variance_for,
)
from rapport.core.access import Actor, Capability, scope_of
from rapport.customers.models import Account
from rapport.enrichment import public as enrichment

if TYPE_CHECKING:
    from rapport.enrichment.public import ThemeMove, ThemeMovers

PAGE_CHART_METRICS = ("csat", "nps")


def _choice(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _date(value: str, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{what} must be a date like 2026-03-02, not {value!r}") from None


@dataclass(frozen=True, slots=True)
class PageOptions:
    chart: ChartOptions = field(default_factory=ChartOptions)
    preview_metric: str = ""  # the chart whose baseline is being previewed, if any
    preview: ChartOptions | None = None
    change_metric: str = "csat"
    driver_outcome: str = "nps"
    driver_months: int = DEFAULT_MONTHS

    @classmethod
    def from_query(cls, query: QueryDict) -> PageOptions:
        period = _choice(query.get("period", "auto") or "auto", ("auto", "week", "month"), "period")
        months_text = query.get("months", "") or str(DEFAULT_MONTHS)
        allowed_months = [str(m) for m in WINDOW_MONTHS]
        months = int(_choice(months_text, allowed_months, "months"))
        chart = ChartOptions(
            period=_period(period), months=months, rules=parse_rules(query.getlist("rules"))
        )
        preview_metric = query.get("baseline", "")
        preview = None
        if preview_metric:
            _choice(preview_metric, PAGE_CHART_METRICS, "baseline")
            start = _date(query.get("start", ""), "start")
            end = _date(query.get("end", ""), "end")
            if start is None or end is None:
                raise ValueError("a baseline needs both a start and an end date")
            preview = ChartOptions(
                period=chart.period,
                months=months,
                rules=chart.rules,
                baseline_start=start,
                baseline_end=end,
            )
        drivers_text = query.get("drivers_months", "") or str(DEFAULT_MONTHS)
        return cls(
            chart=chart,
            preview_metric=preview_metric,
            preview=preview,
            change_metric=_choice(
                query.get("change", "csat") or "csat", list(VARIANCE_METRICS), "change"
            ),
            driver_outcome=_choice(
                query.get("drivers", "nps") or "nps", list(DRIVER_OUTCOMES), "drivers"
            ),
            driver_months=int(_choice(drivers_text, allowed_months, "drivers_months")),
        )


def _period(value: str) -> PeriodChoice:
    return "week" if value == "week" else "month" if value == "month" else "auto"


@dataclass(frozen=True, slots=True)
class ExplainedEpisode:
    """An episode of signals with the themes whose share of comments moved in it against the
    periods before it: the likely reasons, with their intervals."""

    episode: Episode
    label: str
    themes: ThemeMovers

    @property
    def reference_end(self) -> date:
        return self.episode.start - timedelta(days=1)

    @property
    def reasons(self) -> list[ThemeMove]:
        """Themes mentioned significantly more often in the episode, or whose comments turned
        significantly sourer (a worse episode) or warmer (a better one): for a worse episode
        the likely cause, for a better one what people praised. Both signs first."""
        sign = -1 if self.episode.direction == "worse" else 1
        found = []
        for m in self.themes.moves:
            more = m.more_often
            tone = sign * m.tone_change > 0
            if more or tone:
                found.append((-(more + tone), m))
        return [m for _, m in sorted(found, key=lambda pair: pair[0])]


@dataclass(frozen=True, slots=True)
class AccountAnalytics:
    account: Account
    options: PageOptions
    charts: tuple[AccountControlChart, ...]
    episodes: dict[str, tuple[ExplainedEpisode, ...]]  # per chart metric
    variance: ChannelVariance
    drivers: KeyDrivers
    can_set_baseline: bool


def account_analytics(
    user: Actor, account: Account, options: PageOptions, *, today: date | None = None
) -> AccountAnalytics:
    """Everything the page shows, for an account fetched through `get_account` (the actor
    may see it); a fixed number of queries whatever the history."""
    charts = control_charts_for(user, account, PAGE_CHART_METRICS, options.chart, today=today)
    if options.preview is not None:
        charts |= control_charts_for(
            user, account, [options.preview_metric], options.preview, today=today
        )
    shown = tuple(charts[m] for m in PAGE_CHART_METRICS if m in CHART_METRICS)
    return AccountAnalytics(
        account=account,
        options=options,
        charts=shown,
        episodes=explained_episodes(account, shown),
        variance=channel_variance_for(account, options.change_metric, as_of=today),
        drivers=key_drivers_for(
            account, options.driver_outcome, months=options.driver_months, today=today
        ),
        can_set_baseline=scope_of(user).can(Capability.EDIT_RELATIONSHIP, account.team_id),
    )


def explained_episodes(
    account: Account, charts: Sequence[AccountControlChart]
) -> dict[str, tuple[ExplainedEpisode, ...]]:
    """Each chart's episodes with the theme movers of their windows (two queries in all)."""
    found = [(c, e) for c in charts for e in episodes(c)]
    windows = [
        enrichment.mover_window(c.period, e.reference_start, e.start, e.end) for c, e in found
    ]
    movers = enrichment.theme_movers_in(account.pk, windows, limit=100)  # every theme
    result: dict[str, list[ExplainedEpisode]] = {c.metric.key: [] for c in charts}
    for (chart, episode), themes in zip(found, movers, strict=True):
        result[chart.metric.key].append(
            ExplainedEpisode(episode, episode.label(chart.period), themes)
        )
    return {key: tuple(value) for key, value in result.items()}
