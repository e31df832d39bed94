"""Rollups must equal a direct computation over the raw responses, however they were built."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from rapport.analytics.models import MetricRollup
from rapport.analytics.rollups.services import rebuild_rollups
from rapport.core.dates import bucket_starts
from rapport.feedback.hooks import ScoreRow, write_changes
from rapport.feedback.models import Response
from rapport.stats import intervals, metrics
from tests.factories import AccountFactory, ResponseFactory


def _direct(metric: str, period: str) -> dict:
    """Sums per (account, bucket) straight from the responses."""
    index = {"day": 0, "week": 1, "month": 2}[period]
    result: dict = {}
    for r in Response.objects.all():
        value = getattr(r, metric) if metric in ("nps", "csat", "ces") else r.answers.get(metric)
        if value is None:
            continue
        key = (r.account_id, bucket_starts(r.submitted_at)[index])
        n, total, sq = result.get(key, (0, 0.0, 0.0))
        result[key] = (n + 1, total + value, sq + value * value)
    return result


def _stored(metric: str, period: str) -> dict:
    return {
        (r.account_id, r.period_start): (r.n, r.total, r.total_sq)
        for r in MetricRollup.objects.filter(metric=metric, period=period)
        if r.n
    }


def _row(r: Response) -> ScoreRow:
    return ScoreRow(r.account_id, r.submitted_at, r.nps, r.csat, r.ces, r.answers)


@pytest.fixture
def responses(world):
    rng = random.Random(3)
    other = AccountFactory(team=world.team)
    start = timezone.now() - dt.timedelta(days=70)
    rows = []
    for i in range(300):
        rows.append(
            ResponseFactory(
                account=rng.choice([world.account, other]),
                submitted_at=start + dt.timedelta(hours=rng.randint(0, 70 * 24)),
                nps=rng.choice([None, *range(11)]),
                csat=rng.choice([None, 1, 2, 3, 4, 5]),
                ces=rng.choice([None, 2, 6, 7]),
                answers={"ease": rng.randint(1, 5)} if i % 3 == 0 else {},
            )
        )
    write_changes(added=[_row(r) for r in rows])
    return rows


@pytest.mark.parametrize("period", ["day", "week", "month"])
@pytest.mark.parametrize("metric", ["nps", "csat", "ces", "ease"])
def test_incremental_rollups_equal_direct_computation(responses, metric, period):
    assert _stored(metric, period) == _direct(metric, period)


def test_updates_move_sums_from_old_to_new_values(responses):
    changed = responses[:40]
    before = [_row(r) for r in changed]
    for r in changed:
        r.csat = 1
        r.save()
    write_changes(removed=before, added=[_row(r) for r in changed])
    assert _stored("csat", "week") == _direct("csat", "week")


def test_rebuild_gives_the_same_sums(responses):
    incremental = _stored("nps", "month")
    MetricRollup.objects.all().delete()
    assert rebuild_rollups() == 300
    assert _stored("nps", "month") == incremental


def test_nps_counts_classify_promoters_passives_detractors(world):
    ResponseFactory(account=world.account, nps=10)
    ResponseFactory(account=world.account, nps=8)
    ResponseFactory(account=world.account, nps=3)
    rebuild_rollups()
    bucket = MetricRollup.objects.get(metric="nps", period="month", account=world.account)
    assert (bucket.promoters, bucket.passives, bucket.detractors) == (1, 1, 1)


def test_estimate_uses_interval_and_minimum_n():
    sums = {
        "n": 100,
        "total": 0,
        "total_sq": 0,
        "promoters": 50,
        "passives": 30,
        "detractors": 20,
        "top2": 50,
    }
    value = metrics.estimate("nps", sums, min_n=30)
    assert value.value == pytest.approx(30.0)
    score = intervals.nps(50, 30, 20).scaled(100)  # the NPS interval on the -100..100 scale
    assert (value.low, value.high) == pytest.approx((score.low, score.high), abs=1e-9)
    assert value.enough
    assert not metrics.estimate("nps", sums, min_n=101).enough


def test_compare_calls_change_only_outside_interval():
    prev = {"n": 200, "top2": 160, "total": 0, "total_sq": 0}
    same = {"n": 200, "top2": 156, "total": 0, "total_sq": 0}
    worse = {"n": 200, "top2": 120, "total": 0, "total_sq": 0}
    assert metrics.compare("csat", same, prev, min_n=30).direction == "flat"
    assert metrics.compare("csat", worse, prev, min_n=30).direction == "down"
    assert metrics.compare("csat", {"n": 5, "top2": 0}, prev, min_n=30).direction == "unknown"


def test_nps_change_from_one_category_to_another_is_significant():
    # All 30 detractors, then all 30 promoters: the Wald variance of each period is 0, which
    # made this "no significant change"; the MOVER interval of the score intervals is not 0.
    before = {"n": 30, "promoters": 0, "passives": 0, "detractors": 30}
    after = {"n": 30, "promoters": 30, "passives": 0, "detractors": 0}
    change = metrics.compare("nps", after, before, min_n=30)
    assert change.direction == "up"
    assert change.difference == pytest.approx(200.0)
    _, low, high = metrics.difference_interval("nps", after, before)
    assert low > 0
    assert high == pytest.approx(200.0)
    assert metrics.compare("nps", before, before, min_n=30).direction == "flat"


def test_metrics_api_scopes(api_client, world, responses):
    body = api_client.get(
        "/api/v1/metrics",
        {"scope": "account", "id": world.account.pk, "metric": "csat", "period": "month"},
    ).json()
    assert body["points"]
    assert all({"low", "high", "n"} <= p.keys() for p in body["points"])
    assert (
        api_client.get(
            "/api/v1/metrics", {"scope": "account", "id": world.other_account.pk}
        ).status_code
        == 404
    )
    assert (
        api_client.get("/api/v1/metrics", {"scope": "team", "id": world.other_team.pk}).status_code
        == 404
    )
    assert api_client.get("/api/v1/metrics", {"scope": "team"}).status_code == 422
    team = api_client.get(
        "/api/v1/metrics",
        {"scope": "team", "id": world.team.pk, "metric": "nps", "period": "month"},
    ).json()
    assert sum(p["n"] for p in team["points"]) == sum(1 for r in responses if r.nps is not None)


def _direct_sums(period: str) -> dict:
    """Every sum per (account, metric, bucket), from metrics.contributions() row by row."""
    index = {"day": 0, "week": 1, "month": 2}[period]
    result: dict = {}
    for r in Response.objects.all():
        start = bucket_starts(r.submitted_at)[index]
        for metric, sums in metrics.contributions(r.nps, r.csat, r.ces, r.answers):
            key = (r.account_id, metric, start)
            result[key] = tuple(a + b for a, b in zip(result.get(key, (0,) * 7), sums, strict=True))
    return result


def _stored_sums(period: str) -> dict:
    return {
        (r.account_id, r.metric, r.period_start): tuple(getattr(r, f) for f in metrics.SUM_FIELDS)
        for r in MetricRollup.objects.filter(period=period)
        if r.n
    }


# Local midnights around London's clock changes and the ends of weeks, months and years.
EDGES = (
    "2024-12-31T23:59:59+00:00",  # Tuesday 31 December, GMT
    "2025-03-29T23:30:00+00:00",  # Saturday 29 March, GMT
    "2025-03-30T00:59:59+00:00",  # Sunday 30 March 00:59 GMT, a second before the change
    "2025-03-30T01:00:00+00:00",  # Sunday 30 March 02:00 BST
    "2025-03-30T23:30:00+00:00",  # Monday 31 March 00:30 BST: a new day and a new week
    "2025-05-31T23:30:00+00:00",  # Sunday 1 June 00:30 BST: a new month
    "2025-10-25T23:30:00+00:00",  # Sunday 26 October 00:30 BST
    "2025-10-26T23:30:00+00:00",  # Sunday 26 October 23:30 GMT, after the change
    "2025-10-26T23:59:59+00:00",  # still Sunday 26 October
    "2025-10-27T00:00:00+00:00",  # Monday 27 October: a new week
)


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_every_score_and_local_edge_rolls_up_like_contributions(world, period):
    """Each possible NPS, CSAT and CES value, on both sides of each local edge."""
    rng = random.Random(period)
    rows = []
    for i, moment in enumerate(EDGES):
        for nps in (None, *range(11)):
            rows.append(
                ResponseFactory(
                    account=world.account if i % 2 else world.other_account,
                    submitted_at=dt.datetime.fromisoformat(moment),
                    nps=nps,
                    csat=rng.choice([None, 1, 2, 3, 4, 5]),
                    ces=rng.choice([None, 1, 2, 3, 4, 5, 6, 7]),
                    answers={"ease": rng.choice([1, 2.5, 4])} if nps == 5 else {},
                )
            )
    write_changes(added=[_row(r) for r in rows])
    assert _stored_sums(period) == _direct_sums(period)
    MetricRollup.objects.all().delete()
    rebuild_rollups()
    assert _stored_sums(period) == _direct_sums(period)


def test_changes_that_cancel_out_leave_the_buckets_as_they_were(responses):
    before = _stored_sums("day")
    rows = [_row(r) for r in responses[:50]]
    write_changes(removed=rows, added=rows)
    assert _stored_sums("day") == before
    write_changes(removed=rows)
    write_changes(added=rows)
    assert _stored_sums("day") == before


def test_headline_value_is_the_estimate_without_its_interval():
    rng = random.Random(5)
    for metric in ("nps", "csat", "ces", "ease"):
        for _ in range(50):
            promoters, passives, detractors = (rng.randint(0, 40) for _ in range(3))
            n = promoters + passives + detractors
            total = rng.randint(n, 7 * n) if n else 0
            sums = {
                "n": n,
                "total": total,
                "total_sq": total * 7,
                "promoters": promoters,
                "passives": passives,
                "detractors": detractors,
                "top2": rng.randint(0, n),
            }
            expected = metrics.estimate(metric, sums, min_n=1).value
            assert metrics.headline_value(metric, sums) == expected


def test_quantiles_known_without_scipy_are_scipys():
    """The import computes 95 % intervals without importing scipy; the figures are the same."""
    from scipy import stats as scipy_stats

    from rapport.stats import intervals

    for confidence in intervals._Z_KNOWN:
        assert intervals._z(confidence) == float(scipy_stats.norm.ppf(0.5 + confidence / 2))
    for df in (1, 2, 10, 29, 100, 5000):
        assert intervals._t(0.95, df) == float(scipy_stats.t.ppf(0.975, df))


def test_slices_and_pieces_of_a_flush_add_up_to_the_same_sums(world, monkeypatch, responses):
    """A flush works a few accounts and a few buckets at a time; the sums do not depend on it."""
    from rapport.analytics.rollups import sql as rollup_sql

    MetricRollup.objects.all().delete()
    monkeypatch.setattr(rollup_sql, "_SLICE_ROWS", 7)
    monkeypatch.setattr(rollup_sql, "_PIECE_ROWS", 3)
    more = [
        ResponseFactory(account=AccountFactory(team=world.team), nps=i % 11, csat=1 + i % 5)
        for i in range(40)
    ]
    write_changes(added=[_row(r) for r in [*responses, *more]])
    for period in ("day", "week", "month"):
        assert _stored_sums(period) == _direct_sums(period)
