"""Repetitions of an event: the start times an RRULE gives, on the event's naive local clock.

dateutil reads the rules; two shortcuts keep a busy agenda fast without changing a date: a rule
that does not depend on counting from the first date is fast-forwarded to the window asked for,
and plain daily or weekly rules (a weekly market) are expanded by adding days (the tests compare
both with dateutil).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
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


def _every_few_days(rule: str, begin: datetime):
    """The dates of a plain daily or weekly rule (a weekly market: FREQ=WEEKLY, maybe INTERVAL,
    a local UNTIL, BYDAY its own weekday) by adding days, as dateutil would give them on the
    naive local clock; None for any other rule (dateutil then). A busy agenda month spent most
    of its time in dateutil's general machinery for such rules."""
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if parts.get("FREQ") not in ("DAILY", "WEEKLY") or not set(parts) <= {"FREQ", "INTERVAL", "UNTIL", "BYDAY"}:
        return None
    if "BYDAY" in parts and (parts["FREQ"] != "WEEKLY" or parts["BYDAY"] != _WEEKDAYS[begin.weekday()]):
        return None
    interval = parts.get("INTERVAL", "1")
    until = _until(parts["UNTIL"]) if "UNTIL" in parts else datetime.max
    if not interval.isascii() or not interval.isdigit() or int(interval) < 1 or until is None \
            or not re.fullmatch(r"\d{8}(T\d{6})?", parts.get("UNTIL", "00000000")):
        return None
    step = timedelta(days=int(interval) * (7 if parts["FREQ"] == "WEEKLY" else 1))

    def dates():
        moment = begin
        while moment <= until:
            yield moment
            try:
                moment += step
            except OverflowError:
                return
    return dates()


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
    recurrence = _every_few_days(rule, begin)
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
