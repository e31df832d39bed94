"""Improvement actions and what follows them: escalation, closing the loop with the customer,
people's ideas, team action plans and personal improvement plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.core.claims import DueWork
from rapport.core.constraints import ConstrainedModel
from rapport.core.models import Team
from rapport.customers.models import Account, Channel, Communication, Contact


class Severity(models.TextChoices):
    """Shared with alerts and agreements (the contract): the due date follows from it."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.CANCELLED)


class SourceKind(models.TextChoices):
    ALERT = "alert", "Alert"
    THEME = "theme", "Theme"
    SWOT = "swot", "SWOT line"
    IDEA = "idea", "Idea"
    EXPECTATION_REVIEW = "expectation_review", "Expectation review"
    INCIDENT = "incident", "Incident"
    MANUAL = "manual", "Manual"


class TeamActionPlan(ConstrainedModel):
    """Agreed actions of a team grouped under an objective for a period."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="action_plans")
    title = models.CharField(max_length=200)
    objective = models.TextField()
    period_start = models.DateField()
    period_end = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        indexes = [models.Index(fields=["team", "-period_start"], name="actionplan_team_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="actionplan_period_order",
                violation_error_message="The period ends before it starts.",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Action(DueWork, ConstrainedModel):
    """An improvement action: who does what by when, and the metric it is meant to move.

    `next_due_at` is when the escalation check is next due (the end of the due day in the
    organisation's time zone, then the second level); None once closed or fully escalated.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="actions")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    plan = models.ForeignKey(
        TeamActionPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_actions"
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    source_kind = models.CharField(
        max_length=20, choices=SourceKind.choices, default=SourceKind.MANUAL
    )
    source_ref = models.CharField(max_length=200, blank=True, default="")
    source_url = models.CharField(max_length=500, blank=True, default="")
    metric = models.CharField(max_length=64, blank=True, default="")
    # The metric when the action was opened: window, sums and estimate with its interval.
    baseline = models.JSONField(default=dict, blank=True)
    outcome = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The local day it closed: "on time" is closed_on <= due_on, compared in SQL.
    closed_on = models.DateField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["team", "status", "due_on"], name="action_team_status_idx"),
            models.Index(fields=["owner", "status", "due_on"], name="action_owner_status_idx"),
            models.Index(fields=["account", "status"], name="action_account_status_idx"),
            models.Index(fields=["source_kind", "source_ref"], name="action_source_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ActionStatus.DONE) | ~Q(outcome=""),
                name="action_done_has_outcome",
                violation_error_message="Say what was done: a done action needs an outcome note.",
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=2),
                name="action_escalation_level_range",
                violation_error_message="Escalation goes up to level 2.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ActionEvent(models.Model):
    """The action's history as people read it (the audit trail keeps field names only)."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        STATUS = "status", "Status changed"
        CHANGED = "changed", "Changed"
        ESCALATED = "escalated", "Escalated"
        LOOP_CLOSED = "loop_closed", "Customer told"
        NOTE = "note", "Note"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"


class Escalation(ConstrainedModel):
    """An overdue action brought to someone above its owner: one row per level and person."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="escalations")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="escalations_received"
    )
    at = models.DateTimeField()
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["to_user", "-at"], name="escalation_to_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "level", "to_user"],
                name="escalation_once_per_level",
                violation_error_message="This action was already escalated to this person.",
            )
        ]

    def __str__(self) -> str:
        return f"level {self.level} to {self.to_user} ({self.at:%Y-%m-%d})"


class LoopClosure(models.Model):
    """The customer was told what changed: what, when, by whom, through which channel, to whom.

    Its communication is the same conversation in the account's relationship history."""

    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="loop_closure")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="loop_closures")
    told_what = models.TextField()
    told_at = models.DateTimeField()
    told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    contacts = models.ManyToManyField(Contact, blank=True, related_name="loop_closures")
    communication = models.ForeignKey(
        Communication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-told_at", "-pk"]
        indexes = [models.Index(fields=["team", "-told_at"], name="loopclosure_team_idx")]

    def __str__(self) -> str:
        return f"{self.account} told {self.told_at:%Y-%m-%d}"


class IdeaStatus(models.TextChoices):
    NEW = "new", "New"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Idea(ConstrainedModel):
    """Anyone's idea for improving service; a manager accepts it (an action) or declines it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="ideas")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    text = models.TextField()
    metric = models.CharField(max_length=64, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=IdeaStatus.choices, default=IdeaStatus.NEW)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True, default="")
    action = models.OneToOneField(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="idea"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["team", "status", "-created_at"], name="idea_team_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=IdeaStatus.DECLINED) | ~Q(decline_reason=""),
                name="idea_declined_has_reason",
                violation_error_message="Give the reason the idea is declined.",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class PersonalPlan(ConstrainedModel):
    """Goals a person agrees with their manager; both sign. Confidential: the person, their
    manager and administrators only."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="personal_plans")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_plans"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="managed_plans"
    )
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    person_agreed_at = models.DateTimeField(null=True, blank=True)
    manager_agreed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        indexes = [
            models.Index(fields=["person", "-period_start"], name="personalplan_person_idx"),
            models.Index(fields=["manager", "-period_start"], name="personalplan_manager_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="personalplan_period_order",
                violation_error_message="The period ends before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(person=models.F("manager")),
                name="personalplan_manager_not_person",
                violation_error_message="A person's manager is someone else.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def agreed(self) -> bool:
        return self.person_agreed_at is not None and self.manager_agreed_at is not None


class GoalStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"


class PersonalGoal(models.Model):
    plan = models.ForeignKey(PersonalPlan, on_delete=models.CASCADE, related_name="goals")
    goal = models.TextField()
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    achieved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.goal[:60]


class PlanReview(models.Model):
    """A review of a personal plan's progress, written by the person or their manager."""

    plan = models.ForeignKey(PersonalPlan, on_delete=models.CASCADE, related_name="reviews")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"review {self.at:%Y-%m-%d}"
