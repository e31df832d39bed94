"""Reports in the admin, read-only: definitions, runs and deliveries change only through the
services (access, approval, audit)."""

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin
from rapport.reports.models import (
    ReportDefinition,
    ReportDelivery,
    ReportOutput,
    ReportRun,
    RunRecommendation,
)

for model in (ReportDefinition, ReportRun, RunRecommendation, ReportOutput, ReportDelivery):
    admin.site.register(model, ReadOnlyAdmin)
