"""Which answers move an account's overall score: Johnson's relative weights with bootstrap.

The outcome is the raw overall answer (likelihood to recommend 0–10, or CSAT 1–5); the
predictors are the other aspects a response rates — CES and CSAT where they are not the
outcome, and every numeric custom answer. Responses answering all of them are used
(listwise); aspects answered alongside the outcome by too few responses are left out and
listed, so the analysis never silently rests on a handful of rows. Each aspect is tested
against a random-variable benchmark; only significant ones count as drivers (stats.drivers).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from rapport.analytics.control.charts import DEFAULT_MONTHS, WINDOW_MONTHS
from rapport.core.access import Actor
from rapport.customers.models import Account
from rapport.customers.selectors import get_account
from rapport.feedback.public import DataVersion, data_version, responses_in_window
from rapport.stats import drivers
from rapport.stats.intervals import BOOTSTRAP_MIN_N, Estimate
from rapport.stats.metrics import metric_def

# outcome → (what it is, the typed answers that may explain it)
DRIVER_OUTCOMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "nps": ("likelihood to recommend (0–10)", ("csat", "ces")),
    "csat": ("satisfaction (CSAT, 1–5)", ("ces",)),
}
TYPED_LABELS = {"nps": "Likelihood to recommend (0–10)", "csat": "CSAT (1–5)", "ces": "CES (1–7)"}
N_RESAMPLES = 1000
CACHED_ANALYSES = 128  # accounts and portfolio scopes shown recently


@dataclass(frozen=True, slots=True)
class Interval:
    value: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class DriverRow:
    key: str
    label: str
    share: Interval  # % of R² (BCa bootstrap)
    raw_weight: Interval  # share of variance explained (BCa bootstrap)
    correlation: Interval  # Pearson r (Fisher z)
    versus_random: Interval  # raw weight minus a random benchmark's (BCa bootstrap)
    significant: bool  # versus_random lies above 0


@dataclass(frozen=True, slots=True)
class LeftOut:
    key: str
    label: str
    n: int  # responses answering it together with the outcome (and the aspects kept)


@dataclass(frozen=True, slots=True)
class KeyDrivers:
    account_id: int | None  # None: pooled over several accounts (a portfolio)
    outcome: str
    outcome_label: str
    start: date
    end: date
    n: int  # responses used (answering the outcome and every aspect kept)
    min_n: int
    enough: bool
    message: str = ""
    r_squared: float | None = None
    drivers: tuple[DriverRow, ...] = ()
    left_out: tuple[LeftOut, ...] = ()


def label_for(key: str) -> str:
    return TYPED_LABELS.get(key) or metric_def(key).label


def _rows(
    account_ids: Iterable[int], outcome: str, start: date, end: date
) -> list[tuple[Any, ...]]:
    """The scores of the accounts' responses answering the outcome in the window (one query)."""
    return list(
        responses_in_window(account_ids, start=start, end=end, answered=outcome).values_list(
            "nps", "csat", "ces", "answers"
        )
    )


def _values(row: tuple[Any, ...]) -> dict[str, float]:
    nps, csat, ces, answers = row
    values = {k: float(v) for k, v in (("nps", nps), ("csat", csat), ("ces", ces)) if v is not None}
    for key, value in (answers or {}).items():
        if isinstance(value, int | float) and not isinstance(value, bool) and key not in values:
            values[key] = float(value)
    return values


def choose_predictors(
    records: Sequence[dict[str, float]], outcome: str, *, min_n: int
) -> tuple[list[str], list[LeftOut]]:
    """The aspects to analyse: drop the least answered until the complete rows reach min_n."""
    typed = DRIVER_OUTCOMES[outcome][1]
    answered: Counter[str] = Counter(k for r in records for k in r if k != outcome)
    custom = sorted(k for k in answered if k not in ("nps", "csat", "ces"))
    candidates = [k for k in (*typed, *custom) if answered[k]]
    left_out: list[LeftOut] = []
    while candidates:
        complete = sum(all(k in r for k in candidates) for r in records)
        if complete >= min_n:
            break
        weakest = min(candidates, key=lambda k: (answered[k], k))
        candidates.remove(weakest)
        left_out.append(LeftOut(weakest, label_for(weakest), answered[weakest]))
    return candidates, left_out


def key_drivers_for(
    account: Account, outcome: str, *, months: int = DEFAULT_MONTHS, today: date | None = None
) -> KeyDrivers:
    """Relative weights for an account the caller has fetched through `get_account`."""
    return pooled_key_drivers(
        [account.pk], outcome, months=months, today=today, account_id=account.pk
    )


def pooled_key_drivers(
    account_ids: Iterable[int] | QuerySet[Any, Any],
    outcome: str,
    *,
    months: int = DEFAULT_MONTHS,
    today: date | None = None,
    account_id: int | None = None,
) -> KeyDrivers:
    """Relative weights over the responses of accounts the caller has scoped (a portfolio or
    a team: the rows are pooled, so differences between accounts count as driver effects)."""
    if outcome not in DRIVER_OUTCOMES:
        raise ValueError(f"metric must be one of {', '.join(DRIVER_OUTCOMES)}, not {outcome!r}")
    if months not in WINDOW_MONTHS:
        raise ValueError(f"months must be one of {', '.join(map(str, WINDOW_MONTHS))}")
    end = today or timezone.localdate()
    start = end - timedelta(days=round(months * 365.25 / 12) - 1)
    # The intervals and the significance test are bootstraps: none below BOOTSTRAP_MIN_N.
    min_n = max(settings.RAPPORT_MIN_N, BOOTSTRAP_MIN_N)
    if isinstance(account_ids, QuerySet):  # of accounts: their ids are the cache key
        account_ids = account_ids.values_list("pk", flat=True)
    ids = tuple(sorted(account_ids))
    version = data_version(responses_in_window(ids, start=start, end=end, answered=outcome))
    return _analysis(ids, outcome, start, end, min_n, account_id, version)


@lru_cache(maxsize=CACHED_ANALYSES)
def _analysis(
    account_ids: tuple[int, ...],
    outcome: str,
    start: date,
    end: date,
    min_n: int,
    account_id: int | None,
    version: DataVersion,
) -> KeyDrivers:
    """The analysis proper, cached: its bootstrap and reading the rows are most of the
    analytics and portfolio SWOT pages' time. `version` is not read here; it is part of the
    cache key, so a change to the responses in the window gives a new analysis."""
    records = [_values(r) for r in _rows(account_ids, outcome, start, end)]
    names, left_out = choose_predictors(records, outcome, min_n=min_n)
    result = KeyDrivers(
        account_id=account_id,
        outcome=outcome,
        outcome_label=DRIVER_OUTCOMES[outcome][0],
        start=start,
        end=end,
        n=0,
        min_n=min_n,
        enough=False,
        left_out=tuple(left_out),
    )
    complete = [r for r in records if names and all(k in r for k in names)]
    if not names or len(complete) < min_n:
        return _with(
            result,
            n=len(complete),
            message=(
                f"Too few responses: {len(records)} answered the outcome, and too few of them "
                f"also rated other aspects (at least {min_n} are needed"
                + (
                    "; fewer give no reliable bootstrap interval)."
                    if min_n == BOOTSTRAP_MIN_N
                    else ")."
                )
            ),
        )
    table = np.array([[r[k] for k in names] for r in complete])
    outcome_values = np.array([r[outcome] for r in complete])
    try:
        analysis = drivers.relative_weights(
            predictors=table,
            outcome=outcome_values,
            names=[label_for(k) for k in names],
            n_resamples=N_RESAMPLES,
            seed=0,
        )
    except ValueError:
        # Constant answers or aspects that always move together leave nothing to apportion.
        return _with(
            result,
            n=len(complete),
            message=(
                "No driver analysis possible: the outcome or an aspect has the same answer in "
                "every response, or two aspects always move together."
            ),
        )
    rows = [
        DriverRow(
            key=key,
            label=d.name,
            share=_interval(d.percent_of_r_squared),
            raw_weight=_interval(d.raw_weight),
            correlation=_interval(d.correlation),
            versus_random=_interval(d.versus_random),
            significant=d.significant,
        )
        for key, d in zip(names, analysis.drivers, strict=True)
    ]
    rows.sort(key=lambda row: -row.share.value)
    return _with(
        result,
        n=analysis.n,
        enough=True,
        r_squared=analysis.r_squared,
        drivers=tuple(rows),
    )


def _interval(estimate: Estimate) -> Interval:
    return Interval(estimate.value, estimate.low, estimate.high)


def _with(result: KeyDrivers, **changes: Any) -> KeyDrivers:
    return replace(result, **changes)


def key_drivers(
    user: Actor, *, account_id: int, outcome: str, months: int = DEFAULT_MONTHS
) -> KeyDrivers:
    """The driver analysis for an account the actor may see (404 otherwise)."""
    if outcome not in DRIVER_OUTCOMES:
        raise ValueError(f"metric must be one of {', '.join(DRIVER_OUTCOMES)}, not {outcome!r}")
    return key_drivers_for(get_account(user, account_id), outcome, months=months)
