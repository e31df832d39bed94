"""Rules over the relationship's data, the alerts they open, and the evaluations that ran them.

A rule is global (every account), a team's, or a plan version's (the account the plan is for);
for each kind, the most specific rules that reach an account are the ones applied to it
(decision 121). An alert is one rule's finding about one account; while it is open a second
finding with the same `dedupe_key` only refreshes it (a partial unique constraint holds that
even against two workers evaluating at once).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.actions.models import Action, Severity
from rapport.core.claims import DueWork
from rapport.core.constraints import ConstrainedModel
from rapport.core.models import Team
from rapport.customers.models import Account
from rapport.monitoring.models import PlanVersion


class RuleScope(models.TextChoices):
    GLOBAL = "global", "Global"
    TEAM = "team", "Team"
    PLAN = "plan", "Plan"


class RuleKind(models.TextChoices):
    TARGET_BREACHED = "target_breached", "KPI outside its target band"
    CONTROL_RULE_BROKEN = "control_rule_broken", "Control rule broken"
    SIGNIFICANT_TREND = "significant_trend", "Significant worsening trend"
    COMPLAINTS = "complaints", "Complaints above a threshold"
    DECISION_MAKER_DETRACTOR = "decision_maker_detractor", "Decision maker is a detractor"
    DECISION_MAKER_SILENT = "decision_maker_silent", "No contact with a decision maker"
    COMMITMENT_OVERDUE = "commitment_overdue", "Commitment overdue"
    EXPECTATION_NOT_MET = "expectation_not_met", "Expectation not met"
    RENEWAL_HEALTH_FALLING = "renewal_health_falling", "Renewal near with health falling"


class Rule(ConstrainedModel):
    name = models.CharField(max_length=200)
    scope = models.CharField(max_length=10, choices=RuleScope.choices, default=RuleScope.TEAM)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules"
    )
    plan_version = models.ForeignKey(
        PlanVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules"
    )
    kind = models.CharField(max_length=30, choices=RuleKind.choices)
    # Validated per kind by alerts.kinds (the API and the form give the same 422 / field error).
    params = models.JSONField(default=dict, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    active = models.BooleanField(default=True)
    # Installed by the migration that creates the default rules: shown as such on the page.
    is_default = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name", "pk"]
        indexes = [models.Index(fields=["active", "scope", "kind"], name="rule_active_scope_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope=RuleScope.GLOBAL, team__isnull=True, plan_version__isnull=True)
                    | Q(scope=RuleScope.TEAM, team__isnull=False, plan_version__isnull=True)
                    | Q(scope=RuleScope.PLAN, team__isnull=False, plan_version__isnull=False)
                ),
                name="rule_scope_consistent",
                violation_error_message=(
                    "A global rule has no team or plan; a team rule names its team; a plan "
                    "rule names its plan version and that plan's team."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_text(self) -> str:
        if self.scope == RuleScope.GLOBAL:
            return "All teams"
        if self.scope == RuleScope.PLAN:
            return f"Plan version {self.plan_version_id}"
        return str(self.team)


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Alert(ConstrainedModel):
    """What a rule found about one account: observed against expected, with a link to the data."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="alerts")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="alerts")
    # The account's team when the alert opened: inbox filters and scoping need no join.
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=RuleKind.choices)  # the rule's, copied
    severity = models.CharField(max_length=10, choices=Severity.choices)
    # What in the account the finding is about (a metric, a commitment, a contact, …).
    subject = models.CharField(max_length=100, blank=True, default="")
    title = models.CharField(max_length=300)
    observed = models.TextField()
    expected = models.TextField()
    link = models.CharField(max_length=500, blank=True, default="")
    link_text = models.CharField(max_length=200, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    dedupe_key = models.CharField(max_length=200)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # True when an evaluation found the condition gone; False when a person closed it.
    cleared = models.BooleanField(default=False)
    close_reason = models.TextField(blank=True, default="")
    # Closed by a person while the condition still held: the same finding is not raised again
    # until an evaluation finds the condition gone (then this turns False).
    holds_off = models.BooleanField(default=False)
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status=AlertStatus.OPEN),
                name="alert_open_dedupe_unique",
                violation_error_message="An alert for this finding is already open.",
            ),
            models.CheckConstraint(
                condition=Q(status=AlertStatus.OPEN, closed_at__isnull=True)
                | Q(status=AlertStatus.CLOSED, closed_at__isnull=False),
                name="alert_closed_has_time",
                violation_error_message="A closed alert has the time it closed; an open one not.",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status", "-opened_at"], name="alert_team_status_idx"),
            models.Index(fields=["account", "status"], name="alert_account_status_idx"),
            models.Index(fields=["rule", "status"], name="alert_rule_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class AlertEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    ACTION = "action", "Action opened"
    CLEARED = "cleared", "Condition cleared"
    CLOSED = "closed", "Closed by a person"


class AlertEvent(models.Model):
    """The alert's history as its page shows it (the audit trail keeps the writes too)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=AlertEventKind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class EvaluationTrigger(models.TextChoices):
    IMPORT = "import", "After an import"
    CHANGE = "change", "After responses were written"
    DAILY = "daily", "Daily"
    MANUAL = "manual", "Run by a person"


class Evaluation(models.Model):
    """One run of the rules over some accounts: when, over what, what it did, how long."""

    trigger = models.CharField(max_length=10, choices=EvaluationTrigger.choices)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    import_job_id = models.IntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    duration_ms = models.FloatField(default=0)
    accounts = models.IntegerField(default=0)
    # The first accounts evaluated, for the record (an import may touch thousands).
    account_ids = models.JSONField(default=list, blank=True)
    rules = models.IntegerField(default=0)
    opened = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    refreshed = models.IntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["-started_at"], name="evaluation_started_idx")]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} evaluation of {self.accounts} accounts"


class DailyEvaluation(DueWork):
    """Per team, when the rules next run over all its accounts: 06:00 local time each day."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="daily_evaluation")
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_due_at"], name="dailyeval_due_idx")]

    def __str__(self) -> str:
        return f"Daily evaluation of {self.team}"
