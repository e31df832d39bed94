"""The monitoring plan agreed with each key customer, its versions, and its execution.

A plan belongs to one account and holds numbered versions. Only a draft is edited; it is
proposed to the customer and agreed with one of the account's contacts, and the version agreed
before it becomes superseded, so every old version still shows what was agreed then. The agreed
version's methods generate `ScheduledActivity` rows (due work: reminders and overdue notices).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.core.claims import DueWork
from rapport.core.constraints import ConstrainedModel
from rapport.core.models import Team
from rapport.customers.models import Account, Contact, ExternalParty, Tier


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed to the customer"
    AGREED = "agreed", "Agreed"
    SUPERSEDED = "superseded", "Superseded"


class MethodKind(models.TextChoices):
    SURVEY_WAVE = "survey_wave", "Survey wave"
    BUSINESS_REVIEW = "business_review", "Business review"
    ACCOUNT_CALL = "account_call", "Account call"
    INFORMAL_CONTACT = "informal_contact", "Informal contact"
    COMPLAINT_ANALYSIS = "complaint_analysis", "Complaint analysis"
    QA_SAMPLING = "qa_sampling", "QA sampling"
    MYSTERY_SHOPPING = "mystery_shopping", "Mystery shopping"
    STAFF_FEEDBACK = "staff_feedback", "Staff feedback"
    INDEPENDENT_RESEARCH = "independent_research", "Independent research (external party)"


class KpiDirection(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class ReportAudience(models.TextChoices):
    INTERNAL_EXECUTIVE = "internal_executive", "Internal executive"
    ACCOUNT_TEAM = "account_team", "Account team"
    CUSTOMER = "customer", "Customer"


class MonitoringPlan(ConstrainedModel, DueWork):
    """One account's plan. Due (`next_due_at`) when its schedule should be extended."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="monitoring_plan"
    )
    # A copy of the account's team (kept by the account-moved hook) so scoping needs no join.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Up to when activities have been generated from the agreed version.
    scheduled_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["team"], name="plan_team_idx")]

    def __str__(self) -> str:
        return f"Monitoring plan of {self.account}"


class PlanVersion(ConstrainedModel):
    plan = models.ForeignKey(MonitoringPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.ForeignKey(
        "PlanTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objectives = models.TextField(blank=True, default="")
    information_needs = models.TextField("information needs (qualitative)", blank=True, default="")
    quantitative_needs = models.TextField(
        "information needs (quantitative)", blank=True, default=""
    )
    communication_plan = models.TextField(blank=True, default="")
    trigger_criteria = models.TextField(
        blank=True, default="", help_text="What sets off monitoring activity beyond the schedule."
    )
    # Internal only: never in the customer's view of the plan.
    internal_notes = models.TextField(blank=True, default="")
    target_margin_percent = models.DecimalField(
        "target margin (%)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreed_with = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name as it was when agreed, so the record stays readable if the contact is removed.
    agreed_with_name = models.CharField(max_length=200, blank=True, default="")
    agreed_at = models.DateTimeField(null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence = models.FileField(upload_to="monitoring/evidence/%Y/%m/", blank=True)
    evidence_reference = models.CharField(
        max_length=300, blank=True, default="", help_text="e.g. the signed minutes' reference"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="planversion_number_unique",
                violation_error_message="This plan already has a version with this number.",
            ),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status="agreed"),
                name="planversion_one_agreed",
                violation_error_message="Only one version of a plan can be agreed at a time.",
            ),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status__in=["draft", "proposed"]),
                name="planversion_one_open",
                violation_error_message="This plan already has a draft or proposed version.",
            ),
        ]
        indexes = [models.Index(fields=["plan", "status"], name="planversion_status_idx")]

    def __str__(self) -> str:
        return f"v{self.number} ({self.get_status_display()})"

    @property
    def editable(self) -> bool:
        return self.status == PlanStatus.DRAFT


class PlanMethod(ConstrainedModel):
    """A way the relationship is monitored, with its frequency as an RFC 5545 RRULE."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="methods")
    # Shared by a method and its copies in later versions, so a diff can tell a changed method
    # from one removed and another added.
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=24, choices=MethodKind.choices)
    formal = models.BooleanField(default=True)
    title = models.CharField(max_length=200, blank=True, default="")
    recurrence = models.CharField(
        max_length=300,
        help_text='An RRULE, e.g. "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1".',
    )
    starts_on = models.DateField(null=True, blank=True, help_text="First possible occurrence.")
    # Local time of day each occurrence falls due.
    due_time = models.TimeField(default="09:00")
    # Days after the due day that still count as on time (a survey wave's answers take a while).
    on_time_days = models.PositiveSmallIntegerField(default=3)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    our_stakeholders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+"
    )
    customer_contacts = models.ManyToManyField(Contact, blank=True, related_name="+")
    external_parties = models.ManyToManyField(ExternalParty, blank=True, related_name="+")
    technology = models.CharField(max_length=200, blank=True, default="")
    # Internal only: cost per occurrence.
    cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="GBP")

    class Meta:
        ordering = ["version", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost__gte=0),
                name="planmethod_cost_non_negative",
                violation_error_message="The cost cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()


class Kpi(ConstrainedModel):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="kpis")
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)
    metric = models.CharField(max_length=64, help_text="A metric key: nps, csat, ces, …")
    target = models.FloatField()
    tolerance = models.FloatField(default=0, help_text="Band around the target still accepted.")
    direction = models.CharField(
        max_length=8, choices=KpiDirection.choices, default=KpiDirection.HIGHER
    )
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["version", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "metric"],
                name="kpi_metric_unique",
                violation_error_message="This version already has a KPI for this metric.",
            ),
            models.CheckConstraint(
                condition=Q(tolerance__gte=0),
                name="kpi_tolerance_non_negative",
                violation_error_message="The tolerance cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(baseline_start__isnull=True)
                | Q(baseline_end__isnull=True)
                | Q(baseline_start__lte=models.F("baseline_end")),
                name="kpi_baseline_ordered",
                violation_error_message="The baseline must not end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} target {self.target:g}"


class PlanReport(ConstrainedModel):
    """A report the plan names: the reports app renders it for its audience."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="reports")
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)
    report_type = models.CharField(max_length=64)
    audience = models.CharField(max_length=24, choices=ReportAudience.choices)
    recurrence = models.CharField(max_length=300)
    recipient_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    recipient_contacts = models.ManyToManyField(Contact, blank=True, related_name="+")
    # Further addresses, one per line (e.g. a shared mailbox).
    extra_recipients = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["version", "report_type", "pk"]

    def __str__(self) -> str:
        return f"{self.report_type} for {self.get_audience_display()}"

    @property
    def recipients(self) -> list[str]:
        """Every e-mail address the report goes to (users, contacts, extra lines)."""
        addresses = [u.email for u in self.recipient_users.all() if u.email]
        addresses += [c.email for c in self.recipient_contacts.all() if c.email]
        addresses += [line.strip() for line in self.extra_recipients.splitlines() if line.strip()]
        return list(dict.fromkeys(addresses))


class PlanTemplate(ConstrainedModel):
    """The starting point of a plan for accounts of one tier.

    Methods, KPIs and reports are kept as lists of plain dicts (the fields of PlanMethod, Kpi
    and PlanReport without people), copied into a new draft.
    """

    tier = models.CharField(max_length=20, choices=Tier.choices)
    name = models.CharField(max_length=200)
    objectives = models.TextField(blank=True, default="")
    information_needs = models.TextField(blank=True, default="")
    quantitative_needs = models.TextField(blank=True, default="")
    communication_plan = models.TextField(blank=True, default="")
    trigger_criteria = models.TextField(blank=True, default="")
    methods = models.JSONField(default=list, blank=True)
    kpis = models.JSONField(default=list, blank=True)
    reports = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier"],
                name="plantemplate_tier_unique",
                violation_error_message="This tier already has a template.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChangeRequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_DRAFT = "in_draft", "Taken into a draft"
    AGREED = "agreed", "Agreed in a version"
    DECLINED = "declined", "Declined"


class PlanChangeRequest(ConstrainedModel):
    """The customer asked to change the plan: who, when, what."""

    plan = models.ForeignKey(MonitoringPlan, on_delete=models.CASCADE, related_name="changes")
    requested_by = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=200, blank=True, default="")
    requested_on = models.DateField()
    description = models.TextField()
    status = models.CharField(
        max_length=10, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.OPEN
    )
    # The draft version that takes the request in (cited on the version's page).
    version = models.ForeignKey(
        PlanVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_requests",
    )
    response = models.TextField(blank=True, default="", help_text="What we told the customer.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_on", "-pk"]

    def __str__(self) -> str:
        return self.description[:60]


class ActivityStatus(models.TextChoices):
    DUE = "due", "Due"
    DONE = "done", "Done"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


class CompletedVia(models.TextChoices):
    MANUAL = "manual", "Marked done"
    COMMUNICATION = "communication", "Logged communication"
    IMPORT = "import", "Imported feedback"


class ScheduledActivity(ConstrainedModel, DueWork):
    """One occurrence of a plan method. Due work: `next_due_at` is the next reminder to send
    (before it falls due, then when overdue), None once nothing more is to be sent."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(MonitoringPlan, on_delete=models.CASCADE, related_name="activities")
    method = models.ForeignKey(PlanMethod, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=24, choices=MethodKind.choices)  # the method's, copied
    due_at = models.DateTimeField()
    # After this moment the activity is no longer on time (due day + the method's grace days).
    late_after = models.DateTimeField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.DUE
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_on_time = models.BooleanField(null=True, blank=True)
    completed_via = models.CharField(max_length=14, choices=CompletedVia.choices, blank=True)
    note = models.TextField(blank=True, default="")
    # What completed it (a communication's id, an import job's id).
    source_ref = models.CharField(max_length=100, blank=True, default="")
    # For response rates: invitations sent (when known) and responses received.
    invited = models.PositiveIntegerField(null=True, blank=True)
    responses = models.PositiveIntegerField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["method", "due_at"],
                name="activity_method_due_unique",
                violation_error_message="This method already has an activity due then.",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "due_at"], name="activity_account_due_idx"),
            models.Index(fields=["team", "status", "due_at"], name="activity_team_status_idx"),
            models.Index(fields=["account", "kind", "status"], name="activity_kind_status_idx"),
            # The navigation's count of one's own overdue activities, on every page.
            models.Index(
                fields=["owner", "late_after"],
                condition=Q(status="due"),
                name="activity_owner_overdue_idx",
            ),
        ]
        verbose_name_plural = "scheduled activities"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_at:%Y-%m-%d}"
