"""What other apps may use from analytics."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import FloatField, OuterRef, Subquery

from rapport.analytics.models import AccountSnapshot


def snapshot_value(metric: str) -> Subquery:
    """Annotation: the account's current 90-day figure for a metric (None below minimum n)."""
    return Subquery(
        AccountSnapshot.objects.filter(account=OuterRef("pk"), metric=metric).values("value")[:1],
        output_field=FloatField(),
    )


def refresh_account_health(account_ids: Iterable[int]) -> int:
    """Rescore the accounts an import (or any bulk change) touched; returns accounts written.

    Call after the rollups and snapshots of those accounts are current: the feedback
    components read the snapshots.
    """
    from rapport.analytics.health.services import refresh_health

    return refresh_health(account_ids=list(account_ids))


def refresh_health_daily() -> int:
    """For the worker's periodic pass: rescore every account once the day has changed."""
    from rapport.analytics.health.services import ensure_health_current

    return ensure_health_current()
