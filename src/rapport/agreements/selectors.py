"""Every read of reviews, alternatives, agreement changes, incidents and notices, scoped to
the teams the actor may see."""

from __future__ import annotations

from django.db.models import QuerySet

from rapport.agreements.models import UNMET_OUTCOMES, ExpectationReview
from rapport.customers.models import Account


def unmet_expectations(*, accounts: QuerySet[Account]) -> QuerySet[ExpectationReview]:
    """The latest review of each expectation of these accounts, where it is not met or only
    partly met (the alerts' rule "expectation not met" reads this; the caller scopes
    `accounts`)."""
    return (
        ExpectationReview.objects.filter(
            account__in=accounts, is_latest=True, outcome__in=UNMET_OUTCOMES
        )
        .select_related("expectation", "account", "reviewed_by")
        .order_by("reviewed_on", "pk")
    )
