"""Feedback records from every channel, and the import jobs that bring them in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.core.constraints import ConstrainedModel
from rapport.core.models import Team
from rapport.customers.models import Account, Contact

NPS_RANGE = (0, 10)
CSAT_RANGE = (1, 5)
CES_RANGE = (1, 7)


class FeedbackChannel(models.TextChoices):
    SURVEY = "survey", "Survey"
    EMAIL = "email", "E-mail"
    CALL = "call", "Call"
    BUSINESS_REVIEW = "business_review", "Business review"
    REVIEW_SITE = "review_site", "Review site"
    SOCIAL = "social", "Social media"
    COMPLAINT = "complaint", "Complaint"
    INFORMAL_NOTE = "informal_note", "Informal note"
    STAFF = "staff", "Staff feedback"
    MYSTERY_SHOP = "mystery_shop", "Mystery shopping"


class Response(ConstrainedModel):
    """One piece of feedback: typed scores, custom answers and a comment.

    The respondent is a customer contact, a member of staff, or nobody (anonymous).
    (source_system, external_id) identifies a record from another system so imports are
    idempotent.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="responses")
    # The account's team, copied so that the database holds an external id unique within the
    # team that owns the response (the import finds rows by that key, see the constraint).
    # Kept equal to account.team_id by save(), by the import's SQL, and when an account moves
    # to another team (services.follow_account_team).
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", editable=False)
    channel = models.CharField(
        max_length=20, choices=FeedbackChannel.choices, default=FeedbackChannel.SURVEY
    )
    submitted_at = models.DateTimeField()
    respondent_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    respondent_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    ces = models.PositiveSmallIntegerField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True, default="")
    source_system = models.CharField(max_length=60, default="rapport")
    external_id = models.CharField(max_length=120, blank=True, default="")
    import_job = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    # The row of import_job's file that last inserted or updated it (for an API call, the
    # item's index): a later row of the same job with this external id repeats that row.
    import_row = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "source_system", "external_id"],
                condition=~Q(external_id=""),
                name="response_team_source_external_id_unique",
                violation_error_message=(
                    "The team already has a response with this external id from this source."
                ),
            ),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__gte=NPS_RANGE[0], nps__lte=NPS_RANGE[1]),
                name="response_nps_range",
                violation_error_message=(
                    f"NPS is a whole number from {NPS_RANGE[0]} to {NPS_RANGE[1]}."
                ),
            ),
            models.CheckConstraint(
                condition=Q(csat__isnull=True)
                | Q(csat__gte=CSAT_RANGE[0], csat__lte=CSAT_RANGE[1]),
                name="response_csat_range",
                violation_error_message=(
                    f"CSAT is a whole number from {CSAT_RANGE[0]} to {CSAT_RANGE[1]}."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ces__isnull=True) | Q(ces__gte=CES_RANGE[0], ces__lte=CES_RANGE[1]),
                name="response_ces_range",
                violation_error_message=(
                    f"CES is a whole number from {CES_RANGE[0]} to {CES_RANGE[1]}."
                ),
            ),
            models.CheckConstraint(
                condition=Q(respondent_contact__isnull=True) | Q(respondent_user__isnull=True),
                name="response_one_respondent",
                violation_error_message=(
                    "A response has one respondent: a contact or a user, not both."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-submitted_at"], name="response_account_time_idx"),
            models.Index(fields=["submitted_at"], name="response_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} response {self.pk} ({self.submitted_at:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.team_id = self.account.team_id
        super().save(*args, **kwargs)


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """One file being imported; the checkpoint lets a killed import resume where it stopped.

    Counts reconcile: rows_read = inserted + updated + skipped + rejected.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500)
    file_size = models.BigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True, default="")
    file_format = models.CharField(max_length=10)
    mapping = models.JSONField(default=dict, blank=True)
    dry_run = models.BooleanField(default=False)
    # How the import was started (web, api, cli): the audit event records it.
    via = models.CharField(max_length=20, default="web")
    # The scope the importing user had: accounts outside these teams are rejected.
    team_ids = models.JSONField(default=list, blank=True)
    all_teams = models.BooleanField(default=False)
    checkpoint_row = models.BigIntegerField(default=0)
    checkpoint_byte = models.BigIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    rows_read = models.BigIntegerField(default=0)
    rows_inserted = models.BigIntegerField(default=0)
    rows_updated = models.BigIntegerField(default=0)
    rows_skipped = models.BigIntegerField(default=0)
    rows_rejected = models.BigIntegerField(default=0)
    accounts_created = models.IntegerField(default=0)
    error = models.TextField(blank=True, default="")
    # What the import did but the user should check (a mapped name matching several columns).
    warnings = models.JSONField(default=list, blank=True)
    # Set when the run starts and at every checkpoint: a running job whose heartbeat is older
    # than RAPPORT_IMPORT_STALLED_MINUTES lost its worker and may be resumed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The worker process running it (core.workers): once that worker stops beating, the job
    # may be resumed at once. Blank when it ran where nothing beats: heartbeat_at decides.
    worker_id = models.CharField(max_length=100, blank=True, default="")
    # Set when the uploaded file was deleted (RAPPORT_IMPORT_KEEP_UPLOADS_DAYS after the job
    # ended); the job keeps its counts and rejected rows, but cannot be resumed.
    file_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} {self.file_name} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.SUCCEEDED:
            return 100
        if not self.file_size:
            return 0
        return min(99, int(100 * self.bytes_done / self.file_size))


class ImportRowError(models.Model):
    """A rejected row: where, which column, what value, and why."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.BigIntegerField()
    column = models.CharField(max_length=120, blank=True, default="")
    value = models.CharField(max_length=200, blank=True, default="")
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["job", "row_number"], name="import_error_row_idx")]

    def __str__(self) -> str:
        return f"row {self.row_number} {self.column}: {self.reason}"
