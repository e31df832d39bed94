"""Pre-aggregated metric sums that every page, API call and report reads instead of raw rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rapport.core.constraints import ConstrainedModel
from rapport.core.models import Team
from rapport.customers.models import Account


class Period(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class MetricRollup(ConstrainedModel):
    """Sufficient statistics for one account × metric × period bucket.

    n, total and total_sq give means with t-intervals; promoters/passives/detractors give NPS
    with its interval; top2 gives top-2-box proportions with Wilson intervals. All are sums, so
    buckets add up exactly across accounts, teams and longer periods.
    """

    # No index of its own: the unique bucket key starts with the account, and every import
    # writes a bucket index entry for about every row.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    metric = models.CharField(max_length=64)
    period = models.CharField(max_length=5, choices=Period.choices)
    period_start = models.DateField()
    n = models.IntegerField(default=0)
    total = models.FloatField(default=0)
    total_sq = models.FloatField(default=0)
    promoters = models.IntegerField(default=0)
    passives = models.IntegerField(default=0)
    detractors = models.IntegerField(default=0)
    top2 = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "metric", "period", "period_start"],
                name="rollup_bucket_unique",
                violation_error_message=(
                    "This account already has a rollup for this metric and period."
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["metric", "period", "period_start"], name="rollup_metric_period_idx"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.metric} {self.period} {self.period_start} account={self.account_id} n={self.n}"
        )


class AccountSnapshot(ConstrainedModel):
    """Per account and metric: the last 90 days against the 90 before, plus a 12-month trend.

    Rebuilt from day/month rollups for the accounts an import touched and for all accounts
    once a day (the window moves), so the portfolio can sort and page on these figures.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="snapshots")
    metric = models.CharField(max_length=64)
    as_of = models.DateField()
    current = models.JSONField(default=dict)
    previous = models.JSONField(default=dict)
    value = models.FloatField(null=True, blank=True)  # the current estimate, for sorting
    monthly = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "metric"],
                name="snapshot_account_metric_unique",
                violation_error_message="This account already has a snapshot of this metric.",
            ),
        ]
        indexes = [models.Index(fields=["metric", "value"], name="snapshot_metric_value_idx")]

    def __str__(self) -> str:
        return f"{self.metric} for account {self.account_id} as of {self.as_of}"


class ControlLimitSet(ConstrainedModel):
    """Phase I control limits agreed for one account's metric, reused to judge later periods.

    Rows are never edited: agreeing a new baseline adds a row and the newest one is in force,
    so the history of limits stays readable next to the audit trail.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=64)
    chart = models.CharField(max_length=12)  # stats.spc.ChartKind
    # ControlLimits.to_dict(): centre, sigma, subgroup size, number of baseline points, k.
    limits = models.JSONField()
    baseline_start = models.DateField()
    baseline_end = models.DateField()
    # The subgroup period the baseline points were taken in, and the responses they held.
    period = models.CharField(max_length=5, choices=Period.choices)
    baseline_responses = models.IntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "metric", "-created_at"], name="limitset_current_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(baseline_start__lte=models.F("baseline_end")),
                name="limitset_baseline_ordered",
                violation_error_message="The baseline must not end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.metric} limits for account {self.account_id} "
            f"({self.baseline_start}–{self.baseline_end})"
        )


class HealthWeights(ConstrainedModel):
    """How one team weighs the health components, and where its bands start.

    Weights are keyed by component (analytics.health.COMPONENTS), so a component added later
    (complaints, QA) needs no migration: until it is weighed here it gets its default weight.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="health_weights")
    weights = models.JSONField(default=dict)
    green_from = models.PositiveSmallIntegerField(default=70)
    amber_from = models.PositiveSmallIntegerField(default=50)
    renewal_days = models.PositiveSmallIntegerField(default=90)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "health weights"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amber_from__lt=models.F("green_from"), green_from__lte=100),
                name="healthweights_bands_ordered",
                violation_error_message="Amber must start below green, and green at 100 or below.",
            ),
        ]

    def __str__(self) -> str:
        return f"Health weights of {self.team}"


class AccountHealth(models.Model):
    """The latest health score of an account with its components and risk reasons.

    Rebuilt by analytics.health_services.refresh_health (daily and for accounts an import
    touched), so the portfolio heatmap and risk list page on it in a fixed number of queries.
    `baseline` remembers the component scores of the first refresh of each recent month;
    "a falling component" is measured against the newest of them at least 28 days old
    (its date in `baseline_as_of`).
    """

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="health")
    as_of = models.DateField()
    score = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=5, blank=True, default="")  # green | amber | red | ""
    components = models.JSONField(default=list)
    risks = models.JSONField(default=list)
    risk_count = models.PositiveSmallIntegerField(default=0)
    # ",code,code," of the reasons, so the risk list can filter by reason on any database.
    risk_codes = models.CharField(max_length=200, blank=True, default="")
    baseline = models.JSONField(default=dict)  # {"history": [{"as_of", "scores": {key: score}}]}
    baseline_as_of = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "account health"
        indexes = [
            models.Index(fields=["band", "score"], name="health_band_score_idx"),
            models.Index(fields=["risk_count", "score"], name="health_risk_idx"),
        ]

    def __str__(self) -> str:
        return f"Health of account {self.account_id} as of {self.as_of}: {self.score}"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    RUNNING = "running", "Running"
    DECLINED = "declined", "Declined"


class LoyaltyProposal(models.Model):
    """A proposed long-term relationship programme for a segment of one team's accounts."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # analytics.customer_types.SegmentDefinition.as_dict(): tiers, value bands, health bands,
    # loyalty classes; an empty list means "any".
    segment = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["team", "status"], name="loyalty_team_status_idx")]

    def __str__(self) -> str:
        return self.title
