"""Every read of comment analysis, scoped to the actor. Dashboards read ThemeRollup only."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import F, Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from rapport.core.access import Actor, scope
from rapport.customers.models import Account
from rapport.enrichment.models import (
    CommentAnalysis,
    EnrichmentJob,
    ModelKind,
    ResponseTheme,
    Theme,
    ThemeRollup,
    TrainedModel,
)
from rapport.enrichment.public import MIN_MENTIONS
from rapport.enrichment.rollups import ALL
from rapport.feedback.models import Response
from rapport.stats.intervals import Estimate, mean_t, wilson
from rapport.stats.trend import Change, compare

WINDOW_DAYS = 90
Z95 = 1.959964


def themes() -> list[Theme]:
    """The organisation's taxonomy (every signed-in user may read it)."""
    return list(Theme.objects.order_by("position", "pk"))


def current_theme_model() -> TrainedModel | None:
    return (
        TrainedModel.objects.filter(kind=ModelKind.THEMES, active=True)
        .defer("artefact")
        .order_by("-trained_at", "-pk")
        .first()
    )


def recent_jobs(limit: int = 5) -> list[EnrichmentJob]:
    return list(EnrichmentJob.objects.order_by("-created_at", "-pk")[:limit])


def theme_counts(actor: Actor, *, days: int = WINDOW_DAYS, as_of: date | None = None) -> dict:
    """Per theme key: comments with it in the visible accounts over the window (from rollups)."""
    as_of = as_of or timezone.localdate()
    rows = scope(
        ThemeRollup.objects.filter(
            period="day", period_start__gt=as_of - timedelta(days=days), period_start__lte=as_of
        ),
        actor,
        team_field="account__team",
    )
    return {r["key"]: r["n"] for r in rows.values("key").annotate(n=Sum("n")).order_by()}


def _analyses(actor: Actor) -> QuerySet[CommentAnalysis]:
    return scope(
        CommentAnalysis.objects.filter(response__isnull=False),
        actor,
        team_field="account__team",
    )


def _with_themes(queryset: QuerySet[CommentAnalysis]) -> QuerySet[CommentAnalysis]:
    return queryset.select_related("account").prefetch_related(
        Prefetch(
            "themes",
            queryset=ResponseTheme.objects.select_related("theme").order_by("-confidence"),
        )
    )


def labelling_queue(
    actor: Actor,
    *,
    limit: int = 20,
    account_id: int | None = None,
    seen: Collection[int] = (),
) -> list[CommentAnalysis]:
    """Unlabelled comments the actor may see, the ones a label would teach most first.

    With a classifier: highest uncertainty (1 - margin between the two likeliest themes)
    first. Without one: comments where the rules found no theme, then fewest themes, newest.
    `seen`: responses labelled in this session (in either queue), never shown again.
    """
    rows = _not_labelled(actor, "labelled_at", seen)
    if account_id is not None:
        rows = rows.filter(account_id=account_id)
    ordered = rows.order_by(
        F("uncertainty").desc(nulls_last=True), "themes_found", "-submitted_at", "-pk"
    )
    return _distinct_texts(_with_themes(ordered)[: limit * DUPLICATE_ALLOWANCE], limit)


# Surveys repeat short comments word for word ("Great service."): the queue asks about a text
# once, so it reads this many times the rows it shows and keeps the first of each text.
DUPLICATE_ALLOWANCE = 3


def _not_labelled(
    actor: Actor, labelled_field: str, seen: Collection[int]
) -> QuerySet[CommentAnalysis]:
    """Comments without a person's label of this kind, not labelled in this session, and
    whose text a person has not labelled already (as another response with the same words)."""
    scoped = _analyses(actor)
    done = scoped.filter(**{f"{labelled_field}__isnull": False}).values("redacted")
    return (
        scoped.filter(**{f"{labelled_field}__isnull": True})
        .exclude(response_id__in=list(seen))
        .exclude(redacted__in=done)
    )


def _add_distinct(texts: dict[str, int], rows: QuerySet[CommentAnalysis], upto: int) -> None:
    """Add the first comment of each new text in `rows` until `texts` holds `upto` texts."""
    wanted = upto - len(texts)
    for pk, text in rows.values_list("pk", "redacted")[: wanted * DUPLICATE_ALLOWANCE]:
        if len(texts) >= upto:
            break
        texts.setdefault(text, pk)


def _distinct_texts(analyses: Iterable[CommentAnalysis], limit: int) -> list[CommentAnalysis]:
    kept: dict[str, CommentAnalysis] = {}
    for analysis in analyses:
        kept.setdefault(analysis.redacted, analysis)
        if len(kept) == limit:
            break
    return list(kept.values())


def labelled_count(actor: Actor) -> int:
    return _analyses(actor).filter(labelled_at__isnull=False).count()


def get_response_for_analysis(actor: Actor, response_id: int) -> Response:
    """The response if the actor may see it; else 404."""
    response = (
        scope(Response.objects.select_related("account"), actor, team_field="account__team")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        raise Http404("No such response.")
    return response


def analysis_of(actor: Actor, response_id: int) -> CommentAnalysis:
    found = _with_themes(_analyses(actor).filter(response_id=response_id)).first()
    if found is None:
        raise Http404("This response has no analysed comment.")
    return found


def analyses_for(response_ids: Sequence[int]) -> dict[int, CommentAnalysis]:
    """Analyses of responses the caller already fetched through a scoped selector."""
    rows = _with_themes(CommentAnalysis.objects.filter(response_id__in=list(response_ids)))
    return {a.response_id: a for a in rows if a.response_id is not None}


# --- themes that moved ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Share:
    k: int
    n: int
    value: float | None  # 0..1
    low: float | None
    high: float | None
    sentiment: float | None  # mean compound of the comments with the theme
    sentiment_estimate: Estimate | None = None  # its t interval, when there are enough mentions


@dataclass(frozen=True, slots=True)
class ThemeMove:
    slug: str
    name: str
    current: Share
    previous: Share
    difference: float | None  # percentage points
    diff_low: float | None
    diff_high: float | None
    significant: bool
    label: str
    # Mean sentiment of the theme's comments, current − previous (Welch), when both windows
    # have MIN_MENTIONS mentions: a theme can turn sour without being mentioned more often.
    tone: Change | None = None

    @property
    def more_often(self) -> bool:
        """Mentioned significantly more often in the current window."""
        return self.significant and (self.difference or 0) > 0

    @property
    def tone_change(self) -> float:
        """The significant change of mean sentiment, else 0."""
        if self.tone is None or not self.tone.verdict.startswith("significant"):
            return 0.0
        return self.tone.difference.value


@dataclass(frozen=True, slots=True)
class ThemeMovers:
    as_of: date
    current_start: date
    previous_start: date
    comments: int
    previous_comments: int
    enough: bool
    moves: tuple[ThemeMove, ...]


def _share(k: int, n: int, total: float, total_sq: float) -> Share:
    if n == 0:
        return Share(k, n, None, None, None, None)
    est = wilson(k, n)
    tone = mean_t(k, total, total_sq) if k >= MIN_MENTIONS else None
    return Share(k, n, est.value, est.low, est.high, total / k if k else None, tone)


def _tone(current: Share, previous: Share) -> Change | None:
    if current.sentiment_estimate is None or previous.sentiment_estimate is None:
        return None
    return compare(
        before=previous.sentiment_estimate,
        after=current.sentiment_estimate,
        method="welch",
        min_n=MIN_MENTIONS,
    )


def theme_movers(
    account: Account, *, as_of: date | None = None, days: int = WINDOW_DAYS, limit: int = 8
) -> ThemeMovers:
    """Share of comments per theme, the last `days` against the `days` before, largest
    change first. Two queries, from day rollups."""
    as_of = as_of or timezone.localdate()
    current_start = as_of - timedelta(days=days - 1)
    window = MoverWindow("day", current_start - timedelta(days=days), current_start, as_of)
    return theme_movers_in(account.pk, [window], limit=limit)[0]


@dataclass(frozen=True, slots=True)
class MoverWindow:
    """A current window and the one just before it, in buckets of `period` (day, week or
    month; starts aligned to that period's buckets)."""

    period: str
    previous_start: date
    current_start: date
    current_end: date  # inclusive; the previous window ends the day before current_start


def theme_movers_in(
    account_id: int, windows: Sequence[MoverWindow], *, limit: int = 8
) -> list[ThemeMovers]:
    """Theme shares of each window against the window before it, largest change first; a
    change is significant when its 95 % interval excludes zero (same test as
    metrics.compare). Two queries whatever the number of windows."""
    if not windows:
        return []
    rows = list(
        ThemeRollup.objects.filter(
            account_id=account_id,
            period__in={w.period for w in windows},
            period_start__gte=min(w.previous_start for w in windows),
            period_start__lte=max(w.current_end for w in windows),
        ).values_list("period", "key", "period_start", "n", "total", "total_sq")
    )
    names = dict(Theme.objects.values_list("slug", "name"))
    result = []
    for w in windows:
        sums: dict[str, dict[str, list[float]]] = defaultdict(
            lambda: {"cur": [0, 0.0, 0.0], "prev": [0, 0.0, 0.0]}
        )
        for period, key, start, n, total, total_sq in rows:
            if period != w.period or not w.previous_start <= start <= w.current_end:
                continue
            side = sums[key]["cur" if start >= w.current_start else "prev"]
            side[0] += n
            side[1] += total
            side[2] += total_sq
        result.append(_movers(w, sums, names, limit))
    return result


def _movers(
    w: MoverWindow, sums: dict[str, dict[str, list[float]]], names: dict[str, str], limit: int
) -> ThemeMovers:
    n_cur, n_prev = int(sums[ALL]["cur"][0]), int(sums[ALL]["prev"][0])
    min_n = settings.RAPPORT_MIN_N
    enough = n_cur >= min_n and n_prev >= min_n
    moves = []
    for key, parts in sums.items():
        if key == ALL or key not in names:
            continue
        k_cur, k_prev = int(parts["cur"][0]), int(parts["prev"][0])
        current, previous = (
            _share(k_cur, n_cur, parts["cur"][1], parts["cur"][2]),
            _share(k_prev, n_prev, parts["prev"][1], parts["prev"][2]),
        )
        difference = low = high = None
        significant = False
        label = "too few comments to compare"
        if enough and current.value is not None and previous.value is not None:
            p1, p2 = k_cur / n_cur, k_prev / n_prev
            se = math.sqrt(p1 * (1 - p1) / n_cur + p2 * (1 - p2) / n_prev)
            difference = 100 * (p1 - p2)
            low, high = difference - 100 * Z95 * se, difference + 100 * Z95 * se
            significant = se > 0 and abs(p1 - p2) > Z95 * se
            word = "up" if difference > 0 else "down"
            label = (
                f"significantly {word} {abs(difference):.1f} points"
                if significant
                else "no significant change"
            )
        tone = _tone(current, previous) if enough else None
        moves.append(
            ThemeMove(
                key, names[key], current, previous, difference, low, high, significant, label, tone
            )
        )
    moves.sort(key=lambda m: (-(abs(m.difference) if m.difference is not None else -1), m.name))
    return ThemeMovers(
        w.current_end,
        w.current_start,
        w.previous_start,
        n_cur,
        n_prev,
        enough,
        tuple(moves[:limit]),
    )


@dataclass(frozen=True, slots=True)
class TrendPoint:
    period_start: date
    comments: int
    mentions: int
    share: float | None
    sentiment: float | None


def theme_trend(
    account: Account, *, period: str = "month", periods: int = 12, as_of: date | None = None
) -> dict[str, list[TrendPoint]]:
    """Per theme key ("*" = all comments): comments, mentions, share and mean sentiment by
    period over the last `periods` periods. One query."""
    as_of = as_of or timezone.localdate()
    if period == "month":
        first = as_of.replace(day=1)
        for _ in range(periods - 1):
            first = (first - timedelta(days=1)).replace(day=1)
    else:
        first = as_of - timedelta(days=as_of.weekday()) - timedelta(weeks=periods - 1)
    rows = ThemeRollup.objects.filter(
        account=account, period=period, period_start__gte=first, period_start__lte=as_of
    ).order_by("period_start")
    by_key: dict[str, dict[date, tuple[int, float]]] = defaultdict(dict)
    for key, start, n, total in rows.values_list("key", "period_start", "n", "total"):
        by_key[key][start] = (n, total)
    starts = sorted(by_key.get(ALL, {}))
    result: dict[str, list[TrendPoint]] = {}
    for key, buckets in by_key.items():
        points = []
        for start in starts:
            comments, _ = by_key[ALL].get(start, (0, 0.0))
            k, total = buckets.get(start, (0, 0.0))
            points.append(
                TrendPoint(
                    start,
                    comments,
                    k if key != ALL else comments,
                    (k / comments) if comments and key != ALL else None,
                    (total / k) if k else None,
                )
            )
        result[key] = points
    return result


# --- sentiment labels and models --------------------------------------------------------------


RANDOM_EVERY = 3  # every third suggestion of the sentiment queue is a random pick


def sentiment_labelling_queue(
    actor: Actor,
    *,
    limit: int = 20,
    account_id: int | None = None,
    favour: Sequence[str] = (),
    seen: Collection[int] = (),
) -> list[CommentAnalysis]:
    """Comments without a person's sentiment, in the order worth labelling.

    Two of every three: highest sentiment uncertainty first (VADER: score near ±0.05; trained
    model: its two likeliest labels nearly equally probable), then newest; those the model
    gives a label in `favour` first (the sentiments still short of examples: neutral comments
    are rare and seldom uncertain, so they would otherwise take hundreds of labels to reach).
    Every third is a random pick (lowest `sample_key`, never favoured), marked
    `picked_at_random`: uncertain comments alone are unlike the rest, and random picks are what
    a model is judged on. At most four queries and the themes' prefetch, whatever the limit.
    Like the theme queue, it leaves out `seen` responses and texts already labelled, and asks
    about each text once.
    """
    rows = _not_labelled(actor, "sentiment_labelled_at", seen)
    if account_id is not None:
        rows = rows.filter(account_id=account_id)
    picks = limit // RANDOM_EVERY
    by_uncertainty = (F("sentiment_uncertainty").desc(nulls_last=True), "-submitted_at", "-pk")
    texts: dict[str, int] = {}  # text → the one comment with it that is asked about
    if favour:
        short = rows.filter(model_label__in=list(favour)).order_by(*by_uncertainty)
        _add_distinct(texts, short, limit - picks)
    if len(texts) < limit - picks:
        rest = rows.exclude(pk__in=list(texts.values())).order_by(*by_uncertainty)
        _add_distinct(texts, rest, limit - picks)
    uncertain = list(texts.values())
    by_key = rows.exclude(pk__in=uncertain).order_by(F("sample_key").asc(nulls_last=True), "pk")
    _add_distinct(texts, by_key, len(uncertain) + picks)
    chosen = list(texts.values())[len(uncertain) :]
    order: list[int] = []
    for pk in uncertain:
        if chosen and len(order) % RANDOM_EVERY == RANDOM_EVERY - 1:
            order.append(chosen.pop(0))
        order.append(pk)
    order += chosen  # when there are fewer uncertain comments than slots
    random_picks = set(order) - set(uncertain)
    found = {a.pk: a for a in _with_themes(CommentAnalysis.objects.filter(pk__in=order))}
    queue = [found[pk] for pk in order if pk in found]
    for a in queue:
        a.picked_at_random = a.pk in random_picks  # type: ignore[attr-defined]
    return queue


def sentiment_labelled_count(actor: Actor) -> int:
    return _analyses(actor).filter(sentiment_labelled_at__isnull=False).count()


def sentiment_label_counts() -> tuple[dict[str, int], int]:
    """Comments per sentiment a person set, across the organisation (one model for all teams,
    like the theme classifier), and how many of them were random picks. One query."""
    from django.db.models import Count

    rows = (
        CommentAnalysis.objects.filter(sentiment_labelled_at__isnull=False, response__isnull=False)
        .values("label", "sentiment_sampled")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, int] = defaultdict(int)
    sampled = 0
    for r in rows:
        counts[r["label"]] += r["n"]
        sampled += r["n"] if r["sentiment_sampled"] else 0
    return dict(counts), sampled


def sentiment_models(limit: int = 5) -> list[TrainedModel]:
    """The newest sentiment models, in force or not (the decision is in their metrics)."""
    return list(
        TrainedModel.objects.filter(kind=ModelKind.SENTIMENT)
        .defer("artefact")
        .order_by("-trained_at", "-pk")[:limit]
    )


def current_sentiment_model() -> TrainedModel | None:
    """The sentiment model in force (the newest active one), or None when VADER is."""
    return (
        TrainedModel.objects.filter(kind=ModelKind.SENTIMENT, active=True)
        .defer("artefact")
        .order_by("-trained_at", "-pk")
        .first()
    )
