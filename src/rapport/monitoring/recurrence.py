"""Frequencies as RFC 5545 recurrence rules: checked, said in words, and expanded into due times.

Occurrences are expanded on the organisation's wall clock (naive local date-times) and only
then placed in its time zone, so "every month on the 1st at 09:00" stays at 09:00 local on
both sides of a daylight-saving change instead of drifting by the hour the offset moved.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as rr
from django.conf import settings
from django.core.exceptions import ValidationError

ALLOWED_FREQUENCIES = {rr.YEARLY, rr.MONTHLY, rr.WEEKLY, rr.DAILY}
_FREQ_WORDS = {rr.YEARLY: "year", rr.MONTHLY: "month", rr.WEEKLY: "week", rr.DAILY: "day"}
_DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_NTH = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


def organisation_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _clean(text: str) -> str:
    rule = text.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    return rule.upper()


def normalise(text: str, *, field: str = "recurrence") -> str:
    """The rule as stored (no "RRULE:" prefix, upper case), or a ValidationError naming the
    field and saying what is wrong in words."""
    rule = _clean(text)
    if not rule:
        raise ValidationError({field: "Give a recurrence rule, e.g. FREQ=MONTHLY;BYMONTHDAY=1."})
    if "DTSTART" in rule or "\n" in rule:
        raise ValidationError({field: "Give one RRULE line; the start is a separate field."})
    try:
        parsed = rr.rrulestr(rule, dtstart=datetime(2026, 1, 1))
    except (ValueError, TypeError) as error:
        raise ValidationError({field: f"Not a recurrence rule: {error}."}) from None
    if not isinstance(parsed, rr.rrule):
        raise ValidationError({field: "Give a single RRULE."})
    if parsed._freq not in ALLOWED_FREQUENCIES:
        raise ValidationError({field: "The frequency must be daily, weekly, monthly or yearly."})
    if next(iter(parsed), None) is None:
        raise ValidationError({field: "This rule never produces a date."})
    return rule


def _rule(rule: str, dtstart: datetime) -> rr.rrule:
    parsed = rr.rrulestr(_clean(rule), dtstart=dtstart)
    assert isinstance(parsed, rr.rrule)
    return parsed


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def describe(text: str) -> str:
    """The rule in words: "every 3 months on the 1st", "every 2 weeks on Monday"."""
    try:
        parsed = _rule(text, datetime(2026, 1, 1))
    except (ValueError, TypeError, AssertionError):
        return f"unreadable rule ({text})"
    freq = parsed._freq
    interval = parsed._interval
    unit = _FREQ_WORDS.get(freq, "period")
    head = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
    if freq == rr.DAILY and interval == 1:
        head = "every day"
    parts = [head]
    original = parsed._original_rule  # only what the rule said, not dateutil's filled defaults
    nth_weekdays = [wd for wd in original.get("byweekday") or () if getattr(wd, "n", None)]
    weekdays = original.get("byweekday") or ()
    months = original.get("bymonth") or ()
    monthdays = original.get("bymonthday") or ()
    if months:
        parts.append("in " + _join([_MONTH_NAMES[m - 1] for m in sorted(months)]))
    if monthdays:
        days = [("the last day" if d == -1 else f"the {_ordinal(d)}") for d in sorted(monthdays)]
        parts.append("on " + _join(days))
    elif nth_weekdays:
        parts.append(
            "on the "
            + _join(
                [
                    f"{_NTH.get(wd.n, _ordinal(wd.n))} {_DAY_NAMES[wd.weekday]}"
                    for wd in nth_weekdays
                ]
            )
        )
    elif weekdays:
        parts.append("on " + _join([_DAY_NAMES[wd.weekday] for wd in weekdays]))
    hours = original.get("byhour") or ()
    if hours:  # reports' own rules carry their hour; plan items have a separate due time
        minutes = original.get("byminute") or (0,)
        parts.append("at " + _join([f"{h:02d}:{m:02d}" for h in sorted(hours) for m in minutes]))
    setpos = original.get("bysetpos")
    if setpos:
        parts.append("(occurrence " + _join([str(p) for p in setpos]) + " of each period)")
    if parsed._count:
        parts.append(f"{parsed._count} times")
    if parsed._until:
        parts.append(f"until {parsed._until:%-d %B %Y}")
    return " ".join(parts)


def occurrences(
    text: str,
    *,
    starts_on: date,
    due_time: time,
    after: datetime,
    before: datetime,
    zone: ZoneInfo | None = None,
) -> list[datetime]:
    """Aware due times in [after, before) of a rule started on `starts_on` at local
    `due_time`, expanded on the wall clock of `zone` (the organisation's by default)."""
    zone = zone or organisation_zone()
    start = datetime.combine(starts_on, due_time)
    parsed = _rule(text, start)
    # Search on the wall clock, a day wider on each side: the offset is at most a few hours.
    local_after = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    local_before = before.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    result = []
    for local in parsed.between(local_after, local_before, inc=True):
        # A wall time inside the spring gap does not exist; going through UTC moves it on
        # by the gap, as a clock would. An ambiguous autumn time takes its first (fold 0).
        aware = local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).astimezone(zone)
        if after <= aware < before:
            result.append(aware)
    return result
