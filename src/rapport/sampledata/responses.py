"""24 months of feedback responses from a simple generative model, vectorised with numpy.

Each response has a latent satisfaction s (0..1): the account's baseline (by tier) plus its
trend, a yearly and a weekly season, a monthly wobble, the incidents that hit its segment, and
noise. NPS, CSAT, CES and a custom answer are noisy readings of s; comments follow the scores.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from rapport.sampledata import comments
from rapport.sampledata.plan import (
    CUSTOM_ANSWER,
    HISTORY_DAYS,
    AccountPlan,
    ContactPlan,
    Incident,
    ResponsePlan,
    StakeholderPlan,
)

CHANNELS = ("survey", "email", "call", "business_review", "informal_note", "staff", "mystery_shop")
CHANNEL_P = np.array([0.78, 0.06, 0.05, 0.02, 0.04, 0.03, 0.02])
INCIDENT_CHANNEL_P = np.array([0.62, 0.16, 0.12, 0.02, 0.05, 0.02, 0.01])
# Probability that a response on each channel answers nps, csat, ces, the custom question.
ANSWER_P = {
    "survey": (0.82, 0.88, 0.50, 0.30),
    "email": (0.0, 0.35, 0.0, 0.0),
    "call": (0.0, 0.35, 0.0, 0.0),
    "business_review": (0.90, 0.90, 0.0, 0.0),
    "informal_note": (0.0, 0.0, 0.0, 0.0),
    "staff": (0.0, 0.0, 0.0, 0.0),
    "mystery_shop": (0.0, 0.80, 0.0, 0.0),
}
WEEKDAY_VOLUME = np.array([1.15, 1.1, 1.05, 1.0, 0.95, 0.3, 0.2])
WEEKDAY_EFFECT = np.array([-0.02, 0.0, 0.0, 0.005, 0.015, 0.01, 0.01])
THEME_WEIGHTS = {
    "delivery": 8, "billing": 8, "account_management": 10, "product_quality": 10, "support": 12,
    "onboarding": 4, "pricing": 7, "communication": 9, "reporting": 6, "staff_attitude": 6,
}  # fmt: skip
SEGMENT_THEMES = {
    "Logistics": {"delivery": 3.0, "staff_attitude": 1.5},
    "Retail": {"delivery": 2.0, "product_quality": 1.5},
    "Financial services": {"billing": 1.5, "reporting": 2.0},
    "Healthcare": {"support": 1.5, "billing": 1.5},
    "Public sector": {"reporting": 1.5, "communication": 1.5, "pricing": 1.3},
    "Manufacturing": {"product_quality": 2.0, "delivery": 1.5},
}
# How strongly an incident moves each reading (CSAT is the service-level question).
INCIDENT_WEIGHT = {"nps": 0.8, "csat": 1.3, "ces": 1.0, "custom": 0.8}


def _day_grid(today: date) -> tuple[list[date], np.ndarray, np.ndarray, np.ndarray]:
    start = today - timedelta(days=HISTORY_DAYS)  # up to yesterday: nothing in the future
    days = [start + timedelta(days=i) for i in range(HISTORY_DAYS)]
    weekday = np.array([d.weekday() for d in days])
    doy = np.array([d.timetuple().tm_yday for d in days])
    month = np.array([(d.year - start.year) * 12 + d.month - start.month for d in days])
    return days, weekday, doy, month


def _volume_weights(days: list[date], weekday: np.ndarray) -> np.ndarray:
    w = WEEKDAY_VOLUME[weekday].copy()
    for i, d in enumerate(days):
        if d.month == 8:
            w[i] *= 0.8
        if (d.month == 12 and d.day >= 20) or (d.month == 1 and d.day <= 3):
            w[i] *= 0.45
    return w


def _season(days: list[date], doy: np.ndarray, segment: str) -> np.ndarray:
    """Yearly season: a little happier in summer; peak-season strain for Retail and Logistics."""
    effect = 0.015 * np.cos(2 * np.pi * (doy - 196) / 365.25)
    if segment in ("Retail", "Logistics"):
        peak = np.array([(d.month == 11 and d.day >= 15) or d.month == 12 for d in days])
        effect = effect - 0.04 * peak
    return effect


def _incident_profile(days: list[date], incident: Incident) -> np.ndarray:
    """Severity 0..1 by day: ramps up over 4 days, holds, eases off over the last week."""
    out = np.zeros(len(days))
    length = (incident.end - incident.start).days
    for i, d in enumerate(days):
        if incident.contains(d):
            k = (d - incident.start).days
            out[i] = min(1.0, (k + 1) / 4, (length - k) / 7 + 0.3)
    return out


def _contact_pools(contacts: list[ContactPlan]) -> dict[str, list[str]]:
    pools: dict[str, list[str]] = defaultdict(list)
    for c in contacts:
        if c.consent_survey:
            pools[c.account].append(c.external_id)
    for c in contacts:  # an account where nobody consented still has informal feedback
        if not pools[c.account]:
            pools[c.account].append(c.external_id)
    return pools


def _rint(x: np.ndarray, low: int, high: int) -> np.ndarray:
    return np.clip(np.rint(x), low, high).astype(np.int64)


def plan_responses(
    *,
    seed: int,
    count: int,
    accounts: list[AccountPlan],
    contacts: list[ContactPlan],
    stakeholders: list[StakeholderPlan],
    incidents: list[Incident],
    today: date,
    zone: ZoneInfo,
) -> list[ResponsePlan]:
    rng = np.random.default_rng([seed, 17])
    text_rng = random.Random(f"{seed}-comments")
    days, weekday, doy, month = _day_grid(today)
    base_volume = _volume_weights(days, weekday)
    profiles = {i.label: _incident_profile(days, i) for i in incidents}
    onboarding_from = HISTORY_DAYS - 180

    volume = np.array([a.volume for a in accounts])
    per_account = rng.multinomial(count, volume / volume.sum())
    acc_parts, day_parts, s_parts, inc_parts, inc_theme_parts = [], [], [], [], []
    months = int(month.max()) + 1
    for a_idx, (account, n) in enumerate(zip(accounts, per_account, strict=True)):
        weights = base_volume.copy()
        if account.status == "onboarding":
            weights[:onboarding_from] = 0
        hit = np.zeros(len(days))
        hit_theme = np.full(len(days), -1)
        for k, incident in enumerate(incidents):
            if incident.segment == account.segment:
                severity = incident.depth * rng.uniform(0.7, 1.3)
                hit = hit + severity * profiles[incident.label]
                hit_theme[profiles[incident.label] > 0] = k
        weights = weights * (1 + 1.0 * (hit > 0))
        day_idx = np.sort(rng.choice(len(days), size=int(n), p=weights / weights.sum()))
        t = day_idx / (len(days) - 1)
        wobble = rng.normal(0, 0.02, months)[month[day_idx]]
        s = (
            account.baseline
            + account.trend * (t - 0.5)
            + _season(days, doy, account.segment)[day_idx]
            + WEEKDAY_EFFECT[weekday[day_idx]]
            + wobble
            + rng.normal(0, 0.12, len(day_idx))
        )
        acc_parts.append(np.full(len(day_idx), a_idx))
        day_parts.append(day_idx)
        s_parts.append(s)
        inc_parts.append(hit[day_idx])
        inc_theme_parts.append(hit_theme[day_idx])
    acc = np.concatenate(acc_parts)
    day = np.concatenate(day_parts)
    s = np.concatenate(s_parts)
    inc = np.concatenate(inc_parts)
    inc_theme = np.concatenate(inc_theme_parts)
    n = len(acc)

    in_incident = inc > 0
    channel = np.where(
        in_incident,
        rng.choice(len(CHANNELS), n, p=INCIDENT_CHANNEL_P),
        rng.choice(len(CHANNELS), n, p=CHANNEL_P),
    )
    answer_p = np.array([ANSWER_P[c] for c in CHANNELS])[channel]  # n × 4
    answered = rng.random((n, 4)) < answer_p
    survey = channel == 0
    none = survey & ~answered[:, :3].any(axis=1)
    answered[none, 1] = True

    def reading(weight: str) -> np.ndarray:
        return s - INCIDENT_WEIGHT[weight] * inc

    nps = _rint(10 * reading("nps") + 0.6 + rng.normal(0, 1.1, n), 0, 10)
    csat = _rint(1 + 4 * reading("csat") + rng.normal(0, 0.35, n), 1, 5)
    ces = _rint(1 + 6 * reading("ces") + rng.normal(0, 0.6, n), 1, 7)
    ease = _rint(1 + 4 * reading("custom") + rng.normal(0, 0.5, n), 1, 5)

    seconds = np.rint(np.clip(rng.normal(13.0, 2.8, n), 7.0, 21.9) * 3600).astype(np.int64)
    comment_p = np.where(survey | (channel == 6), 0.3, 1.0)
    low_score = (answered[:, 1] & (csat <= 2)) | (answered[:, 0] & (nps <= 6))
    has_comment = rng.random(n) < np.where(low_score, np.maximum(comment_p, 0.55), comment_p)
    has_comment |= ~answered[:, :3].any(axis=1)
    pick = rng.random(n)

    pools = _contact_pools(contacts)
    staff: dict[str, list[str]] = defaultdict(list)
    for stake in stakeholders:
        if stake.username not in staff[stake.account]:
            staff[stake.account].append(stake.username)
    theme_weights = {
        a.segment: [
            THEME_WEIGHTS[t] * SEGMENT_THEMES[a.segment].get(t, 1.0) for t in comments.THEMES
        ]
        for a in accounts
    }
    theme_names = list(comments.THEMES)

    order = np.lexsort((acc, seconds, day))  # by time, so ids grow with time
    result = []
    for serial, i in enumerate(order, start=1):
        account = accounts[acc[i]]
        ch = CHANNELS[channel[i]]
        local = datetime.combine(days[day[i]], datetime.min.time(), zone) + timedelta(
            seconds=int(seconds[i])
        )
        contact = user = None
        if ch == "staff":
            user = staff[account.external_id][int(pick[i] * len(staff[account.external_id]))]
        elif ch != "mystery_shop" and (ch != "informal_note" or pick[i] < 0.5):
            pool = pools[account.external_id]
            contact = pool[int(pick[i] * len(pool))]
        r_nps = int(nps[i]) if answered[i, 0] else None
        r_csat = int(csat[i]) if answered[i, 1] else None
        r_ces = int(ces[i]) if answered[i, 2] else None
        text = ""
        if has_comment[i]:
            sentiment = _sentiment(r_nps, r_csat, r_ces, float(s[i] - inc[i]))
            if inc_theme[i] >= 0 and sentiment == "negative" and text_rng.random() < 0.75:
                theme = incidents[inc_theme[i]].theme
                text = comments.comment(text_rng, theme, sentiment, incident=theme)
            else:
                theme = text_rng.choices(theme_names, theme_weights[account.segment])[0]
                if account.status == "onboarding" and text_rng.random() < 0.3:
                    theme = "onboarding"
                text = comments.comment(text_rng, theme, sentiment)
        result.append(
            ResponsePlan(
                account=account.external_id,
                external_id=f"demo-{seed}-{serial:06d}",
                channel=ch,
                submitted_at=local.astimezone(UTC),
                contact=contact,
                user=user,
                nps=r_nps,
                csat=r_csat,
                ces=r_ces,
                answers={CUSTOM_ANSWER: int(ease[i])} if answered[i, 3] else {},
                comment=text,
            )
        )
    return result


def _sentiment(nps: int | None, csat: int | None, ces: int | None, latent: float) -> str:
    if csat is not None:
        return "positive" if csat >= 4 else "negative" if csat <= 2 else "mixed"
    if nps is not None:
        return "positive" if nps >= 9 else "negative" if nps <= 6 else "mixed"
    if ces is not None:
        return "positive" if ces >= 6 else "negative" if ces <= 3 else "mixed"
    return "positive" if latent > 0.78 else "negative" if latent < 0.6 else "mixed"
