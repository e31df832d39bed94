"""Episodes: a control chart's signals in one direction close together, each with the window
before it that its comments are compared with (`account_analytics.explained_episodes`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rapport.analytics.control.charts import (
    AccountControlChart,
    ChartPoint,
    Direction,
    bucket_floor,
    months_back,
    period_label,
)
from rapport.analytics.models import Period

# Episodes are compared with at least this many periods before them (about a quarter).
REFERENCE_PERIODS: dict[str, int] = {Period.WEEK: 13, Period.MONTH: 3}


@dataclass(frozen=True, slots=True)
class Episode:
    """Signals in one direction close together: what a manager reads as "something happened"
    — and the window whose comments say what."""

    direction: Direction
    start: date  # first day of the first flagged period
    end: date  # last day of the last flagged period
    signals: int
    reference_start: date  # the reference window runs from here to the day before `start`

    def label(self, period: str) -> str:
        first, last = (
            period_label(period, self.start),
            period_label(period, bucket_floor(period, self.end)),
        )
        if first == last:
            return first
        return (
            f"{first} to {last[0].lower()}{last[1:]}"
            if period == Period.WEEK
            else f"{first} to {last}"
        )


def episodes(chart: AccountControlChart, *, gap: int = 1) -> tuple[Episode, ...]:
    """Flagged points grouped into episodes: same direction (better or worse; pattern-only
    signals are no episode), at most `gap` periods between two of them. Each episode then
    takes in up to `gap` adjacent judged periods on its side of the centre line at each end: a
    shift usually begins before the first point that crosses a limit and outlasts the last. Pure."""
    if chart.limits is None:
        return ()
    centre = chart.limits.centre
    judged = [p for p in chart.points if p.enough]
    runs: list[list[int]] = []  # indices into judged
    for i, point in enumerate(judged):
        if point.direction not in ("better", "worse"):
            continue
        last = judged[runs[-1][-1]] if runs else None
        if (
            last is not None
            and last.direction == point.direction
            and _periods_between(chart.period, last.period_start, point.period_start) <= gap + 1
        ):
            runs[-1].append(i)
        else:
            runs.append([i])
    result: list[Episode] = []
    for run in runs:
        direction = judged[run[0]].direction or "worse"
        below = (direction == "worse") == chart.metric.higher_is_better
        head, tail = run[0], run[-1]
        for _ in range(gap):
            if _on_side(judged, head - 1, head, chart.period, centre, below, direction):
                head -= 1
            if _on_side(judged, tail + 1, tail, chart.period, centre, below, direction):
                tail += 1
        first_day, last_day = judged[head].period_start, judged[tail].period_start
        touching = result and result[-1].end >= first_day - timedelta(days=1)
        if touching and result[-1].direction == direction:
            merged = result.pop()  # the widened runs touch: one episode
            first_day, signals = merged.start, merged.signals + len(run)
        else:
            signals = len(run)
        periods = _periods_between(chart.period, first_day, last_day) + 1
        before = max(periods, REFERENCE_PERIODS[chart.period])
        result.append(
            Episode(
                direction=direction,
                start=first_day,
                end=period_end(chart.period, last_day),
                signals=signals,
                reference_start=_shift(chart.period, first_day, -before),
            )
        )
    return tuple(result)


def _on_side(
    judged: Sequence[ChartPoint],
    k: int,
    neighbour: int,
    period: str,
    centre: float,
    below: bool,
    direction: Direction,
) -> bool:
    """Is judged[k] the period next to judged[neighbour], on the episode's side of the centre
    and not flagged the other way?"""
    if not 0 <= k < len(judged) or judged[k].direction not in (None, direction):
        return False
    apart = abs(_periods_between(period, judged[k].period_start, judged[neighbour].period_start))
    value = judged[k].value
    return apart == 1 and (value < centre if below else value > centre)


def period_end(period: str, start: date) -> date:
    return _shift(period, start, 1) - timedelta(days=1)


def _shift(period: str, start: date, periods: int) -> date:
    if period == Period.WEEK:
        return start + timedelta(weeks=periods)
    return months_back(start, -periods)


def _periods_between(period: str, first: date, last: date) -> int:
    if period == Period.WEEK:
        return (last - first).days // 7
    return (last.year - first.year) * 12 + last.month - first.month
