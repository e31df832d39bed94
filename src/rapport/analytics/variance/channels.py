"""Why a metric moved between the previous and the last 90 days: channel mix versus rates.

The overall CSAT (or NPS) is the response-weighted average of the channels' figures, so a
change splits exactly into a mix effect (channels' shares of responses moved) and rate effects
(figures within channels moved) — `stats.variance.decompose`. The same split against the
target tells which channels account for the gap. Intervals are BCa bootstraps from resampling
the two windows' responses (multinomially, from their aggregated counts); below
`BOOTSTRAP_MIN_N` responses in a window nothing is decomposed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db.models import Case, CharField, Count, Q, Value, When
from django.utils import timezone

from rapport.analytics.rollups.services import WINDOW_DAYS
from rapport.analytics.variance.targets import Target, target_for
from rapport.core.access import Actor
from rapport.core.dates import local_midnight
from rapport.customers.models import Account
from rapport.customers.selectors import get_account
from rapport.feedback.public import CHANNELS, responses_in_window
from rapport.stats import intervals, variance
from rapport.stats.metrics import MetricValue, compare, difference_interval, estimate

VARIANCE_METRICS = {"csat": "CSAT (top-2 box %)", "nps": "NPS"}
N_RESAMPLES = 1000
CACHED_LIMITS = 256  # one per account × metric shown recently; a few KB each
_SEED = 20260301  # fixed, so a page and its report show the same intervals


@dataclass(frozen=True, slots=True)
class Effect:
    """A contribution in points of the metric, with its 95 % interval."""

    value: float
    low: float
    high: float
    shown: float  # rounded so that the shown parts add up to the shown total


@dataclass(frozen=True, slots=True)
class ChannelRow:
    key: str
    label: str
    previous: MetricValue
    current: MetricValue
    previous_share: float  # percent of the window's responses
    current_share: float
    mix: Effect
    rate: Effect
    total: Effect
    to_target: Effect | None  # this channel's part of (actual - target)


@dataclass(frozen=True, slots=True)
class ChannelVariance:
    account_id: int
    metric: str
    label: str
    unit: str
    previous_start: date
    previous_end: date
    current_start: date
    current_end: date
    current: MetricValue
    previous: MetricValue
    min_n: int
    enough: bool
    message: str = ""
    change: Effect | None = None
    change_label: str = ""
    mix: Effect | None = None
    rate: Effect | None = None
    target: Target | None = None
    gap: Effect | None = None  # actual - target
    channels: tuple[ChannelRow, ...] = ()


def windows(as_of: date) -> tuple[date, date, date, date]:
    """(previous start, previous end, current start, current end), as the account page uses."""
    current_start = as_of - timedelta(days=WINDOW_DAYS - 1)
    previous_start = current_start - timedelta(days=WINDOW_DAYS)
    return previous_start, current_start - timedelta(days=1), current_start, as_of


def _counts(account_id: int, metric: str, previous_start: date, as_of: date) -> list[Any]:
    """Responses per window × channel with the counts the metric needs (one grouped query)."""
    split = local_midnight(previous_start + timedelta(days=WINDOW_DAYS))
    rows = (
        responses_in_window([account_id], start=previous_start, end=as_of, answered=metric)
        .annotate(
            window=Case(
                When(submitted_at__gte=split, then=Value("current")),
                default=Value("previous"),
                output_field=CharField(),
            )
        )
        .values("window", "channel")
        .annotate(
            n=Count("pk"),
            top2=Count("pk", filter=Q(csat__gte=4)),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
        )
    )
    return list(rows)


def _sums(row: Mapping[str, int] | None) -> dict[str, float]:
    if row is None:
        return {"n": 0, "top2": 0, "promoters": 0, "passives": 0, "detractors": 0}
    n = row["n"]
    return {
        "n": n,
        "top2": row["top2"],
        "promoters": row["promoters"],
        "passives": n - row["promoters"] - row["detractors"],
        "detractors": row["detractors"],
    }


def _add(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b)}


def channel_variance_for(
    account: Account, metric: str, *, as_of: date | None = None, target: Target | None = None
) -> ChannelVariance:
    """The decomposition for an account the caller has fetched through `get_account`."""
    if metric not in VARIANCE_METRICS:
        raise ValueError(f"metric must be one of {', '.join(VARIANCE_METRICS)}, not {metric!r}")
    as_of = as_of or timezone.localdate()
    min_n = settings.RAPPORT_MIN_N
    prev_start, prev_end, cur_start, cur_end = windows(as_of)
    by_key = {
        (r["window"], r["channel"]): r for r in _counts(account.pk, metric, prev_start, as_of)
    }
    labels = dict(CHANNELS)
    keys = [k for k in labels if (("previous", k) in by_key or ("current", k) in by_key)]
    keys += sorted({c for _, c in by_key} - set(keys))  # channels no longer offered
    previous = {k: _sums(by_key.get(("previous", k))) for k in keys}
    current = {k: _sums(by_key.get(("current", k))) for k in keys}
    total_prev = _total(previous.values())
    total_cur = _total(current.values())
    target = target if target is not None else target_for(account, metric)
    result = ChannelVariance(
        account_id=account.pk,
        metric=metric,
        label=VARIANCE_METRICS[metric],
        unit="%" if metric == "csat" else "",
        previous_start=prev_start,
        previous_end=prev_end,
        current_start=cur_start,
        current_end=cur_end,
        current=estimate(metric, total_cur, min_n=min_n),
        previous=estimate(metric, total_prev, min_n=min_n),
        min_n=min_n,
        enough=False,
        target=target,
    )
    # The effects' intervals are bootstraps: none below BOOTSTRAP_MIN_N responses.
    needed = max(min_n, intervals.BOOTSTRAP_MIN_N)
    if total_prev["n"] < needed or total_cur["n"] < needed:
        return replace(
            result,
            message=(
                f"Too few responses to explain a change: {int(total_prev['n'])} in the previous "
                f"and {int(total_cur['n'])} in the last 90 days; at least {needed} in each are "
                "needed."
            ),
            channels=tuple(_plain_row(metric, k, labels, previous, current, min_n) for k in keys),
        )
    return _decomposed(result, metric, keys, labels, previous, current, min_n)


def _total(rows: Any) -> dict[str, float]:
    total = _sums(None)  # zeros, so an account without responses in the windows has n = 0
    for row in rows:
        total = _add(total, row)
    return total


def _plain_row(
    metric: str,
    key: str,
    labels: Mapping[str, str],
    previous: Mapping[str, Mapping[str, float]],
    current: Mapping[str, Mapping[str, float]],
    min_n: int,
) -> ChannelRow:
    zero = Effect(0.0, 0.0, 0.0, 0.0)
    total_prev = sum(p["n"] for p in previous.values()) or 1
    total_cur = sum(c["n"] for c in current.values()) or 1
    return ChannelRow(
        key=key,
        label=str(labels.get(key, key)),
        previous=estimate(metric, previous[key], min_n=min_n),
        current=estimate(metric, current[key], min_n=min_n),
        previous_share=100 * previous[key]["n"] / total_prev,
        current_share=100 * current[key]["n"] / total_cur,
        mix=zero,
        rate=zero,
        total=zero,
        to_target=None,
    )


# --- the decomposition and its intervals ----------------------------------------------------


def _categories(metric: str, sums: Mapping[str, float]) -> list[float]:
    """Counts per answer category: (good, rest) for CSAT, (promoter, passive, detractor)."""
    if metric == "csat":
        return [sums["top2"], sums["n"] - sums["top2"]]
    return [sums["promoters"], sums["passives"], sums["detractors"]]


def _rates(metric: str, cells: npt.NDArray[np.float64]) -> tuple[Any, Any]:
    """Weights (n) and figures (display scale) per channel from category counts (…, S, C)."""
    n = cells.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if metric == "csat":
            rate = 100 * cells[..., 0] / n
        else:
            rate = 100 * (cells[..., 0] - cells[..., 2]) / n
    return n, rate


def _split(
    keys: Sequence[str],
    w0: npt.NDArray[np.float64],
    r0: npt.NDArray[np.float64],
    w1: npt.NDArray[np.float64],
    r1: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per-channel (mix, rate) effects; channels without responses on both sides add nothing."""
    mix, rate = np.zeros(len(keys)), np.zeros(len(keys))
    present = (w0 > 0) | (w1 > 0)
    idx = np.flatnonzero(present)
    parts = variance.decompose(
        segments=[keys[int(i)] for i in idx],
        base_weights=w0[idx],
        base_rates=r0[idx],
        actual_weights=w1[idx],
        actual_rates=r1[idx],
    )
    for j, seg in zip(idx, parts.segments, strict=True):
        mix[j], rate[j] = seg.mix, seg.rate
    return mix, rate


def _to_target(
    keys: Sequence[str], w1: npt.NDArray[np.float64], r1: npt.NDArray[np.float64], target: float
) -> npt.NDArray[np.float64]:
    """Each channel's part of actual - target: its share × (its figure - target), all rate."""
    _, parts = _split(keys, w1, np.full(len(keys), target), w1, r1)
    return parts


def _decomposed(
    result: ChannelVariance,
    metric: str,
    keys: Sequence[str],
    labels: Mapping[str, str],
    previous: Mapping[str, Mapping[str, float]],
    current: Mapping[str, Mapping[str, float]],
    min_n: int,
) -> ChannelVariance:
    cells0 = np.array([_categories(metric, previous[k]) for k in keys], dtype=float)
    cells1 = np.array([_categories(metric, current[k]) for k in keys], dtype=float)
    target = result.target.value if result.target else None
    effects = _effects(metric, keys, cells0, cells1, target)
    low, high = _bca_limits(metric, tuple(keys), _frozen(cells0), _frozen(cells1), target)
    k = len(keys)
    mix, rate = effects[:k], effects[k : 2 * k]
    to_target = effects[2 * k : 3 * k] if target is not None else None

    change, change_low, change_high = difference_interval(
        metric, _total(current.values()), _total(previous.values())
    )
    shown_change = round(_round(result.current.value) - _round(result.previous.value), 1)
    mix_total = float(mix.sum())
    shown_mix, *shown_rates = _shares_of(np.array([mix_total, *rate]), shown_change)
    shown_seg_mix = _shares_of(mix, shown_mix)
    shown_to_target: list[float] = []
    gap = None
    if target is not None and to_target is not None:
        actual = result.current
        shown_gap = round(_round(actual.value) - _round(target), 1)
        shown_to_target = _shares_of(to_target, shown_gap)
        gap = Effect(
            float(actual.value or 0) - target,
            float(actual.low or 0) - target,
            float(actual.high or 0) - target,
            shown_gap,
        )

    def effect(column: int, shown: float) -> Effect:
        return Effect(float(effects[column]), float(low[column]), float(high[column]), shown)

    rows = []
    for j, key in enumerate(keys):
        base = _plain_row(metric, key, labels, previous, current, min_n)
        rows.append(
            replace(
                base,
                mix=effect(j, shown_seg_mix[j]),
                rate=effect(k + j, shown_rates[j]),
                # Shown as the sum of the shown parts, so rows add up as well as columns.
                total=effect(_TOTALS * k + j, round(shown_seg_mix[j] + shown_rates[j], 1)),
                to_target=effect(2 * k + j, shown_to_target[j]) if target is not None else None,
            )
        )
    rows.sort(key=lambda row: -abs(row.total.value))
    return replace(
        result,
        enough=True,
        change=Effect(change, change_low, change_high, shown_change),
        change_label=compare(
            metric, _total(current.values()), _total(previous.values()), min_n=min_n
        ).label,
        mix=effect(len(effects) - 2, shown_mix),
        rate=effect(len(effects) - 1, round(sum(shown_rates), 1)),
        gap=gap,
        channels=tuple(rows),
    )


# Columns of `_effects`: mix, rate, to target (always present, zeros without a target) and
# total per channel, then the overall mix and rate.
_TOTALS = 3


def _effects(
    metric: str,
    keys: Sequence[str],
    cells0: npt.NDArray[np.float64],
    cells1: npt.NDArray[np.float64],
    target: float | None,
) -> npt.NDArray[np.float64]:
    """Every effect shown, from the two windows' channel × category counts (see _TOTALS)."""
    w0, r0 = _rates(metric, cells0)
    w1, r1 = _rates(metric, cells1)
    mix, rate = _split(keys, w0, r0, w1, r1)
    to_target = _to_target(keys, w1, r1, target) if target is not None else np.zeros(len(keys))
    return np.concatenate([mix, rate, to_target, mix + rate, [mix.sum(), rate.sum()]])


Cells = tuple[tuple[float, ...], ...]  # channel × category counts, hashable


def _frozen(cells: npt.NDArray[np.float64]) -> Cells:
    return tuple(tuple(row) for row in cells.tolist())


@lru_cache(maxsize=CACHED_LIMITS)
def _bca_limits(
    metric: str, keys: tuple[str, ...], frozen0: Cells, frozen1: Cells, target: float | None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """BCa limits of every effect: each window's responses redrawn over its cells, and the
    jackknife leaving out one response, which is the same for every response of a cell.

    A pure function of the counts (the seed is fixed), cached on them: the bootstrap is most
    of the analytics page's time, and a response added, moved or rescored changes the counts
    and so the key."""
    cells0, cells1 = np.array(frozen0), np.array(frozen1)
    rng = np.random.default_rng(_SEED)
    draws = zip(_redraw(rng, cells0), _redraw(rng, cells1), strict=True)
    replicates = np.array([_effects(metric, keys, c0, c1, target) for c0, c1 in draws])
    jackknife, counts = [], []
    for side, cells in enumerate((cells0, cells1)):
        for cell in zip(*np.nonzero(cells), strict=True):
            fewer = cells.copy()
            fewer[cell] -= 1
            pair = (fewer, cells1) if side == 0 else (cells0, fewer)
            jackknife.append(_effects(metric, keys, *pair, target))
            counts.append(cells[cell])
    low, high = intervals.bca_interval(
        replicates,
        estimate=_effects(metric, keys, cells0, cells1, target),
        jackknife=np.array(jackknife),
        jackknife_counts=counts,
    )
    low.setflags(write=False)  # shared by every later call with the same counts
    high.setflags(write=False)
    return low, high


def _redraw(rng: np.random.Generator, cells: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    total = int(cells.sum())
    flat = rng.multinomial(total, cells.ravel() / total, size=N_RESAMPLES)
    return flat.reshape(N_RESAMPLES, *cells.shape).astype(float)


def _round(value: float | None) -> float:
    return round(value or 0.0, 1)


def _shares_of(values: npt.NDArray[np.float64] | Sequence[float], total: float) -> list[float]:
    """Round to one decimal so the rounded parts add up to `total` (largest remainder).

    Without it a reader adding up a column would miss the shown total by a tenth.
    """
    tenths = [float(v) * 10 for v in values]
    units = [math.floor(t) for t in tenths]
    short = round(total * 10) - sum(units)
    order = sorted(range(len(units)), key=lambda i: tenths[i] - units[i], reverse=short > 0)
    for step in range(abs(short)):
        units[order[step % len(order)]] += 1 if short > 0 else -1
    return [u / 10 for u in units]


def channel_variance(
    user: Actor, *, account_id: int, metric: str, as_of: date | None = None
) -> ChannelVariance:
    """The decomposition for an account the actor may see (404 otherwise)."""
    if metric not in VARIANCE_METRICS:
        raise ValueError(f"metric must be one of {', '.join(VARIANCE_METRICS)}, not {metric!r}")
    return channel_variance_for(get_account(user, account_id), metric, as_of=as_of)
