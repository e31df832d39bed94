"""Key accounts, the people on both sides, and what was expected, promised and said."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.core.constraints import ConstrainedModel
from rapport.core.models import Team


class Tier(models.TextChoices):
    STRATEGIC = "strategic", "Strategic"
    KEY = "key", "Key"
    GROWTH = "growth", "Growth"
    MAINTAIN = "maintain", "Maintain"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ONBOARDING = "onboarding", "Onboarding"
    AT_RISK = "at_risk", "At risk"
    CLOSED = "closed", "Closed"


class Account(ConstrainedModel):
    name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=100, blank=True, default="")
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.KEY)
    segment = models.CharField(max_length=100, blank=True, default="")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="accounts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    annual_value = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cost_to_serve = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="GBP")
    renewal_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    # Kept by customers.services whenever communications change, so the portfolio can sort and
    # flag on them without a subquery per row.
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_decision_maker_contact_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="account_external_id_unique",
                violation_error_message="Another account already has this external id.",
            ),
            models.CheckConstraint(
                condition=Q(annual_value__gte=0),
                name="account_value_non_negative",
                violation_error_message="The annual value cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(cost_to_serve__gte=0),
                name="account_cost_non_negative",
                violation_error_message="The cost to serve cannot be negative.",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "name"], name="account_team_name_idx"),
            models.Index(fields=["tier"], name="account_tier_idx"),
            models.Index(fields=["segment"], name="account_segment_idx"),
            models.Index(fields=["renewal_date"], name="account_renewal_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    INFLUENCER = "influencer", "Influencer"
    SPONSOR = "sponsor", "Sponsor"
    USER = "user", "User"
    GATEKEEPER = "gatekeeper", "Gatekeeper"


class Stance(models.TextChoices):
    CHAMPION = "champion", "Champion"
    SUPPORTER = "supporter", "Supporter"
    NEUTRAL = "neutral", "Neutral"
    CRITIC = "critic", "Critic"


class PreferredChannel(models.TextChoices):
    """How a contact wants to be told things; notices (agreement changes, incidents) go this way:
    an e-mail is sent, any other channel becomes a task for the account owner."""

    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    MEETING = "meeting", "Meeting"
    VIDEO = "video", "Video call"
    LETTER = "letter", "Letter"
    PORTAL = "portal", "Customer portal"


class Contact(ConstrainedModel):
    """A person on the customer's side."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    job_title = models.CharField(max_length=200, blank=True, default="")
    decision_role = models.CharField(
        max_length=20, choices=DecisionRole.choices, default=DecisionRole.USER
    )
    stance = models.CharField(max_length=20, choices=Stance.choices, default=Stance.NEUTRAL)
    consent_contact = models.BooleanField("may be contacted", default=True)
    consent_survey = models.BooleanField("may be surveyed", default=False)
    preferred_channel = models.CharField(
        max_length=20, choices=PreferredChannel.choices, default=PreferredChannel.EMAIL
    )
    consent_updated_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=100, blank=True, default="")
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["account", "decision_role"], name="contact_account_role_idx"),
            models.Index(fields=["email"], name="contact_email_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=~Q(external_id=""),
                name="contact_external_id_unique",
                violation_error_message=(
                    "Another contact of this account already has this external id."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StakeholderRole(models.TextChoices):
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    SERVICE_LEAD = "service_lead", "Service lead"
    TECHNICAL_LEAD = "technical_lead", "Technical lead"
    QA_LEAD = "qa_lead", "Quality lead"
    SUPPORT = "support", "Support"


class AccountStakeholder(ConstrainedModel):
    """A person on our side and the part they play on the account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stakeholders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stakes"
    )
    role = models.CharField(max_length=30, choices=StakeholderRole.choices)
    since = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user", "role"],
                name="stakeholder_unique_role",
                violation_error_message="This person already has this role on the account.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class PartyKind(models.TextChoices):
    RESEARCH_AGENCY = "research_agency", "Research agency"
    AUDITOR = "auditor", "Auditor"
    MYSTERY_SHOPPER = "mystery_shopper", "Mystery shopping provider"
    CONSULTANT = "consultant", "Consultant"
    REGULATOR = "regulator", "Regulator"
    OTHER = "other", "Other"


class ExternalParty(models.Model):
    """An independent party that reviews or reports on the relationship."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="external_parties")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PartyKind.choices)
    contact_name = models.CharField(max_length=200, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    scope = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "external parties"

    def __str__(self) -> str:
        return self.name


class ExpectationSource(models.TextChoices):
    CONTRACT = "contract", "Contract / SLA"
    BUSINESS_REVIEW = "business_review", "Business review"
    SURVEY = "survey", "Survey"
    CONVERSATION = "conversation", "Conversation"
    TENDER = "tender", "Tender / RFP"


class Expectation(models.Model):
    """What the customer expects of us, and whether we agreed to it."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="expectations")
    description = models.TextField()
    source = models.CharField(max_length=20, choices=ExpectationSource.choices)
    raised_by = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreed = models.BooleanField(default=False)
    agreed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.description[:60]


class CommitmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"


class Commitment(models.Model):
    """Something we promised the customer, with an owner and a due date."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="commitments")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    due_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    # Set by customers.services when the status leaves "open": the day it was kept (or broken).
    closed_on = models.DateField(null=True, blank=True)
    expectation = models.ForeignKey(
        Expectation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
        help_text="The customer's expectation this promise answers.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date"]
        indexes = [
            models.Index(fields=["account", "status", "due_date"], name="commitment_status_idx")
        ]

    def __str__(self) -> str:
        return self.description[:60]

    def is_overdue(self, today: date) -> bool:
        return self.status == CommitmentStatus.OPEN and self.due_date < today


class Channel(models.TextChoices):
    MEETING = "meeting", "Meeting"
    CALL = "call", "Call"
    EMAIL = "email", "E-mail"
    VIDEO = "video", "Video call"
    VISIT = "visit", "Site visit"
    EVENT = "event", "Event"
    BUSINESS_REVIEW = "business_review", "Business review"
    LETTER = "letter", "Letter"
    PORTAL = "portal", "Customer portal"


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class Communication(models.Model):
    """A conversation with the customer: who, when, how, what was said, what follows."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="communications")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    occurred_at = models.DateTimeField()
    contacts = models.ManyToManyField(Contact, blank=True, related_name="communications")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField()
    follow_up = models.TextField(blank=True, default="")
    follow_up_due = models.DateField(null=True, blank=True)
    # Until this is set, a follow-up whose due date has passed is overdue.
    follow_up_done_on = models.DateField("follow-up done on", null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["account", "-occurred_at"], name="communication_recent_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"

    def follow_up_overdue(self, today: date) -> bool:
        return (
            self.follow_up_due is not None
            and self.follow_up_done_on is None
            and self.follow_up_due < today
        )


class CostKind(models.TextChoices):
    SERVICE_HOURS = "service_hours", "Service hours"
    DISCOUNT = "discount", "Discount"
    CREDIT = "credit", "Credit"
    OTHER = "other", "Other"


class CostEntry(ConstrainedModel):
    """A dated cost of serving the account, on top of its planned annual cost to serve.

    Amounts are costs (never negative) in the account's currency; service hours also
    record the hours, so a rate can be read back.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="cost_entries")
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=CostKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="GBP")
    hours = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name_plural = "cost entries"
        indexes = [models.Index(fields=["account", "date"], name="costentry_account_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="costentry_amount_non_negative",
                violation_error_message="The amount is a cost: 0 or more.",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0),
                name="costentry_hours_non_negative",
                violation_error_message="Hours cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} on {self.date}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.kind == CostKind.SERVICE_HOURS and self.hours is None:
            errors["hours"] = "Give the hours for a service-hours entry."
        account = getattr(self, "account", None) if self.account_id else None
        if account is not None and self.currency != account.currency:
            # No exchange rates are kept, so a margin can only add amounts of one currency.
            errors["currency"] = f"Use the account's currency ({account.currency})."
        if errors:
            raise ValidationError(errors)
