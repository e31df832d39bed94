"""Conventions every app router follows: errors and row-error shapes.

Pagination is ninja's PageNumberPagination (?page=N&page_size=M, default 50, at most 500),
configured in settings; every list endpoint uses @paginate.
"""

from __future__ import annotations

from ninja import Schema


class Message(Schema):
    detail: str


class RowErrorOut(Schema):
    row: int
    column: str
    value: str
    reason: str
