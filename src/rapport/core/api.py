"""Conventions every app router follows: errors and row-error shapes.

Pagination is ninja's PageNumberPagination (?page=N&page_size=M, default 50, at most 500),
configured in settings; every list endpoint uses @paginate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Schema
from ninja.errors import HttpError

T = TypeVar("T")


class Message(Schema):
    detail: str


class RowErrorOut(Schema):
    row: int
    column: str
    value: str
    reason: str


def _validation_error(error: ValidationError | ValueError) -> HttpError:
    if isinstance(error, ValidationError) and hasattr(error, "message_dict"):
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    else:
        detail = str(error.messages[0] if isinstance(error, ValidationError) else error)
    return HttpError(422, detail)


def call_service(call: Callable[[], T]) -> T:
    """Run a service call, turning validation and permission errors into API errors."""
    try:
        return call()
    except (ValidationError, ValueError) as error:
        raise _validation_error(error) from None
    except PermissionDenied as error:
        raise HttpError(403, str(error) or "Not allowed.") from None
