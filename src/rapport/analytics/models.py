"""Pre-aggregated metric sums that every page, API call and report reads instead of raw rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rapport.customers.models import Account


class Period(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class MetricRollup(models.Model):
    """Sufficient statistics for one account × metric × period bucket.

    n, total and total_sq give means with t-intervals; promoters/passives/detractors give NPS
    with its interval; top2 gives top-2-box proportions with Wilson intervals. All are sums, so
    buckets add up exactly across accounts, teams and longer periods.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
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
                fields=["account", "metric", "period", "period_start"], name="rollup_bucket_unique"
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


class AccountSnapshot(models.Model):
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
                fields=["account", "metric"], name="snapshot_account_metric_unique"
            ),
        ]
        indexes = [models.Index(fields=["metric", "value"], name="snapshot_metric_value_idx")]

    def __str__(self) -> str:
        return f"{self.metric} for account {self.account_id} as of {self.as_of}"


class ControlLimitSet(models.Model):
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
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.metric} limits for account {self.account_id} "
            f"({self.baseline_start}–{self.baseline_end})"
        )
