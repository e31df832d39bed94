"""Writes owned by core: teams, memberships, and the audit trail every other service writes to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils.text import slugify

from rapport.core.models import AuditAction, AuditEvent, Membership, Team, User


def record_audit(
    *,
    actor: User | None,
    action: AuditAction,
    instance: models.Model,
    changed_fields: Iterable[str] = (),
    team_id: int | None = None,
    via: str = "web",
    detail: str = "",
) -> AuditEvent:
    """Append one audit event. Field names only: values may be personal data."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        team_id=team_id,
        changed_fields=sorted(changed_fields),
        via=via,
        detail=detail[:200],
    )


def assign_changes(instance: models.Model, changes: Mapping[str, Any]) -> list[str]:
    """Set attributes that differ and return the names of those that changed."""
    changed = []
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        attname = (
            field.attname
            if isinstance(field, models.ForeignKey) and not isinstance(value, models.Model)
            else name
        )
        if getattr(instance, attname) != value:
            setattr(instance, attname, value)
            changed.append(name)
    return changed


@transaction.atomic
def create_team(*, actor: User | None, name: str, slug: str = "") -> Team:
    team = Team.objects.create(name=name, slug=slug or slugify(name))
    record_audit(
        actor=actor,
        action=AuditAction.CREATE,
        instance=team,
        team_id=team.pk,
        changed_fields=["name", "slug"],
    )
    return team


@transaction.atomic
def set_membership(*, actor: User | None, user: User, team: Team, role: str) -> Membership:
    membership, created = Membership.objects.update_or_create(
        user=user, team=team, defaults={"role": role}
    )
    record_audit(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=membership,
        team_id=team.pk,
        changed_fields=["role"],
    )
    return membership
