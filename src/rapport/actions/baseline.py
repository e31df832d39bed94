"""An action's metric before and after: the baseline kept when it was opened, and the same
length of period after it was done, with intervals and a significance statement from
rapport.stats (NPS: the MOVER difference of the score intervals; shares and means: the normal
difference `compare` tests with)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from rapport.analytics.public import window_sums
from rapport.core import formats
from rapport.core.models import Team
from rapport.customers.models import Account
from rapport.stats.metrics import MetricValue, compare, difference_interval, estimate, metric_def

BASELINE_DAYS = 90


def _sums(
    *, team_id: int, account_id: int | None, metric: str, start: date, end: date
) -> dict[str, float]:
    if account_id is not None:
        return window_sums(metric=metric, start=start, end=end, account_ids=[account_id])
    return window_sums(metric=metric, start=start, end=end, team_id=team_id)


def _value_dict(value: MetricValue) -> dict[str, Any]:
    return {k: v for k, v in value.as_dict().items() if k != "metric"}


def snapshot(
    *, team: Team, account: Account | None, metric: str, today: date | None = None
) -> dict[str, Any]:
    """The metric over the 90 days before today, for the account (or the whole team when the
    action has none): window, sums and estimate with its interval. {} without a metric."""
    if not metric:
        return {}
    today = today or timezone.localdate()
    start, end = today - timedelta(days=BASELINE_DAYS), today - timedelta(days=1)
    sums = _sums(
        team_id=team.pk,
        account_id=account.pk if account else None,
        metric=metric,
        start=start,
        end=end,
    )
    value = estimate(metric, sums, min_n=settings.RAPPORT_MIN_N)
    return {
        "scope": "account" if account else "team",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "sums": sums,
        **_value_dict(value),
    }


@dataclass(frozen=True)
class Effect:
    """Before (baseline) and after, each with n and interval, and what the difference says."""

    metric: str
    label: str
    before: MetricValue
    after: MetricValue | None  # None until the action is done
    before_start: date
    before_end: date
    after_start: date | None
    after_end: date | None
    complete: bool  # the after window has run its full length
    difference: float | None
    diff_low: float | None
    diff_high: float | None
    statement: str

    @property
    def interval_text(self) -> str:
        if self.diff_low is None or self.diff_high is None:
            return ""
        return formats.interval(self.diff_low, self.diff_high, 1, signed=True)


def effect(action: Any, *, today: date | None = None) -> Effect | None:
    """The action's effect on its metric (None without a metric or baseline)."""
    base = action.baseline or {}
    if not action.metric or not base.get("sums"):
        return None
    metric = action.metric
    min_n = settings.RAPPORT_MIN_N
    before_start, before_end = date.fromisoformat(base["start"]), date.fromisoformat(base["end"])
    before = estimate(metric, base["sums"], min_n=min_n)
    label = metric_def(metric).label
    common = {"metric": metric, "label": label, "before": before}
    common |= {"before_start": before_start, "before_end": before_end}
    if action.status != "done" or action.closed_at is None:
        return Effect(
            **common, after=None, after_start=None, after_end=None, complete=False,
            difference=None, diff_low=None, diff_high=None,
            statement="The effect is measured once the action is done.",
        )  # fmt: skip
    today = today or timezone.localdate()
    length = (before_end - before_start).days + 1
    after_start = timezone.localtime(action.closed_at).date() + timedelta(days=1)
    full_end = after_start + timedelta(days=length - 1)
    after_end = min(full_end, today)
    complete = full_end <= today
    if after_end < after_start:
        return Effect(
            **common, after=None, after_start=after_start, after_end=full_end, complete=False,
            difference=None, diff_low=None, diff_high=None,
            statement="Done today: the period after starts tomorrow.",
        )  # fmt: skip
    after_sums = _sums(
        team_id=action.team_id,
        account_id=action.account_id if base.get("scope") == "account" else None,
        metric=metric,
        start=after_start,
        end=after_end,
    )
    after = estimate(metric, after_sums, min_n=min_n)
    diff = low = high = None
    if before.n and after.n:
        diff, low, high = difference_interval(metric, after_sums, base["sums"])
    change = compare(metric, after_sums, base["sums"], min_n=min_n)
    so_far = "" if complete else f" (so far: {(after_end - after_start).days + 1} of {length} days)"
    if change.direction == "unknown":
        statement = f"Too few responses to compare (at least {min_n} in each period){so_far}."
    elif change.direction == "flat":
        statement = f"No significant change in {label}: the interval includes zero{so_far}."
    else:
        better = (change.difference or 0) > 0
        word = "improved" if better else "worsened"
        statement = f"{label} {word} significantly{so_far}."
    return Effect(
        **common, after=after, after_start=after_start, after_end=after_end, complete=complete,
        difference=diff, diff_low=low, diff_high=high, statement=statement,
    )  # fmt: skip
