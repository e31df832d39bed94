"""Strengths, weaknesses, opportunities and threats of an account, from the figures that exist.

Every line carries its figure with n and 95 % interval (where it is an estimate), the rule that
put it in its quadrant, and a link to the page section it comes from. Nothing estimated from
fewer than `RAPPORT_MIN_N` responses is called a strength or a weakness: it is listed under
"examined" with "too few responses". The rules (codes in `RULES`, thresholds below):

Strengths and weaknesses
- Key drivers (Johnson's relative weights of the other answers on the key metric, last 12
  months, BCa bootstrap intervals). A driver is *key* when it is significant against a random
  benchmark (Tonidandel, LeBreton & Johnson 2009: the interval of its weight minus a random
  column's lies above 0), the lower end of its share of R² is at least half an equal share
  (50 % / number of drivers) and its correlation with the metric is significantly positive.
  Its *level* is its mean over the same window (day rollups) on a 0–100 scale of its answer
  range (CSAT 1–5, CES 1–7; custom answers only when
  `RAPPORT_ANSWER_SCALES` gives their range). A key driver whose level interval lies wholly
  at or above the team's green band is a strength; wholly below its amber band, a weakness;
  in between, an opportunity (the lever that would lift the metric most). Custom answers
  without a known range are examined, not judged.
- Themes (last 12 months). Among analysed comments whose response answered the key metric,
  the metric of those mentioning the theme against those that do not: a difference whose
  95 % interval lies above zero is a strength, below zero a weakness (the same z test as
  `metrics.compare`). When that difference is not significant, or too few comments answered
  the metric, the comments' mean sentiment against the other comments' decides the same way
  (from the theme rollups, so every analysed comment counts, e.g. the e-mails and calls of
  an incident, which rarely answer NPS). Each test needs the minimum n in both groups. The
  share of comments (Wilson) is shown with each line.
- Health components (analytics.health, computed now): at or above the green band a
  strength, below the amber band a weakness; a feedback trend with no significant change is
  neither. Feedback components are never scored below the minimum n, so that rule holds here
  too.

Opportunities and threats
- Loyalty from the 90-day NPS (customer_types): loyal is an opportunity (references,
  expansion), detractor-led a threat; the customer type Partner is an opportunity, Recover a
  threat.
- A decision maker whose latest recommend answer is 9 or 10: an advocate to involve.
- Renewal within the team's watched days: an opportunity when health is green, else a threat.
- Every risk reason (analytics.risk) other than the renewal: a threat.
- Margin: negative over 12 months, or the last 6 months' margin below the 6 before by
  `MARGIN_FALL` of the annual value or more: a threat.

Reads a fixed number of queries whatever the number of responses (about 20 for an account).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet, Sum

from rapport.analytics.drivers.key_drivers import DRIVER_OUTCOMES, KeyDrivers
from rapport.analytics.health.scoring import Weighting
from rapport.analytics.models import MetricRollup
from rapport.core import formats
from rapport.stats.intervals import mean_t, wilson
from rapport.stats.metrics import compare, difference_interval, estimate, metric_def

if TYPE_CHECKING:
    from rapport.enrichment.public import ThemeFigures

SWOT_MONTHS = 12
QUADRANTS = ("strength", "weakness", "opportunity", "threat")

SOURCE_LABELS = {
    "driver": "Key drivers",
    "theme": "Themes",
    "health": "Health components",
    "risk": "Risk reasons",
    "margin": "Profitability",
    "loyalty": "Health",
    "contact": "People",
    "renewal": "Risk reasons",
    "accounts": "Accounts",
}

# code → (short name shown on each line, the rule in full)
RULES: dict[str, tuple[str, str]] = {
    "driver_strength": ("key driver, level in the green band",
        "Key driver scoring well: it explains significantly more than a column of random "
        "numbers would, its share of R² is, at the lower end of its interval, at least half an "
        "equal share, its correlation with the metric is significantly positive, and its level "
        "(0–100 of its scale) is at or above the green band over its whole interval."),
    "driver_weakness": ("key driver, level below the amber band",
        "Key driver scoring badly: key as above, and its level is below the amber band over its "
        "whole interval."),
    "driver_lever": ("key driver between the bands",
        "Key driver whose level is neither clearly green nor clearly below amber: raising it is "
        "the surest way to lift the metric."),
    "theme_lifts": ("mentions go with a higher metric",
        "Responses whose comment mentions the theme score significantly higher on the metric "
        "than the other commented responses (95 % interval of the difference above 0)."),
    "theme_lowers": ("mentions go with a lower metric",
        "Responses whose comment mentions the theme score significantly lower on the metric "
        "than the other commented responses (95 % interval of the difference below 0)."),
    "theme_warm": ("warmer comments",
        "No significant difference on the metric, but comments mentioning the theme are "
        "significantly warmer (mean sentiment) than the other comments."),
    "theme_cold": ("more negative comments",
        "No significant difference on the metric, but comments mentioning the theme are "
        "significantly more negative (mean sentiment) than the other comments."),
    "health_good": ("health component green",
        "Health component at or above the green band (for a portfolio: its mean over the "
        "accounts, over its whole interval)."),
    "health_poor": ("health component red",
        "Health component below the amber band (for a portfolio: its mean over the accounts, "
        "over its whole interval)."),
    "loyal": ("loyal", "90-day NPS of 30 or more: ask for references and expansion."),
    "detractor_led": ("detractor-led", "90-day NPS below 0."),
    "partner": ("customer type Partner",
        "Healthy, loyal and worth at least £100k: a long-term relationship candidate."),
    "recover": ("customer type Recover", "Worth at least £100k and red or detractor-led."),
    "advocate": ("advocate", "A decision maker's latest recommend answer is 9 or 10."),
    "renewal_healthy": ("renewal while green",
        "Renewal within the team's watched days while health is green."),
    "risk": ("risk reason", "A risk reason of the health score (analytics.risk)."),
    "margin": ("margin",
        "Margin negative over 12 months, or the last 6 months below the 6 before by 5 % of "
        "the annual value or more."),
    "too_few": ("too few responses", "Fewer responses than the minimum: not judged."),
    "not_significant": ("no significant effect",
        "Examined: no significant effect, not a key driver, or between the bands."),
    "no_scale": ("no known scale",
        "No answer range is known for this custom answer, so its level is not judged (set "
        "RAPPORT_ANSWER_SCALES, e.g. {\"ease_of_ordering\": [1, 5]})."),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure as shown: value with its 95 % interval (None for counts and records)."""

    value: float
    low: float | None = None
    high: float | None = None
    unit: str = ""
    decimals: int = 0
    signed: bool = False  # a difference: shown with its sign

    @property
    def shown(self) -> str:
        return (
            f"{formats.number(self.value, self.decimals, signed=self.signed)} {self.unit}".rstrip()
        )

    @property
    def interval(self) -> str:
        if self.low is None or self.high is None:
            return ""
        return f"({formats.interval(self.low, self.high, self.decimals, signed=self.signed)})"

    @property
    def text(self) -> str:
        return f"{self.shown} {self.interval}".rstrip()


@dataclass(frozen=True, slots=True)
class SwotLine:
    quadrant: str  # strength | weakness | opportunity | threat | examined
    source: str  # driver | theme | health | loyalty | contact | renewal | risk | margin
    key: str
    title: str
    text: str
    rule: str
    link: str
    figure: Figure | None = None
    n: int | None = None
    facts: tuple[str, ...] = ()

    @property
    def source_label(self) -> str:
        """The link's words: where the line's data is shown."""
        return SOURCE_LABELS.get(self.source, "Data")

    @property
    def rule_label(self) -> str:
        return RULES[self.rule][0]

    @property
    def rule_text(self) -> str:
        return RULES[self.rule][1]


@dataclass(frozen=True, slots=True)
class Swot:
    scope: str  # account | portfolio
    label: str
    metric: str
    metric_label: str
    start: date
    end: date
    min_n: int
    lines: tuple[SwotLine, ...]
    notes: tuple[str, ...] = ()
    account_id: int | None = None
    team_id: int | None = None

    def quadrant(self, name: str) -> list[SwotLine]:
        return [line for line in self.lines if line.quadrant == name]

    @property
    def strengths(self) -> list[SwotLine]:
        return self.quadrant("strength")

    @property
    def weaknesses(self) -> list[SwotLine]:
        return self.quadrant("weakness")

    @property
    def opportunities(self) -> list[SwotLine]:
        return self.quadrant("opportunity")

    @property
    def threats(self) -> list[SwotLine]:
        return self.quadrant("threat")

    @property
    def examined(self) -> list[SwotLine]:
        return self.quadrant("examined")


def figure_of(x: Any, unit: str = "", *, decimals: int = 0, scale: float = 1.0) -> Figure:
    """A Figure from anything with value, low and high (Estimate, Interval); an unbounded
    interval (a mean of one) is dropped rather than shown as infinite."""
    bounded = math.isfinite(x.low) and math.isfinite(x.high)
    return Figure(
        scale * x.value,
        scale * x.low if bounded else None,
        scale * x.high if bounded else None,
        unit,
        decimals,
    )


def health_band(low: float, high: float, weighting: Weighting) -> tuple[str, str, str] | None:
    """(quadrant, rule, band word) of a health score whose whole interval [low, high] is in the
    green band (a strength) or below amber (a weakness); None in between."""
    if low >= weighting.green_from:
        return "strength", "health_good", "green"
    if high < weighting.amber_from:
        return "weakness", "health_poor", "red"
    return None


def check_metric(metric: str) -> str:
    if metric not in DRIVER_OUTCOMES:
        raise ValueError(f"metric must be one of {', '.join(DRIVER_OUTCOMES)}, not {metric!r}")
    return metric


# --- drivers ----------------------------------------------------------------------------------


def _scale(key: str) -> tuple[float, float] | None:
    definition = metric_def(key)
    if definition.high > definition.low:
        return float(definition.low), float(definition.high)
    scale: tuple[float, float] | None = settings.RAPPORT_ANSWER_SCALES.get(key)
    return scale


def driver_levels(
    account_ids: Iterable[int] | QuerySet[Any, Any], keys: Sequence[str], start: date, end: date
) -> dict[str, tuple[int, float, float]]:
    """n, Σ, Σ² per answer over the window, from day rollups (one query)."""
    rows = (
        MetricRollup.objects.filter(
            account_id__in=account_ids,
            metric__in=list(keys),
            period="day",
            period_start__gte=start,
            period_start__lte=end,
        )
        .values("metric")
        .annotate(n=Sum("n"), total=Sum("total"), total_sq=Sum("total_sq"))
        .order_by()
    )
    return {
        r["metric"]: (int(r["n"] or 0), float(r["total"] or 0), float(r["total_sq"] or 0))
        for r in rows
    }


def driver_lines(
    result: KeyDrivers,
    levels: Mapping[str, tuple[int, float, float]],
    weighting: Weighting,
    link: str,
) -> list[SwotLine]:
    min_n = result.min_n
    if not result.enough:
        return [
            SwotLine(
                "examined",
                "driver",
                "drivers",
                "Key drivers",
                result.message,
                "too_few",
                link,
                n=result.n,
            )
        ]
    lines = []
    equal_half = 50.0 / len(result.drivers)
    for d in result.drivers:
        facts = [
            f"Share of R² {figure_of(d.share, '%').text}",
            f"Correlation with {result.outcome_label} {figure_of(d.correlation, decimals=2).text}",
            f"{result.n} responses answering every aspect, R² {result.r_squared or 0:.2f}",
        ]
        facts.append(
            f"Weight beyond a random benchmark's {figure_of(d.versus_random, decimals=3).text}"
        )
        key = d.significant and d.share.low >= equal_half and d.correlation.low > 0
        n, total, total_sq = levels.get(d.key, (0, 0.0, 0.0))
        scale = _scale(d.key)
        if n < min_n:
            quadrant, rule, figure, text = (
                "examined",
                "too_few",
                None,
                (f"Too few responses rate {d.label} (n = {n} of {min_n})."),
            )
        elif scale is None:
            mean = mean_t(n, total, total_sq)
            figure = figure_of(mean, decimals=2)
            quadrant, rule = "examined", "no_scale"
            text = f"{d.label} averages {figure.text}; its range is not known."
        else:
            low, high = scale
            mean = mean_t(n, total, total_sq)
            pomp = [100 * (x - low) / (high - low) for x in (mean.value, mean.low, mean.high)]
            figure = Figure(pomp[0], pomp[1], pomp[2], "of 100")
            facts.insert(0, f"Mean {mean.value:.2f} on {low:.0f}–{high:.0f}, n = {n}")
            if not key:
                quadrant, rule = "examined", "not_significant"
                text = f"{d.label} is not a key driver of {result.outcome_label} here" + (
                    "." if d.significant else ": it explains no more than random numbers would."
                )
            elif pomp[1] >= weighting.green_from:
                quadrant, rule = "strength", "driver_strength"
                text = f"{d.label} drives {result.outcome_label} and scores well."
            elif pomp[2] < weighting.amber_from:
                quadrant, rule = "weakness", "driver_weakness"
                text = f"{d.label} drives {result.outcome_label} and scores badly."
            else:
                quadrant, rule = "opportunity", "driver_lever"
                text = f"{d.label} drives {result.outcome_label} and has room to improve."
        lines.append(
            SwotLine(quadrant, "driver", d.key, d.label, text, rule, link, figure, n, tuple(facts))
        )
    return lines


# --- themes -----------------------------------------------------------------------------------


SENTIMENT = "sentiment"  # a custom key: metrics treat its sums as a mean with a t interval


def _theme_verdict(t: ThemeFigures, metric: str, min_n: int) -> tuple[str, str, Figure | None, str]:
    """(quadrant, rule, figure, what it says): the key metric decides when its difference is
    significant; otherwise the comments' sentiment against the other comments' does."""
    label = metric_def(metric).label
    metric_change = compare(metric, t.with_theme, t.without_theme, min_n=min_n)
    if metric_change.direction in ("up", "down"):
        diff, low, high = difference_interval(metric, t.with_theme, t.without_theme)
        figure = Figure(diff, low, high, "NPS points" if metric == "nps" else "pp", 1, True)
        word = "higher" if metric_change.direction == "up" else "lower"
        quadrant = "strength" if metric_change.direction == "up" else "weakness"
        rule = "theme_lifts" if metric_change.direction == "up" else "theme_lowers"
        return (
            quadrant,
            rule,
            figure,
            (
                f"Responses that mention {t.name.lower()} give a {word} {label} than the other "
                "commented responses."
            ),
        )
    mood = compare(SENTIMENT, t.sentiment_with, t.sentiment_without, min_n=min_n)
    if mood.direction in ("up", "down"):
        diff, low, high = difference_interval(SENTIMENT, t.sentiment_with, t.sentiment_without)
        figure = Figure(diff, low, high, "sentiment", 2, True)
        word = "warmer" if mood.direction == "up" else "more negative"
        quadrant = "strength" if mood.direction == "up" else "weakness"
        rule = "theme_warm" if mood.direction == "up" else "theme_cold"
        return (
            quadrant,
            rule,
            figure,
            (
                f"Comments on {t.name.lower()} are {word} than the other comments "
                "(sentiment from −1 to 1)."
            ),
        )
    if metric_change.direction == "unknown" and mood.direction == "unknown":
        return "examined", "too_few", None, "Too few responses to judge it."
    return "examined", "not_significant", None, f"No significant difference in {label} or tone."


def theme_lines(
    figures: Sequence[ThemeFigures], metric: str, *, min_n: int, link: str
) -> list[SwotLine]:
    label = metric_def(metric).label
    lines = []
    for t in figures:
        with_value = estimate(metric, t.with_theme, min_n=min_n)
        without_value = estimate(metric, t.without_theme, min_n=min_n)
        with_mood = estimate(SENTIMENT, t.sentiment_with, min_n=min_n)
        without_mood = estimate(SENTIMENT, t.sentiment_without, min_n=min_n)
        share = wilson(t.mentions, t.comments)
        facts = (
            f"Mentioned in {t.mentions} of {t.comments} analysed comments "
            f"({figure_of(share, '%', scale=100).text})",
            f"{label} {_value_text(with_value)} when mentioned, {_value_text(without_value)} "
            "when not",
            f"Mean sentiment (−1 to 1) {_value_text(with_mood, 2)} when mentioned, "
            f"{_value_text(without_mood, 2)} in the other comments",
        )
        quadrant, rule, figure, text = _theme_verdict(t, metric, min_n)
        lines.append(
            SwotLine(quadrant, "theme", t.slug, t.name, text, rule, link, figure, t.mentions, facts)
        )
    return lines


def _value_text(value: Any, decimals: int = 0) -> str:
    if value.value is None:
        return "— (n = 0)"
    if value.low is None or value.high is None:
        return f"{formats.number(value.value, decimals)} (n = {value.n})"
    return f"{figure_of(value, decimals=decimals).text} (n = {value.n})"
