"""Database constraints as human messages on a field, for forms and services alike.

Every constraint carries a `violation_error_message` written for people. Django shows a
condition's or a check's violation as an error on the whole form; here it goes on the field
the constraint is about, so the person sees it beside the value to change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q


def _names_in(node: Any) -> Iterator[str]:
    """Field names a condition refers to, in the order written."""
    if isinstance(node, Q):
        for child in node.children:
            if isinstance(child, tuple):
                lookup, value = child
                yield lookup.split("__")[0]
                yield from _names_in(value)
            else:
                yield from _names_in(child)
    elif isinstance(node, F):
        yield str(node.name).split("__")[0]  # type: ignore[attr-defined]


def constraint_fields(constraint: models.BaseConstraint) -> list[str]:
    """The fields a constraint names (unique fields, then those of its condition)."""
    names = [*getattr(constraint, "fields", ()), *_names_in(getattr(constraint, "condition", None))]
    return list(dict.fromkeys(names))


def message_field(
    model: type[models.Model],
    constraint: models.BaseConstraint,
    editable: Collection[str] | None = None,
) -> str | None:
    """The field a violation is shown on: the first the person can change (of `editable`, when
    given), preferring a value over a link (an account or team is the scope, not the cause)."""
    names = [n for n in constraint_fields(constraint) if editable is None or n in editable]
    values = [n for n in names if not model._meta.get_field(n).is_relation]
    preferred = values or names
    return preferred[0] if preferred else None


def constraint_errors(
    instance: models.Model,
    *,
    exclude: Collection[str] = (),
    editable: Collection[str] | None = None,
) -> dict[str, list[ValidationError]]:
    """Each violated constraint's message keyed by its field (NON_FIELD_ERRORS when none)."""
    errors: dict[str, list[ValidationError]] = {}
    model = type(instance)
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            try:
                constraint.validate(model_class, instance, exclude=set(exclude))
            except ValidationError as error:
                field = message_field(model, constraint, editable) or "__all__"
                errors.setdefault(field, []).append(error)
    return errors


def full_clean(instance: models.Model) -> None:
    """instance.full_clean(), with constraint violations on their fields."""
    instance.full_clean(validate_constraints=False)
    errors = constraint_errors(instance)
    if errors:
        raise ValidationError(errors)


class ConstraintMessagesOnFields:
    """ModelForm mixin: a violated constraint's message goes on the field it is about."""

    def validate_constraints(self) -> None:
        form: Any = self
        errors = constraint_errors(
            form.instance, exclude=form._get_validation_exclusions(), editable=form.fields
        )
        if errors:
            form._update_errors(ValidationError(errors))
