"""What other apps may use from feedback."""

from __future__ import annotations

from collections.abc import Iterator

from rapport.analytics.services import ScoreRow
from rapport.feedback.models import Response

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
