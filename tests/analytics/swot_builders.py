"""Builders for SWOT tests: responses whose drivers and themes clearly lift or lower NPS."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from rapport.analytics.rollups.services import rebuild_rollups
from rapport.feedback.models import Response

LATE = "The delivery was late again and the courier lost half the parcel."
HELPFUL = "Support answered our ticket within the hour, the help desk is great."


def driven_by_csat(account, *, n: int = 80, satisfied: bool = True, seed: int = 1) -> None:
    """NPS follows CSAT closely; CES is noise. CSAT is 4–5 when `satisfied`, else 1–2."""
    rng = random.Random(seed)
    now = timezone.now()
    for i in range(n):
        csat = rng.choice((4, 5)) if satisfied else rng.choice((1, 2))
        nps = max(0, min(10, 2 * csat + rng.choice((-1, 0, 1))))
        Response.objects.create(
            account=account,
            submitted_at=now - timedelta(days=1 + i % 60),
            nps=nps,
            csat=csat,
            ces=rng.randint(1, 7),
        )
    rebuild_rollups()


def delivery_hurts(account, *, each: int = 40) -> None:
    """`each` mostly low-NPS comments about late deliveries and `each` mostly high-NPS ones
    about support (one in five the other way, so neither group has zero variance)."""
    now = timezone.now()
    for i in range(each):
        when = now - timedelta(days=2 + i % 50)
        late, helpful = (9, 5) if i % 5 == 0 else (2 + i % 3, 9 + i % 2)
        Response.objects.create(account=account, submitted_at=when, nps=late, comment=LATE)
        Response.objects.create(account=account, submitted_at=when, nps=helpful, comment=HELPFUL)
    rebuild_rollups()
