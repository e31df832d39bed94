"""When a definition runs next: its own RRULE read in the organisation's time zone (so "07:00
on the 1st" stays 07:00 across daylight-saving changes), or the account's monitoring plan."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.conf import settings
from django.utils import timezone

MAX_RULE_LENGTH = 300


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def check_rule(rule: str) -> None:
    """ValueError with the parser's words when the RRULE cannot be read."""
    if not rule.strip():
        raise ValueError("give a recurrence rule, e.g. FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7")
    if "DTSTART" in rule.upper():
        raise ValueError("leave DTSTART out: a rule starts from the definition's creation")
    try:
        rrulestr(rule, dtstart=datetime(2026, 1, 1))
    except (ValueError, TypeError) as error:
        raise ValueError(f"not a recurrence rule this system reads: {error}") from None


def next_occurrence(
    rule: str, *, anchor: datetime, after: datetime | None = None
) -> datetime | None:
    """The first occurrence of `rule` strictly after `after` (now), as an aware moment. The
    rule runs in local wall-clock time from local midnight of the anchor's day."""
    zone = _zone()
    after = after or timezone.now()
    start = datetime.combine(timezone.localtime(anchor, zone).date(), time(0))
    local_after = timezone.localtime(after, zone).replace(tzinfo=None)
    found = rrulestr(rule, dtstart=start).after(local_after)
    if found is None:
        return None
    return found.replace(tzinfo=zone)
