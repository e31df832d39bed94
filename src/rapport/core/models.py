"""Users, teams, memberships with roles, and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from rapport.core.constraints import ConstrainedModel


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    MANAGER = "manager", "Manager"
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    QA_EVALUATOR = "qa_evaluator", "QA evaluator"
    AGENT = "agent", "Agent"
    ANALYST = "analyst", "Analyst"


class User(AbstractUser):
    """A person who signs in. Roles are held per team through Membership."""

    class Meta:
        db_table = "core_user"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(ConstrainedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    # Whom this person's overdue actions escalate to in this team (actions); when empty, the
    # team's members with the Manager role.
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_memberships",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "team"],
                name="membership_one_role_per_team",
                violation_error_message="This user already has a role in this team.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.team}"


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    IMPORT = "import", "Import"


class AuditEvent(models.Model):
    """Who changed what, when and through which channel.

    Only field names are stored, never their values, so the trail itself holds no personal data.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's username as it was when they acted: the event keeps who did it after the
    # user is deleted (which empties `actor`).
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_fields = models.JSONField(default=list, blank=True)
    via = models.CharField(max_length=20, default="web")
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class WorkerBeat(models.Model):
    """A worker process's last sign of life, written every few seconds by a thread of its own
    (see core.workers): a task's row names its worker, so a killed one is found in seconds."""

    worker_id = models.CharField(max_length=100, unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} (seen {self.beat_at:%H:%M:%S})"
