"""Database constraints as human messages on a field, for forms and services alike.

Every constraint carries a `violation_error_message` written for people. Django keys a
violation by its field only for a plain one-field unique constraint; a condition's or a
check's goes on the whole form. Models with constraints derive from `ConstrainedModel`, whose
validation puts each message on the field the constraint is about, so `full_clean()` (called by
ModelForms and by core.services on every write) gives the same field error on the web and as
the API's 422.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
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


def message_field(model: type[models.Model], constraint: models.BaseConstraint) -> str | None:
    """The field a violation is shown on: the first the constraint names, preferring a value
    over a link (an account or team is the scope of a unique id, not what to change)."""
    names = constraint_fields(constraint)
    values = [n for n in names if not model._meta.get_field(n).is_relation]
    preferred = values or names
    return preferred[0] if preferred else None


class ConstrainedModel(models.Model):
    """Base of every model with constraints: a violation is an error on its field."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        errors: dict[str, list[ValidationError]] = {}
        using = router.db_for_write(type(self), instance=self)
        excluded = set(exclude or ())
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=excluded, using=using)
                except ValidationError as error:
                    field = message_field(model_class, constraint) or NON_FIELD_ERRORS
                    errors.setdefault(field, []).append(error)
        if errors:
            raise ValidationError(errors)
