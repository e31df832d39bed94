"""The SWOT of one account: the shared driver and theme rules (`swot`) plus its health
components, loyalty, advocates, renewal, risk reasons and margin."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from rapport.analytics.drivers.key_drivers import pooled_key_drivers
from rapport.analytics.health.scoring import TREND_SCORES, Weighting, _latest_nps
from rapport.analytics.health.selectors import account_health
from rapport.analytics.loyalty.customer_types import TYPES, customer_type, loyalty_of, value_band
from rapport.analytics.models import AccountSnapshot
from rapport.analytics.swot.rules import (
    SWOT_MONTHS,
    Figure,
    Swot,
    SwotLine,
    check_metric,
    driver_levels,
    driver_lines,
    health_band,
    theme_lines,
)
from rapport.core import formats
from rapport.core.access import Actor
from rapport.customers.models import Account, Contact, DecisionRole
from rapport.enrichment.public import theme_figures
from rapport.stats.metrics import estimate, metric_def

MARGIN_FALL = Decimal("0.05")  # of the annual value, half year on half year
PROMOTER_FROM = 9


# --- health, loyalty, people, renewal, risks, margin (an account) -----------------------------


def health_lines(components: Iterable[Any], weighting: Weighting, link: str) -> list[SwotLine]:
    lines = []
    for c in components:
        if c.score is None or (c.key == "feedback_trend" and c.score == TREND_SCORES["flat"]):
            continue
        figure = Figure(c.score, unit="of 100")
        band = health_band(c.score, c.score, weighting)
        if band is None:
            continue
        quadrant, rule, word = band
        text = f"{c.label} scores {c.score:.0f}, in the {word} band."
        lines.append(
            SwotLine(quadrant, "health", c.key, c.label, text, rule, link, figure, None, c.facts)
        )
    return lines


def _loyalty_lines(
    account: Account, snapshot: AccountSnapshot | None, band: str, min_n: int, link: str
) -> list[SwotLine]:
    value = estimate("nps", snapshot.current if snapshot else {}, min_n=min_n)
    if not value.enough or value.value is None:
        return [
            SwotLine(
                "examined",
                "loyalty",
                "loyalty",
                "Loyalty",
                f"Too few responses in 90 days to read loyalty (n = {value.n} of {min_n}).",
                "too_few",
                link,
                n=value.n,
            )
        ]
    figure = Figure(value.value, value.low, value.high, "NPS")
    loyalty = loyalty_of(value.value)
    kind = customer_type(band=band, loyalty=loyalty, value=value_band(account.annual_value))
    lines = []
    if loyalty == "loyal":
        lines.append(
            SwotLine(
                "opportunity",
                "loyalty",
                "loyal",
                "Loyal customer",
                f"90-day NPS {figure.text}: ask for references and expansion.",
                "loyal",
                link,
                figure,
                value.n,
            )
        )
    elif loyalty == "detractor":
        lines.append(
            SwotLine(
                "threat",
                "loyalty",
                "detractor_led",
                "Detractor-led",
                f"90-day NPS {figure.text}: more detractors than promoters.",
                "detractor_led",
                link,
                figure,
                value.n,
            )
        )
    if kind in ("partner", "recover"):
        quadrant = "opportunity" if kind == "partner" else "threat"
        lines.append(
            SwotLine(
                quadrant,
                "loyalty",
                kind,
                f"Customer type {TYPES[kind][0]}",
                f"{TYPES[kind][0]}: {TYPES[kind][1]}.",
                kind,
                reverse("analytics:customer-types"),
                figure,
                value.n,
            )
        )
    return lines


def _advocates(contacts: Iterable[Contact], link: str) -> list[SwotLine]:
    lines = []
    for contact in contacts:
        latest = getattr(contact, "latest_nps", None)
        if latest is None or latest < PROMOTER_FROM:
            continue
        at = contact.latest_nps_at  # type: ignore[attr-defined]
        when = f" on {timezone.localdate(at):%-d %b %Y}" if at else ""
        lines.append(
            SwotLine(
                "opportunity",
                "contact",
                f"contact-{contact.pk}",
                contact.name,
                f"{contact.name}, decision maker, answered {latest} to the recommend "
                f"question{when}: an advocate to involve.",
                "advocate",
                link,
                Figure(latest, unit="of 10"),
                1,
            )
        )
    return lines


def _margin_lines(profit: Any, link: str) -> list[SwotLine]:
    months = profit.months
    recent = sum((m.margin for m in months[-6:]), Decimal(0))
    before = sum((m.margin for m in months[-12:-6]), Decimal(0))
    facts = (
        f"Annual margin {formats.money(profit.margin, profit.currency)}",
        f"Last 6 months {formats.money(recent, profit.currency)}, "
        f"the 6 before {formats.money(before, profit.currency)}",
    )
    figure = Figure(float(profit.margin), unit=profit.currency)
    if profit.margin < 0:
        loss = formats.money(profit.margin, profit.currency)
        text = f"The account loses money: {loss} in 12 months."
    elif profit.annual_value and before - recent >= MARGIN_FALL * profit.annual_value:
        text = (
            f"Margin falling: {formats.money(recent, profit.currency)} in the last 6 months "
            f"against {formats.money(before, profit.currency)} before."
        )
        figure = Figure(float(recent - before), unit=profit.currency)
    else:
        return []
    return [
        SwotLine("threat", "margin", "margin", "Margin", text, "margin", link, figure, None, facts)
    ]


def _risk_lines(reasons: Iterable[Any], band: str, link: str) -> list[SwotLine]:
    lines = []
    for reason in reasons:
        if reason.code == "renewal_soon" and band == "green":
            lines.append(
                SwotLine(
                    "opportunity",
                    "renewal",
                    "renewal",
                    "Renewal with a healthy account",
                    f"{reason.text}; health is green: propose the renewal early.",
                    "renewal_healthy",
                    link,
                    Figure(reason.data["days"], unit="days"),
                )
            )
        else:
            lines.append(
                SwotLine("threat", "risk", reason.code, reason.label, reason.text, "risk", link)
            )
    return lines


def account_swot(
    user: Actor, account: Account, *, metric: str = "nps", today: date | None = None
) -> Swot:
    """The SWOT of an account fetched through `get_account` (the actor may see it)."""
    check_metric(metric)
    today = today or timezone.localdate()
    min_n = settings.RAPPORT_MIN_N
    analytics = reverse("analytics:account", args=[account.pk])
    health_url = reverse("analytics:health", args=[account.pk])
    drivers_link = f"{analytics}?drivers={metric}&drivers_months={SWOT_MONTHS}#drivers"
    ids = [account.pk]
    drivers = pooled_key_drivers(
        ids, metric, months=SWOT_MONTHS, today=today, account_id=account.pk
    )
    levels = driver_levels(ids, [d.key for d in drivers.drivers], drivers.start, drivers.end)
    health = account_health(user, account, today=today)
    band = health.health.band
    snapshot = AccountSnapshot.objects.filter(account=account, metric="nps").first()
    decision_makers = (
        Contact.objects.filter(account=account, decision_role=DecisionRole.DECISION_MAKER)
        .annotate(**_latest_nps())
        .order_by("name", "pk")
    )
    figures = theme_figures(ids, metric=metric, start=drivers.start, end=drivers.end)
    lines = [
        *driver_lines(drivers, levels, health.weighting, drivers_link),
        *theme_lines(figures, metric, min_n=min_n, link=f"{analytics}#themes-moved"),
        *health_lines(health.health.components, health.weighting, f"{health_url}#health"),
        *_loyalty_lines(account, snapshot, band, min_n, f"{health_url}#health"),
        *_advocates(decision_makers, reverse("customers:account", args=[account.pk])),
        *_risk_lines(health.reasons, band, f"{health_url}#risks"),
        *_margin_lines(health.profitability, f"{health_url}#profitability"),
    ]
    return Swot(
        scope="account",
        label=account.name,
        metric=metric,
        metric_label=metric_def(metric).label,
        start=drivers.start,
        end=drivers.end,
        min_n=min_n,
        lines=tuple(lines),
        account_id=account.pk,
        team_id=account.team_id,
    )
