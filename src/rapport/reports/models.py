"""Report definitions (type × audience × frequency × formats × filters), their runs, the files
each run produced, the recommendations edited on a run, and its deliveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.core.claims import DueWork
from rapport.core.constraints import ConstrainedModel
from rapport.core.models import Team
from rapport.customers.models import Account, Contact, Tier
from rapport.monitoring.recurrence import describe
from rapport.notifications.models import EmailDelivery


class Audience(models.TextChoices):
    EXECUTIVE = "executive", "Internal executive"
    ACCOUNT_TEAM = "account_team", "Account team"
    CUSTOMER = "customer", "Customer"


class FrequencySource(models.TextChoices):
    ON_DEMAND = "on_demand", "On demand only"
    OWN = "own", "Its own recurrence rule"
    PLAN = "plan", "The account's monitoring plan"


class Format(models.TextChoices):
    WEB = "web", "Web page"
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX workbook"
    CSV = "csv", "CSV tables"
    EMAIL = "email", "E-mail with the PDF attached"


class ReportDefinition(ConstrainedModel, DueWork):
    """What to report, to whom, how often and in which formats. `next_due_at` is the next
    scheduled run (None when on demand), claimed by the worker (decision 76)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="report_definitions")
    name = models.CharField(max_length=200)
    report_type = models.CharField(max_length=40)  # a key of reports.registry.REPORT_TYPES
    audience = models.CharField(max_length=20, choices=Audience.choices)
    frequency_source = models.CharField(
        max_length=20, choices=FrequencySource.choices, default=FrequencySource.ON_DEMAND
    )
    # An RFC 5545 RRULE (e.g. "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7") read in the organisation's
    # time zone, for frequency_source = own.
    recurrence = models.CharField(max_length=300, blank=True, default="")
    period_months = models.PositiveSmallIntegerField(
        default=3, help_text="How many months before the run each report covers."
    )
    formats = models.JSONField(default=list)  # values of Format
    accounts = models.ManyToManyField(Account, blank=True, related_name="report_definitions")
    tier = models.CharField(max_length=20, choices=Tier.choices, blank=True, default="")
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="report_subscriptions"
    )
    contact_recipients = models.ManyToManyField(
        Contact, blank=True, related_name="report_subscriptions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_reports"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    type_label = ""  # set by the list view from the registry

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["team", "name"], name="reportdef_team_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_months__gte=1) & Q(period_months__lte=24),
                name="reportdef_period_months_range",
                violation_error_message="A report covers 1 to 24 months.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def recurrence_words(self) -> str:
        """Its own rule in words, as the plan pages say theirs ("every month on the 1st at
        07:00"); "" unless the definition runs on its own rule."""
        if self.frequency_source != FrequencySource.OWN or not self.recurrence:
            return ""
        return describe(self.recurrence)


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Generating"
    REVIEW = "review", "Ready for review"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class ReportRun(DueWork):
    """One generation of a definition, with its inputs (period, filters, data as of, the
    definition as it was) and the structured document it produced, so it can be read and
    rendered again exactly as generated. A queued run (to generate) and an approved one (to
    deliver) are due work claimed by the worker."""

    definition = models.ForeignKey(ReportDefinition, on_delete=models.CASCADE, related_name="runs")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="report_runs")
    # The one account of a single-account run (its owner approves a customer-facing run).
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="report_runs"
    )
    report_type = models.CharField(max_length=40)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    scheduled = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    data_as_of = models.DateTimeField(null=True, blank=True)
    filters = models.JSONField(default=dict)
    definition_snapshot = models.JSONField(default=dict)
    document = models.JSONField(null=True, blank=True)
    steps_done = models.PositiveIntegerField(default=0)
    steps_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    outputs_stale = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    return_note = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="reportrun_team_recent_idx"),
            models.Index(fields=["definition", "-created_at"], name="reportrun_def_recent_idx"),
            models.Index(fields=["status", "finished_at"], name="reportrun_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.definition} {self.period_start} to {self.period_end}"

    @property
    def progress_percent(self) -> int:
        if not self.steps_total:
            return 0
        return min(100, round(100 * self.steps_done / self.steps_total))

    @property
    def active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)


class RecommendationSource(models.TextChoices):
    ACTION = "action", "Open action"
    ALERT = "alert", "Rule / alert"
    SWOT = "swot", "SWOT line"
    VARIANCE = "variance", "Variance"
    MANUAL = "manual", "Written on the run"


class RunRecommendation(models.Model):
    """A recommendation gathered for a run, editable (and droppable) before it is sent."""

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="recommendations")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    source_kind = models.CharField(max_length=20, choices=RecommendationSource.choices)
    source_ref = models.CharField(max_length=100, blank=True, default="")
    source_url = models.CharField(max_length=300, blank=True, default="")
    included = models.BooleanField(default=True)
    edited = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ReportOutput(ConstrainedModel):
    """One file of a run (PDF, XLSX, a CSV per table), kept until the run is cleaned up."""

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="outputs")
    format = models.CharField(max_length=10, choices=Format.choices)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["format", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "name"],
                name="reportoutput_run_name_unique",
                violation_error_message="This run already has a file of that name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReportDelivery(models.Model):
    """The run's e-mail (PDF attached) to one recipient, queued with notifications'
    `queue_email`, which sends it from the worker with retries; its status is the e-mail's."""

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="deliveries")
    to = models.EmailField()
    recipient_label = models.CharField(max_length=200, blank=True, default="")
    email = models.ForeignKey(EmailDelivery, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.run} to {self.to}"
