"""The agenda's words: days, months and hours in the reader's language (for the templates).

Occurrences are on their event's local clock (naive datetimes), so every time here is formatted
as it is (rebase=False): Flask-Babel would otherwise read it as UTC and move 18:00 to 19:00.
"""
from datetime import date, timedelta

from babel.dates import format_skeleton, get_day_names
from flask import g
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _


def day(d: date) -> str:
    """"mardi 30 mars 2027"."""
    return format_date(d, "full")


def short_day(d: date) -> str:
    """"30 mars"."""
    return format_skeleton("MMMMd", d, locale=get_locale())


def day_heading(d: date, today: date) -> str:
    if d == today:
        return _("Today, %(day)s", day=day(d))
    if d == today + timedelta(days=1):
        return _("Tomorrow, %(day)s", day=day(d))
    return day(d)


def month(year: int, number: int) -> str:
    """"mars 2027"."""
    return format_skeleton("yMMMM", date(year, number, 1), locale=get_locale())


def weekdays() -> list[tuple[str, str]]:
    """(abbreviation, full name) of the days, Monday first: the month grid's column headers."""
    short, wide = get_day_names("abbreviated", locale=get_locale()), get_day_names("wide", locale=get_locale())
    return [(short[i], wide[i]) for i in range(7)]


def _time(moment) -> str:
    """"18:00" (fr), "6:00 PM" (en); memoised per request: a busy month shows the same few
    hours hundreds of times, and each Babel call costs tens of microseconds."""
    memo = g.setdefault("bocage_agenda_times", {})
    key = (moment.hour, moment.minute)
    if key not in memo:
        memo[key] = format_time(moment, "short", rebase=False)
    return memo[key]


def start_time(occurrence) -> str:
    """"18:00": the hour shown in a month grid's cell."""
    return _time(occurrence.start)


def hours(occurrence, on: date | None = None) -> str:
    """When in the day: "18:00 – 20:00", "all day", "until 16 March", "from 14 March"...
    `on`: the day it is shown on (a multi-day event in the month grid)."""
    o = occurrence
    if o.all_day:
        if not o.multi_day:
            return _("all day")
        if on is not None and on > o.first_day:
            return _("until %(day)s", day=short_day(o.last_day)) if on < o.last_day else _("last day")
        return _("until %(day)s", day=short_day(o.last_day))
    if not o.multi_day:
        return _time(o.start) if o.end == o.start else f"{_time(o.start)} – {_time(o.end)}"
    if on is not None and on > o.first_day:
        if on < o.last_day:
            return _("all day, until %(day)s", day=short_day(o.last_day))
        return _("until %(time)s", time=_time(o.end))
    return _("%(start)s – %(day)s %(end)s", start=_time(o.start), day=short_day(o.last_day), end=_time(o.end))
