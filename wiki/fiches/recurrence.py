"""Repetitions of an event: the start times an RRULE gives, on the event's naive local clock.

dateutil reads the rules; two shortcuts keep a busy agenda fast without changing a date: a rule
that does not depend on counting from the first date is fast-forwarded to the window asked for,
and plain daily or weekly rules (a weekly market) are expanded by adding days (the tests compare
both with dateutil).
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

if TYPE_CHECKING:
    from .agenda import Event

MAX_STEPS = 20_000                   # repetitions examined per event and call, whatever the rule
_UNTIL_DAY = re.compile(r"(^|;)UNTIL=(\d{8})(?=;|$)")


def local_rule(event: Event) -> str:
    """The RRULE as dateutil must read it on the naive local clock: a day-only UNTIL (what the
    form stores) includes that whole day, also for an event at 18:00 (dateutil would stop at
    00:00 and lose the last market)."""
    if event.all_day:
        return event.rule
    return _UNTIL_DAY.sub(lambda m: f"{m.group(1)}UNTIL={m.group(2)}T235959", event.rule)


def _until(text: str) -> datetime | None:
    try:
        return datetime.strptime(text[:15], "%Y%m%dT%H%M%S" if "T" in text else "%Y%m%d")
    except ValueError:
        return None


def _fast_forward(event: Event, rule: str, lower: datetime) -> datetime:
    """A later start that repeats exactly like `event.start` but skips the periods before
    `lower`: an event repeating daily since 1990 is not walked day by day on every request.
    Only for rules whose dates do not depend on being counted from the first one."""
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    until = _until(parts.get("UNTIL", ""))
    if until is not None:            # never jump past the last occurrence
        lower = min(lower, until)
    if "COUNT" in parts or "BYSETPOS" in parts or lower <= event.start:
        return event.start
    try:
        interval = max(1, int(parts.get("INTERVAL", "1")))
    except ValueError:
        return event.start
    freq, start = parts.get("FREQ"), event.start
    if freq in ("DAILY", "WEEKLY"):
        step = timedelta(days=interval * (7 if freq == "WEEKLY" else 1))
        periods = (lower - start) // step - 1
        return start + step * periods if periods > 0 else start
    if freq == "MONTHLY" and start.day <= 28:
        months = (lower.year - start.year) * 12 + lower.month - start.month
        periods = months // interval - 1
        return start + relativedelta(months=periods * interval) if periods > 0 else start
    if freq == "YEARLY" and (start.month, start.day) != (2, 29):
        periods = (lower.year - start.year) // interval - 1
        return start + relativedelta(years=periods * interval) if periods > 0 else start
    return start


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_NTH_WEEKDAY = re.compile(r"^([+-]?[1-5])(MO|TU|WE|TH|FR|SA|SU)$")
_LOCAL_UNTIL = re.compile(r"^\d{8}(T\d{6})?$")


def fast_dates(rule: str, begin: datetime):
    """The dates of the two most common rules, computed directly, as dateutil gives them on the
    naive local clock: every few days or weeks (a weekly market: FREQ=WEEKLY, maybe INTERVAL,
    BYDAY its own weekday) and the nth weekday of the month (a repair café on the first Saturday:
    FREQ=MONTHLY;BYDAY=1SA), with a local UNTIL. None for any other rule (dateutil then): a busy
    agenda month spent most of its time in dateutil's general machinery for these two."""
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    interval, until = parts.get("INTERVAL", "1"), parts.get("UNTIL", "")
    if not set(parts) <= {"FREQ", "INTERVAL", "UNTIL", "BYDAY"} or not interval.isascii() \
            or not interval.isdigit() or int(interval) < 1 or (until and not _LOCAL_UNTIL.match(until)):
        return None
    last = _until(until) if until else datetime.max
    if last is None:
        return None
    if parts.get("FREQ") in ("DAILY", "WEEKLY"):
        if "BYDAY" in parts and (parts["FREQ"] != "WEEKLY" or parts["BYDAY"] != _WEEKDAYS[begin.weekday()]):
            return None
        days = int(interval) * (7 if parts["FREQ"] == "WEEKLY" else 1)
        return _every(begin, timedelta(days=days), last)
    nth = _NTH_WEEKDAY.match(parts.get("BYDAY", ""))
    if parts.get("FREQ") == "MONTHLY" and nth:
        return _monthly(begin, int(nth.group(1)), _WEEKDAYS.index(nth.group(2)), int(interval), last)
    return None


def _every(moment: datetime, step: timedelta, last: datetime):
    while moment <= last:
        yield moment
        try:
            moment += step
        except OverflowError:
            return


def _monthly(begin: datetime, n: int, weekday: int, interval: int, last: datetime):
    """The nth (or, negative, nth from the end) `weekday` of every `interval` months from
    `begin`'s month, at `begin`'s time; months without one (a fifth Saturday) are skipped."""
    year, month = begin.year, begin.month
    while year <= 9999:
        length = calendar.monthrange(year, month)[1]
        if n > 0:
            day = 1 + (weekday - date(year, month, 1).weekday()) % 7 + 7 * (n - 1)
        else:
            day = length - (date(year, month, length).weekday() - weekday) % 7 - 7 * (-n - 1)
        if 1 <= day <= length:
            moment = datetime.combine(date(year, month, day), begin.time())
            if moment > last:
                return
            if moment >= begin:
                yield moment
        month += interval
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1


def starts_of(event: Event, lower: datetime):
    """Start times (naive local) of the event's occurrences, in order, from about `lower` on
    (a few earlier ones may come first). The first date always counts, as in iCalendar, even
    when it does not fit the rule; at most MAX_STEPS of them; a rule that cannot be read leaves
    the first date only."""
    if not event.rule:
        yield event.start
        return
    rule = local_rule(event)
    begin = _fast_forward(event, rule, lower)
    recurrence = fast_dates(rule, begin)
    try:
        recurrence = recurrence or rrulestr(rule, dtstart=begin)
    except (ValueError, TypeError, OverflowError, KeyError):
        yield event.start
        return
    if begin == event.start:
        yield event.start
    try:
        for step, moment in enumerate(recurrence):
            if step >= MAX_STEPS:
                return
            if moment != event.start:
                yield moment
    except (ValueError, OverflowError):       # past year 9999
        return
