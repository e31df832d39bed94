"""Expectations reviewed, alternatives offered, agreements changed, incidents and the notices
that tell the customer's people about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.core.constraints import ConstrainedModel
from rapport.core.models import Team
from rapport.customers.models import (
    Account,
    Commitment,
    Communication,
    Contact,
    Expectation,
    PreferredChannel,
)


def _money() -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)


# The four sides of an alternative, each an amount (in the alternative's currency) and a note.
MONEY_SIDES = ("cost_to_us", "benefit_to_us", "cost_to_customer", "benefit_to_customer")


class Outcome(models.TextChoices):
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"


UNMET_OUTCOMES = (Outcome.PARTLY_MET, Outcome.NOT_MET)


class Severity(models.TextChoices):
    """The shared severity values (the same as actions.models.Severity)."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class ExpectationReview(ConstrainedModel):
    """One judgement of whether an expectation is being met, with its evidence. The latest
    review of an expectation (by `reviewed_on`, then entry order) is marked `is_latest` by the
    services, so "not met now" is one indexed filter."""

    expectation = models.ForeignKey(Expectation, on_delete=models.CASCADE, related_name="reviews")
    # A copy of the expectation's account: lists and scoping filter on it without a join.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="expectation_reviews"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    evidence = models.TextField()
    reviewed_on = models.DateField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reasons_given = models.TextField(
        blank=True, default="", help_text="Why it cannot be (fully) met, as told to the customer."
    )
    agreed_outcome = models.TextField(
        blank=True, default="", help_text="What was agreed with the customer in the end."
    )
    is_latest = models.BooleanField(default=False, editable=False)
    # The improvement action opened from this review, if any (actions.Action's id; the action
    # points back with source_kind "expectation_review").
    action_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        indexes = [
            models.Index(
                fields=["expectation", "-reviewed_on"], name="review_expectation_date_idx"
            ),
            models.Index(fields=["account", "is_latest", "outcome"], name="review_latest_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["expectation"],
                condition=Q(is_latest=True),
                name="review_one_latest_per_expectation",
                violation_error_message="An expectation has one latest review.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} on {self.reviewed_on}"


class Provider(models.TextChoices):
    INSIDE = "inside", "Inside the organisation"
    OUTSIDE = "outside", "Outside the organisation (e.g. a partner)"


class Alternative(ConstrainedModel):
    """Something offered instead of what cannot be delivered: to an expectation that is not
    (fully) met, or to an account affected by an incident. Costs and benefits are given for
    both sides, as money (in `currency`) and in words."""

    review = models.ForeignKey(
        ExpectationReview,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alternatives",
    )
    affected_account = models.ForeignKey(
        "AffectedAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alternatives",
    )
    description = models.TextField()
    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.INSIDE)
    provider_name = models.CharField(
        max_length=200, blank=True, default="", help_text="Who provides it, e.g. the partner."
    )
    currency = models.CharField(max_length=3, default="GBP")
    cost_to_us = _money()
    cost_to_us_note = models.CharField(max_length=300, blank=True, default="")
    benefit_to_us = _money()
    benefit_to_us_note = models.CharField(max_length=300, blank=True, default="")
    cost_to_customer = _money()
    cost_to_customer_note = models.CharField(max_length=300, blank=True, default="")
    benefit_to_customer = _money()
    benefit_to_customer_note = models.CharField(max_length=300, blank=True, default="")
    chosen = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(review__isnull=False) & Q(affected_account__isnull=True))
                | (Q(review__isnull=True) & Q(affected_account__isnull=False)),
                name="alternative_one_parent",
                violation_error_message="An alternative belongs to a review or to an incident's "
                "account, not both.",
            ),
            models.UniqueConstraint(
                fields=["review"],
                condition=Q(chosen=True, review__isnull=False),
                name="alternative_one_chosen_per_review",
                violation_error_message="The customer already chose another alternative.",
            ),
            models.UniqueConstraint(
                fields=["affected_account"],
                condition=Q(chosen=True, affected_account__isnull=False),
                name="alternative_one_chosen_per_affected",
                violation_error_message="The customer already chose another alternative.",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0}),
                    name=f"alternative_{name}_non_negative",
                    violation_error_message="Give an amount of 0 or more (or none).",
                )
                for name in MONEY_SIDES
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class TemplateKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    AGREEMENT_CHANGE = "agreement_change", "Change to an agreement"


class NotificationTemplate(ConstrainedModel):
    """The words of a notice to a customer's contact, with placeholders in braces
    ({contact_name}, {account_name}, …; see agreements.templating)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="notice_templates")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=TemplateKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"],
                name="template_name_unique_in_team",
                violation_error_message="The team already has a template of this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IncidentKind(models.TextChoices):
    OUTAGE = "outage", "Outage"
    DELAY = "delay", "Delay"
    PRICE_CHANGE = "price_change", "Price change"
    OTHER = "other", "Other"


class Incident(ConstrainedModel):
    """An unexpected circumstance that affects some of a team's accounts."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="incidents")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    description = models.TextField()
    started_at = models.DateTimeField()
    expected_end_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    what_we_offer = models.TextField(
        blank=True, default="", help_text="What we offer the affected customers, for notices."
    )
    template = models.ForeignKey(
        NotificationTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["team", "-started_at"], name="incident_team_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="incident_ends_after_start",
                violation_error_message="The incident cannot end before it started.",
            ),
            models.CheckConstraint(
                condition=Q(expected_end_at__isnull=True)
                | Q(expected_end_at__gte=models.F("started_at")),
                name="incident_expected_end_after_start",
                violation_error_message="The expected end cannot be before the start.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AffectedAccount(ConstrainedModel):
    """An account an incident affects, and what its customer chose among the alternatives."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="incidents")
    impact = models.TextField(blank=True, default="")
    agreed_outcome = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "account"],
                name="affected_account_once",
                violation_error_message="This account is already affected by the incident.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} in {self.incident}"


class ChangeSubject(models.TextChoices):
    EXPECTATION = "expectation", "An expectation's terms"
    COMMITMENT = "commitment", "A commitment's terms"
    PLAN = "plan", "The monitoring plan"
    OTHER = "other", "Another agreement"


class AgreementChange(ConstrainedModel):
    """A change to what was agreed with a customer, and the record that its people were told
    (the Communication logged, and one notice per contact)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="agreement_changes")
    subject = models.CharField(max_length=20, choices=ChangeSubject.choices)
    expectation = models.ForeignKey(
        Expectation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    commitment = models.ForeignKey(
        Commitment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    what_changed = models.CharField(max_length=200)
    before = models.TextField(blank=True, default="")
    after = models.TextField()
    effective_on = models.DateField()
    communication = models.ForeignKey(
        Communication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="agreement_change_recent_idx")
        ]

    def __str__(self) -> str:
        return self.what_changed


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", "E-mail queued"
    DUE = "due", "To do"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Not sent"


class Notice(ConstrainedModel):
    """One contact told (or to be told) about an incident or an agreement change, through their
    preferred channel: an e-mail is queued at once; any other channel is a task for the account
    owner, logged as a Communication when done. A contact without consent is skipped, with
    the reason."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notices")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notices")
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    agreement_change = models.ForeignKey(
        AgreementChange, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    channel = models.CharField(max_length=20, choices=PreferredChannel.choices)
    status = models.CharField(max_length=10, choices=NoticeStatus.choices)
    skip_reason = models.CharField(max_length=200, blank=True, default="")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    # notifications.EmailDelivery's id for an e-mail notice.
    email_delivery_id = models.PositiveIntegerField(null=True, blank=True)
    communication = models.ForeignKey(
        Communication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["incident", "status"], name="notice_incident_idx"),
            models.Index(fields=["assigned_to", "status", "due_on"], name="notice_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(incident__isnull=False) & Q(agreement_change__isnull=True))
                | (Q(incident__isnull=True) & Q(agreement_change__isnull=False)),
                name="notice_one_subject",
                violation_error_message="A notice is about an incident or an agreement change.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.contact}"
