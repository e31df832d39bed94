"""What other apps may use from feedback."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Min, OuterRef, QuerySet, Sum
from django.http import QueryDict
from django.utils.http import urlencode

from rapport.core.dates import local_days, local_midnight
from rapport.customers.models import Account
from rapport.feedback.hooks import ScoreRow
from rapport.feedback.models import FeedbackChannel, Response

CHANNELS = FeedbackChannel.choices
SCORE_FIELDS = ("account_id", "submitted_at", "nps", "csat", "ces", "answers")


def iter_score_rows(*, chunk_size: int = 20_000) -> Iterator[ScoreRow]:
    """Every response's scores, streamed in primary-key order with bounded memory."""
    last_id = 0
    while True:
        chunk = list(
            Response.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", *SCORE_FIELDS)[:chunk_size]
        )
        if not chunk:
            return
        for pk, *fields in chunk:
            yield ScoreRow(*fields)
            last_id = pk


# The sentiment bands of comment analysis (rapport.text.sentiment.LABELS, named here so the
# filters can be read without loading the text models; a test keeps the two equal).
SENTIMENT_BANDS = ("negative", "neutral", "positive")
THEME_SLUG = re.compile(r"[-a-z0-9_]{1,60}")
TEXT_MAX = 200


@dataclass(frozen=True)
class FeedbackFilters:
    """The filters of a feedback list, read from a URL's query and written back to one: the
    account page, its feedback partial and the list's exports all read them through
    `from_query`. Values that cannot be used (an unknown channel, a bad date) are dropped."""

    channel: str = ""
    start: date | None = None
    end: date | None = None
    with_comment: bool = False
    detractors: bool = False
    theme: str = ""  # a theme's slug (enrichment.Theme)
    sentiment: str = ""  # one of SENTIMENT_BANDS
    text: str = ""  # contained in the comment, case-insensitively

    @classmethod
    def from_query(cls, query: QueryDict) -> FeedbackFilters:
        def _date(name: str) -> date | None:
            try:
                return date.fromisoformat(query.get(name, ""))
            except ValueError:
                return None

        channel = query.get("channel", "")
        theme = query.get("theme", "")
        sentiment = query.get("sentiment", "")
        return cls(
            channel=channel if channel in FeedbackChannel.values else "",
            start=_date("from"),
            end=_date("to"),
            with_comment=query.get("with_comment") == "1",
            detractors=query.get("detractors") == "1",
            theme=theme if THEME_SLUG.fullmatch(theme) else "",
            sentiment=sentiment if sentiment in SENTIMENT_BANDS else "",
            text=query.get("text", "").strip()[:TEXT_MAX],
        )

    def to_query(self) -> str:
        """The URL query that `from_query` reads back as these filters (empty ones left out)."""
        values = {
            "channel": self.channel,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "with_comment": "1" if self.with_comment else "",
            "detractors": "1" if self.detractors else "",
            "theme": self.theme,
            "sentiment": self.sentiment,
            "text": self.text,
        }
        return urlencode({k: v for k, v in values.items() if v})


def responses_for_account(account: Account, filters: FeedbackFilters) -> QuerySet[Response]:
    """An account's feedback, newest first (the caller has checked the account is visible).

    Theme and sentiment come from the comment analysis: `enrichment.public.feedback_matching`
    applies them on top of this."""
    rows = Response.objects.filter(account=account).select_related("respondent_contact")
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.start:
        rows = rows.filter(submitted_at__gte=local_midnight(filters.start))
    if filters.end:
        rows = rows.filter(submitted_at__lt=local_midnight(filters.end + timedelta(days=1)))
    if filters.with_comment:
        rows = rows.exclude(comment="")
    if filters.detractors:
        rows = rows.filter(nps__lte=6)
    if filters.text:
        rows = rows.filter(comment__icontains=filters.text)
    return rows.order_by("-submitted_at", "-pk")


def responses_in_window(
    account_ids: Iterable[int] | QuerySet[Any, Any], *, start: date, end: date, answered: str
) -> QuerySet[Response]:
    """Responses of the accounts on the local days `start`..`end` that answer the score field
    `answered`, unordered (for grouped reads). `account_ids` may be a queryset of ids (a
    subquery); the caller has scoped them."""
    since, until = local_days(start, end)
    return Response.objects.filter(
        account_id__in=account_ids,
        submitted_at__gte=since,
        submitted_at__lt=until,
        **{f"{answered}__isnull": False},
    ).order_by()


DataVersion = tuple[int, int, Any]  # count, sum of ids, newest updated_at


def data_version(responses: QuerySet[Response]) -> DataVersion:
    """A fingerprint of a set of responses for caching what is computed from them (one
    aggregate query): a response added or deleted changes the count and the sum of ids, and
    any change to one (every write path saves updated_at) moves the newest updated_at."""
    found = responses.aggregate(n=Count("pk"), ids=Sum("pk"), newest=Max("updated_at"))
    return found["n"], found["ids"] or 0, found["newest"]


def latest_answers(contact: OuterRef, answered: str) -> QuerySet[Response]:
    """A contact's responses answering `answered`, newest first, for a per-contact subquery."""
    return Response.objects.filter(
        respondent_contact=contact, **{f"{answered}__isnull": False}
    ).order_by("-submitted_at", "-pk")


@dataclass(frozen=True, slots=True)
class Arrivals:
    """Responses of one account submitted since a moment: how many, the first and last."""

    count: int
    first_at: datetime
    last_at: datetime


def response_arrivals(*, account_ids: Iterable[int], since: datetime) -> dict[int, Arrivals]:
    """Per account, the responses submitted at or after `since` (one grouped query; monitoring
    completes a survey wave when its answers arrive)."""
    rows = (
        Response.objects.filter(account_id__in=list(account_ids), submitted_at__gte=since)
        .values("account_id")
        .annotate(count=Count("pk"), first_at=Min("submitted_at"), last_at=Max("submitted_at"))
    )
    return {
        row["account_id"]: Arrivals(row["count"], row["first_at"], row["last_at"]) for row in rows
    }


def respondent_contacts(*, account_ids: Iterable[int], since: datetime) -> set[int]:
    """Ids of the contacts who answered since `since` (one query)."""
    return set(
        Response.objects.filter(
            account_id__in=list(account_ids),
            submitted_at__gte=since,
            respondent_contact__isnull=False,
        )
        .values_list("respondent_contact_id", flat=True)
        .distinct()
    )
