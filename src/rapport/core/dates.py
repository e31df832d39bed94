"""Local calendar days as aware datetimes, so date windows filter on the indexed timestamp.

Filtering with `submitted_at__date` applies a function to the column and cannot use its index;
these bounds can. Days are those of the current time zone (settings.TIME_ZONE by default).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def local_midnight(day: date) -> datetime:
    """The first instant of `day` in the current time zone."""
    return datetime.combine(day, time.min, timezone.get_current_timezone())


def local_days(start: date, end: date) -> tuple[datetime, datetime]:
    """[since, until) covering the local days `start` to `end` inclusive."""
    return local_midnight(start), local_midnight(end + timedelta(days=1))


@cache
def organisation_zone() -> ZoneInfo:
    """settings.TIME_ZONE: the zone whose days, weeks and months rollups count in."""
    return ZoneInfo(settings.TIME_ZONE)


def bucket_starts(moment: datetime) -> tuple[date, date, date]:
    """Day, ISO week (Monday) and month buckets of a moment, in the organisation's time zone."""
    day = moment.astimezone(organisation_zone()).date()
    return day, day - timedelta(days=day.weekday()), day.replace(day=1)
