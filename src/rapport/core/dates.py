"""Local calendar days as aware datetimes, so date windows filter on the indexed timestamp.

Filtering with `submitted_at__date` applies a function to the column and cannot use its index;
these bounds can. Days are those of the current time zone (settings.TIME_ZONE by default).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def local_midnight(day: date) -> datetime:
    """The first instant of `day` in the current time zone."""
    return datetime.combine(day, time.min, timezone.get_current_timezone())


def local_days(start: date, end: date) -> tuple[datetime, datetime]:
    """[since, until) covering the local days `start` to `end` inclusive."""
    return local_midnight(start), local_midnight(end + timedelta(days=1))
