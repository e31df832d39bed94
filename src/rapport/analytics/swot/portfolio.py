"""The SWOT of the portfolio the actor may see, or of one of their teams.

Drivers and themes follow the rules of `swot` over the pooled responses of the accounts in
scope. Health is read from the stored `AccountHealth` rows: a component is a strength when the
95 % interval of its mean over the scored accounts lies at or above the green band, a weakness
when it lies below the amber band. Opportunities and threats count accounts: each risk reason
(renewals split by health, as for an account), Partner and Recover customer types and loyal
accounts, each with the share of the accounts in scope (Wilson) and the first few names.
A fixed number of queries (about a dozen) whatever the number of accounts or responses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from rapport.analytics.drivers.key_drivers import pooled_key_drivers
from rapport.analytics.health.risk import REASONS
from rapport.analytics.health.scoring import COMPONENTS, DEFAULT_WEIGHTING, TREND_SCORES, Weighting
from rapport.analytics.health.selectors import health_rows
from rapport.analytics.health.services import weightings
from rapport.analytics.loyalty.customer_types import TYPES, customer_type, loyalty_of, value_band
from rapport.analytics.models import AccountHealth, AccountSnapshot
from rapport.analytics.swot.rules import (
    SWOT_MONTHS,
    Swot,
    SwotLine,
    check_metric,
    driver_levels,
    driver_lines,
    figure_of,
    health_band,
    theme_lines,
)
from rapport.core.access import Actor, scope_of
from rapport.core.models import Team
from rapport.customers.models import Account
from rapport.customers.selectors import accounts_for
from rapport.enrichment.public import theme_figures
from rapport.stats.intervals import mean_t, wilson
from rapport.stats.metrics import metric_def

NAMES_SHOWN = 3


@dataclass(frozen=True, slots=True)
class PortfolioScope:
    team: Team | None
    accounts: QuerySet[Account]
    weighting: Weighting


def portfolio_scope(user: Actor, team_id: int | None) -> PortfolioScope:
    """The accounts in scope; a team the actor may not see is a 404, like its accounts."""
    accounts = accounts_for(user)
    if team_id is None:
        return PortfolioScope(None, accounts, DEFAULT_WEIGHTING)
    actor_scope = scope_of(user)
    team = Team.objects.filter(pk=team_id).first()
    if team is None or not (actor_scope.all_teams or team_id in actor_scope.team_ids):
        raise Http404("No such team.")
    weighting = weightings([team_id]).get(team_id, DEFAULT_WEIGHTING)
    return PortfolioScope(team, accounts.filter(team_id=team_id), weighting)


def _query(scope: PortfolioScope, **extra: str) -> str:
    query = {"team": str(scope.team.pk)} if scope.team else {}
    return urlencode(query | extra)


def _health_lines(rows: Sequence[AccountHealth], scope: PortfolioScope) -> list[SwotLine]:
    scores: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        for c in row.components:
            if c.get("score") is not None:
                scores[c["key"]].append(float(c["score"]))
    link = f"{reverse('analytics:portfolio-health')}?{_query(scope)}#heatmap"
    w = scope.weighting
    lines = []
    for key, values in scores.items():
        if key not in COMPONENTS or len(values) < 2:  # a mean of one has no interval
            continue
        component = COMPONENTS[key]
        mean = mean_t(len(values), sum(values), sum(v * v for v in values))
        if key == "feedback_trend" and mean.value == TREND_SCORES["flat"]:
            continue
        label = component.label
        figure = figure_of(mean, "of 100")
        facts = (f"Mean over {len(values)} scored accounts", component.description)
        band = health_band(mean.low, mean.high, w)
        if band is None:
            continue
        quadrant, rule, word = band
        text = f"{label} averages {mean.value:.0f}: in the {word} band over its whole interval."
        lines.append(
            SwotLine(quadrant, "health", key, label, text, rule, link, figure, len(values), facts)
        )
    return lines


def _count_line(
    quadrant: str,
    source: str,
    key: str,
    title: str,
    rule: str,
    link: str,
    names: Sequence[str],
    total: int,
    what: str,
) -> SwotLine:
    share = wilson(len(names), total)
    more = f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
    text = f"{len(names)} of {total} accounts {what}."
    facts = (f"{', '.join(names[:NAMES_SHOWN])}{more}",)
    figure = figure_of(share, "% of accounts", scale=100)
    return SwotLine(quadrant, source, key, title, text, rule, link, figure, total, facts)


def _account_lines(
    rows: Sequence[AccountHealth],
    nps: dict[int, float | None],
    scope: PortfolioScope,
    total: int,
) -> list[SwotLine]:
    """Risk reasons, renewals, customer types and loyalty, counted over the accounts."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        name = row.account.name
        for code in dict.fromkeys(r["code"] for r in row.risks):
            if code == "renewal_soon" and row.band == "green":
                by_kind["renewal_healthy"].append(name)
            else:
                by_reason[code].append(name)
        value = nps.get(row.account_id)
        loyalty = loyalty_of(value)
        kind = customer_type(
            band=row.band, loyalty=loyalty, value=value_band(row.account.annual_value)
        )
        by_kind[kind].append(name)
        if loyalty in ("loyal", "detractor"):
            by_kind[loyalty].append(name)
    health_url = reverse("analytics:portfolio-health")
    types_url = reverse("analytics:customer-types")
    lines = [
        _count_line(
            "threat",
            "risk",
            code,
            REASONS[code],
            "risk",
            f"{health_url}?{_query(scope, reason=code)}#at-risk",
            names,
            total,
            f"have this risk reason: {REASONS[code].lower()}",
        )
        for code, names in by_reason.items()
    ]
    kinds = {
        "partner": (
            "opportunity",
            f"Customer type {TYPES['partner'][0]}",
            "partner",
            f"{types_url}?{_query(scope, types='partner')}",
            "are Partners",
        ),
        "recover": (
            "threat",
            f"Customer type {TYPES['recover'][0]}",
            "recover",
            f"{types_url}?{_query(scope, types='recover')}",
            "need recovering",
        ),
        "loyal": (
            "opportunity",
            "Loyal customers",
            "loyal",
            f"{types_url}?{_query(scope, loyalty='loyal')}",
            "have a 90-day NPS of 30+",
        ),
        "detractor": (
            "threat",
            "Detractor-led customers",
            "detractor_led",
            f"{types_url}?{_query(scope, loyalty='detractor')}",
            "have more detractors than promoters",
        ),
        "renewal_healthy": (
            "opportunity",
            "Healthy renewals",
            "renewal_healthy",
            f"{health_url}?{_query(scope, reason='renewal_soon', band='green')}#at-risk",
            "renew soon with green health",
        ),
    }
    for kind, (quadrant, title, rule, link, what) in kinds.items():
        if by_kind.get(kind):
            lines.append(
                _count_line(
                    quadrant, "accounts", kind, title, rule, link, by_kind[kind], total, what
                )
            )
    return lines


def portfolio_swot(
    user: Actor, *, team_id: int | None = None, metric: str = "nps", today: date | None = None
) -> Swot:
    """The SWOT of the accounts the actor may see (or of one team of theirs)."""
    check_metric(metric)
    today = today or timezone.localdate()
    min_n = settings.RAPPORT_MIN_N
    scope = portfolio_scope(user, team_id)
    ids = scope.accounts.values("pk")
    drivers = pooled_key_drivers(ids, metric, months=SWOT_MONTHS, today=today)
    levels = driver_levels(ids, [d.key for d in drivers.drivers], drivers.start, drivers.end)
    figures = theme_figures(ids, metric=metric, start=drivers.start, end=drivers.end)
    health = health_rows(user).filter(account_id__in=ids).order_by("account__name", "pk")
    rows = list(health)
    nps = dict(
        AccountSnapshot.objects.filter(account_id__in=ids, metric="nps").values_list(
            "account_id", "value"
        )
    )
    notes = []
    unscored = [r for r in rows if r.score is None]
    if not rows:
        notes.append("No account in scope has a stored health score yet.")
    elif unscored:
        notes.append(f"{len(unscored)} account(s) had too little data for a health score.")
    lines = [
        *driver_lines(drivers, levels, scope.weighting, "#data-drivers"),
        *theme_lines(figures, metric, min_n=min_n, link="#data-themes"),
        *_health_lines(rows, scope),
        *_account_lines(rows, nps, scope, len(rows)),
    ]
    return Swot(
        scope="portfolio",
        label=scope.team.name if scope.team else "All accounts you can see",
        metric=metric,
        metric_label=metric_def(metric).label,
        start=drivers.start,
        end=drivers.end,
        min_n=min_n,
        lines=tuple(lines),
        notes=tuple(notes),
        team_id=scope.team.pk if scope.team else None,
    )
