"""Agreements in the admin, read-only: reviews, alternatives, changes and incidents change only
through the services (audit, latest-review flag, notices sent and logged)."""

from django.contrib import admin

from rapport.agreements.models import (
    AffectedAccount,
    AgreementChange,
    Alternative,
    ExpectationReview,
    Incident,
    Notice,
    NotificationTemplate,
)
from rapport.core.admin import ReadOnlyAdmin

for model in (
    ExpectationReview,
    Alternative,
    NotificationTemplate,
    Incident,
    AffectedAccount,
    AgreementChange,
    Notice,
):
    admin.site.register(model, ReadOnlyAdmin)
