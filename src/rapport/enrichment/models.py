"""What text analysis derives from feedback comments: analyses, themes, labels, models, jobs.

The comment itself stays on `feedback.Response`, unchanged; everything here is derived and can
be recomputed, except what people said (labels: `ResponseTheme` rows with source "person").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.core.constraints import ConstrainedModel
from rapport.customers.models import Account
from rapport.feedback.models import Response


class Theme(models.Model):
    """One theme of the organisation's taxonomy. The slug is its identity: renaming keeps it,
    so rollups, labels and trained models survive a rename."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True, default="")
    phrases = models.JSONField(default=list, blank=True)
    exclude = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class CommentAnalysis(models.Model):
    """The analysis of one response's comment.

    `account` and `submitted_at` are the bucket the analysis was rolled up in, so a later run
    can take out exactly what it put in, even after the response moved or was deleted (then
    `response` is null until the next run removes the orphan).
    """

    response = models.OneToOneField(
        Response, null=True, on_delete=models.SET_NULL, related_name="analysis"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField()
    language = models.CharField(max_length=8)
    language_confidence = models.FloatField(default=0)
    compound = models.FloatField()
    label = models.CharField(max_length=8)  # negative | neutral | positive
    # [[start, end, compound, label], ...] spans of the original comment
    sentences = models.JSONField(default=list)
    redacted = models.TextField()
    pii_kinds = models.JSONField(default=list)  # e.g. ["EMAIL", "NAME"], never values
    themes_found = models.PositiveSmallIntegerField(default=0)
    # 0..1 from the classifier (margin); null without a classifier
    uncertainty = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=100)
    analysed_at = models.DateTimeField()
    # Who confirmed or corrected the themes (a theme label).
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    labelled_at = models.DateTimeField(null=True, blank=True)
    # The label the sentiment model in force gave; `label` is the same unless a person set the
    # sentiment (then `label` is theirs, kept across runs, and `compound` stays the model's).
    model_label = models.CharField(max_length=8, blank=True, default="")
    # 0..1, how much a sentiment label would teach: near a label boundary (VADER) or the two
    # likeliest labels nearly equally probable (trained model).
    sentiment_uncertainty = models.FloatField(null=True, blank=True)
    sentiment_labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sentiment_labelled_at = models.DateTimeField(null=True, blank=True)
    # True when the sentiment was labelled as a random pick of the labelling queue. Uncertain
    # comments are unlike the rest (mostly "good, however bad"), so only random picks show how
    # a model does on the comments as a whole; the model is judged against VADER on them.
    sentiment_sampled = models.BooleanField(default=False)
    # Uniform 0..1, drawn when analysed: random picks are the lowest keys (an index, no sort
    # of every comment).
    sample_key = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "comment analyses"
        indexes = [
            models.Index(fields=["account", "-submitted_at"], name="analysis_account_time_idx"),
            models.Index(
                fields=["-uncertainty"],
                condition=Q(labelled_at__isnull=True),
                name="analysis_unlabelled_idx",
            ),
            models.Index(
                fields=["-sentiment_uncertainty"],
                condition=Q(sentiment_labelled_at__isnull=True),
                name="analysis_sent_unlabelled_idx",
            ),
            models.Index(
                fields=["sample_key"],
                condition=Q(sentiment_labelled_at__isnull=True),
                name="analysis_sent_sample_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Analysis of response {self.response_id} ({self.label})"


class ThemeSource(models.TextChoices):
    RULE = "rule", "Taxonomy rule"
    MODEL = "model", "Classifier"
    BOTH = "both", "Rule and classifier"
    PERSON = "person", "Person"


class ResponseTheme(ConstrainedModel):
    """A theme of a comment. Rows from a person are labels: later runs never replace them."""

    analysis = models.ForeignKey(CommentAnalysis, on_delete=models.CASCADE, related_name="themes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")
    confidence = models.FloatField()
    source = models.CharField(max_length=6, choices=ThemeSource.choices)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "theme"],
                name="response_theme_unique",
                violation_error_message="This comment already has this theme.",
            ),
        ]
        indexes = [models.Index(fields=["theme", "analysis"], name="response_theme_theme_idx")]

    def __str__(self) -> str:
        return f"{self.theme_id} on analysis {self.analysis_id} ({self.source})"


class ModelKind(models.TextChoices):
    THEMES = "themes", "Theme classifier"
    SENTIMENT = "sentiment", "Sentiment model"


class TrainedModel(models.Model):
    """A trained text model (rapport.text bytes) with its cross-validated metrics.

    The newest active row of a kind is in force; older rows stay as history. A sentiment
    model is created active only when it beat VADER on the same folds (`metrics["decision"]`
    says why either way); switching back to VADER deactivates every sentiment model.
    """

    kind = models.CharField(max_length=10, choices=ModelKind.choices)
    artefact = models.BinaryField()
    # themes: {"accuracy", "macro_f1", "folds", "evaluated", "themes": {slug: {"precision", ...}}}
    # sentiment: {"accuracy", "macro_f1", "folds", "evaluated", "classes": {label: n},
    #   "vader": {"accuracy", "macro_f1"}, "per_fold": [...], "beats_vader", "decision"}
    metrics = models.JSONField(default=dict)
    themes = models.JSONField(default=list)  # slugs the classifier knows
    labels_used = models.IntegerField(default=0)
    active = models.BooleanField(default=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trained_at = models.DateTimeField()

    class Meta:
        ordering = ["-trained_at", "-pk"]
        indexes = [models.Index(fields=["kind", "-trained_at"], name="trainedmodel_current_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.trained_at:%Y-%m-%d %H:%M})"


class JobKind(models.TextChoices):
    ENRICH = "enrich", "Analyse comments"
    TRAIN = "train", "Train the theme classifier"
    TRAIN_SENTIMENT = "train_sent", "Train the sentiment model"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"


class EnrichmentJob(models.Model):
    """One background run: analysing the comments that need it, or training a model.

    Counts reconcile for enrichment: done = analysed + removed.
    """

    kind = models.CharField(max_length=10, choices=JobKind.choices, default=JobKind.ENRICH)
    reason = models.CharField(max_length=40, default="")  # import 12, api, taxonomy, model, demo
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    model_version = models.CharField(max_length=100, blank=True, default="")
    total = models.IntegerField(default=0)  # comments that needed work when the job started
    done = models.IntegerField(default=0)
    analysed = models.IntegerField(default=0)
    removed = models.IntegerField(default=0)  # analyses of deleted or emptied comments
    labels_kept = models.IntegerField(default=0)  # comments with a person's theme or sentiment
    trained_model = models.ForeignKey(
        TrainedModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} job {self.pk} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0


class ThemeRollup(ConstrainedModel):
    """Sums per account × key × period bucket. key "*" counts every analysed comment (n) and
    its sentiment (total, total_sq); a theme's slug counts the comments with that theme and
    their sentiment. Share of comments with a theme = n(theme) / n("*")."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    period = models.CharField(max_length=5)  # day | week | month
    period_start = models.DateField()
    n = models.IntegerField(default=0)
    total = models.FloatField(default=0)
    total_sq = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "key", "period", "period_start"],
                name="themerollup_bucket_unique",
                violation_error_message=(
                    "This account already has a theme rollup for this key and period."
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "period", "period_start"], name="themerollup_account_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.period} {self.period_start} account={self.account_id} n={self.n}"
