"""Writes owned by core: teams, memberships, and the audit trail every other service writes to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.text import slugify

from rapport.core.access import Actor
from rapport.core.models import AuditAction, AuditEvent, Membership, Team, User


def record_audit(
    *,
    actor: Actor | None,
    action: AuditAction,
    instance: models.Model,
    changed_fields: Iterable[str] = (),
    team_id: int | None = None,
    via: str = "web",
    detail: str = "",
) -> AuditEvent:
    """Append one audit event. Field names only: values may be personal data."""
    known = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=known,
        actor_name=known.get_username() if known is not None else "",
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


def reload_stored(instance: models.Model, names: Iterable[str]) -> None:
    """Set these fields of the instance back to the values stored in the database.

    A ModelForm writes the posted values into its instance while it validates; compared with
    that instance, no change would show and nothing would be saved or audited."""
    fields = [instance._meta.get_field(name) for name in names]
    stored = [f.name for f in fields if f.concrete and not f.many_to_many]
    if stored and instance.pk is not None:
        instance.refresh_from_db(fields=stored)


def require_member(*, fields: Mapping[str, Any], name: str, team_id: int) -> None:
    """The person `fields` give as `name` (a User, or an id as `<name>_id`), if any, must be an
    active member of the team that owns the object; otherwise a ValidationError naming `name`.
    Every path (web form, API, admin-free service calls) goes through the services, so the
    rule holds everywhere; the message does not tell whether the user exists elsewhere."""
    value = fields[name] if name in fields else fields.get(f"{name}_id")
    if value is None:
        return
    user_id = value.pk if isinstance(value, models.Model) else value
    if not Membership.objects.filter(
        team_id=team_id, user_id=user_id, user__is_active=True
    ).exists():
        raise ValidationError({name: "must be an active member of the team that owns this"})


@transaction.atomic
def create_team(*, actor: Actor | None, name: str, slug: str = "") -> Team:
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
def set_membership(*, actor: Actor | None, user: User, team: Team, role: str) -> Membership:
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


@transaction.atomic
def change_password(*, actor: User, new_password: str, via: str = "web") -> None:
    """Set the actor's own password (the form checked the old one and the validators) and
    record it; the event names the field, never a value."""
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    record_audit(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=actor,
        changed_fields=["password"],
        via=via,
        detail="password changed",
    )


_M = TypeVar("_M", bound=models.Model)


def create_audited(
    *,
    actor: Actor | None,
    model: type[_M],
    fields: Mapping[str, Any],
    team_id: int | None,
    via: str = "web",
) -> _M:
    """Create a row and its audit event (caller holds the transaction and checked access)."""
    instance = model(**fields)
    instance.full_clean()
    instance.save()
    record_audit(
        actor=actor,
        action=AuditAction.CREATE,
        instance=instance,
        changed_fields=fields.keys(),
        team_id=team_id,
        via=via,
    )
    return instance


def update_audited(
    *,
    actor: Actor | None,
    instance: _M,
    changes: Mapping[str, Any],
    team_id: int | None,
    via: str = "web",
) -> list[str]:
    """Apply the changes that differ from the stored row, validate, save, audit; returns the
    changed field names."""
    reload_stored(instance, changes)
    changed = assign_changes(instance, changes)
    if changed:
        instance.full_clean()
        instance.save()
        record_audit(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=instance,
            changed_fields=changed,
            team_id=team_id,
            via=via,
        )
    return changed


def delete_audited(
    *, actor: Actor | None, instance: models.Model, team_id: int | None, via: str = "web"
) -> None:
    record_audit(
        actor=actor, action=AuditAction.DELETE, instance=instance, team_id=team_id, via=via
    )
    instance.delete()
