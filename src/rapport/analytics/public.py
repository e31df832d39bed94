"""What other apps may use from analytics."""

from __future__ import annotations

from django.db.models import FloatField, OuterRef, Subquery

from rapport.analytics.models import AccountSnapshot


def snapshot_value(metric: str) -> Subquery:
    """Annotation: the account's current 90-day figure for a metric (None below minimum n)."""
    return Subquery(
        AccountSnapshot.objects.filter(account=OuterRef("pk"), metric=metric).values("value")[:1],
        output_field=FloatField(),
    )
