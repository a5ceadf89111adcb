"""The agenda's arithmetic: the events of fiches as occurrences in a window of days.

Pure functions (no Flask, no database) over what a fiche says: its `dates` value {debut, fin,
fuseau} on the local clock and its RRULE. A weekly market is one fiche, so it cannot be found by
SQL alone: the rows come from agenda_rows.py, the occurrences from here.

Time zones: an event lives on its local clock. Repetitions are expanded on that clock and only
then given their zone, so a market at 18:00 Europe/Paris stays at 18:00 after the change to
summer time (expanding in UTC would move it to 19:00). Windows are whole local days: "today"
and "March 2027" mean the same days wherever the event takes place.
"""
import calendar
import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .recurrence import starts_of

DEFAULT_ZONE = "Europe/Paris"
MIN_YEAR, MAX_YEAR = 1900, 2200      # the agenda shows these years; others are bad input
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$", re.ASCII)          # not "２０２７-03"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_ONE_SECOND = timedelta(seconds=1)


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError, OSError):    # OSError: "Europe" is a folder
        return ZoneInfo(DEFAULT_ZONE)


def today(zone: str = DEFAULT_ZONE) -> date:
    return datetime.now(zone_of(zone)).date()


# -- events ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    """An event as its author typed it. `start`/`end` are naive, on the local clock of `zone`;
    for an all-day event they are midnights and `end` is the last day (inclusive)."""
    start: datetime
    end: datetime
    all_day: bool
    zone: str = DEFAULT_ZONE
    rule: str = ""

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text) if "T" in text else datetime.combine(date.fromisoformat(text), time.min)


def event_of(dates: dict, rule: str = "") -> Event | None:
    """The event of a `dates` value (and the fiche's RRULE); None when there is no usable date."""
    if not isinstance(dates, dict) or not dates.get("debut"):
        return None
    try:
        start = _moment(str(dates["debut"]))
        end = _moment(str(dates.get("fin") or dates["debut"]))
    except ValueError:
        return None
    all_day = "T" not in str(dates["debut"]) and "T" not in str(dates.get("fin") or "")
    zone = str(dates.get("fuseau") or DEFAULT_ZONE)
    zone = zone if zone_of(zone).key == zone else DEFAULT_ZONE
    return Event(start=start, end=max(end, start), all_day=all_day, zone=zone, rule=str(rule or ""))


# -- occurrences -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Occurrence:
    """One time an event takes place: `start`/`end` naive on its local clock (`end` is the last
    day for an all-day event). `entry` is what it came from (a row with name, title, values)."""
    entry: object = field(compare=False)
    start: datetime
    end: datetime
    all_day: bool
    zone: str
    recurring: bool

    @property
    def first_day(self) -> date:
        return self.start.date()

    @cached_property
    def last_day(self) -> date:
        """The last day it covers: an evening until midnight does not spill onto the next day."""
        if not self.all_day and self.end > self.start and self.end.time() == time.min:
            return (self.end - _ONE_SECOND).date()
        return self.end.date()

    @cached_property
    def multi_day(self) -> bool:
        return self.last_day > self.first_day

    def days(self, first: date, last: date):
        """The days it covers within [first, last)."""
        day = max(self.first_day, first)
        while day <= self.last_day and day < last:
            yield day
            day += timedelta(days=1)

    def aware(self, moment: datetime) -> datetime:
        return moment.replace(tzinfo=zone_of(self.zone))

    @property
    def starts_utc(self) -> datetime:
        return self.aware(self.start).astimezone(ZoneInfo("UTC"))

    @cached_property
    def iso_start(self) -> str:
        """For <time datetime="...">: a day, or a moment with its offset (18:00+02:00 in summer)."""
        if self.all_day:
            return self.start.date().isoformat()
        return self.aware(self.start).isoformat(timespec="minutes")

    @property
    def iso_end(self) -> str:
        if self.all_day:
            return self.last_day.isoformat()
        return self.aware(self.end).isoformat(timespec="minutes")


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return datetime.combine(first, time.min), datetime.combine(last, time.min)


def plus(moment: datetime, delta: timedelta) -> datetime:
    """moment + delta, stopping at the calendar's ends (an event "until 9999-12-31")."""
    try:
        return moment + delta
    except OverflowError:
        return datetime.max if delta > timedelta(0) else datetime.min


def _overlaps(start: datetime, end: datetime, all_day: bool, lower: datetime, upper: datetime) -> bool:
    """Does [start, end] touch [lower, upper)? An instant (start == end) counts at its moment."""
    stop = plus(end, timedelta(days=1)) if all_day else max(end, plus(start, _ONE_SECOND))
    return start < upper and stop > lower


def expand(entry, event: Event, first: date, last: date, limit: int = 1000) -> list[Occurrence]:
    """The occurrences of one event that touch the days [first, last), at most `limit`."""
    lower, upper = _bounds(first, last)
    span = event.duration
    found = []
    for start in starts_of(event, plus(lower, -span - timedelta(days=1))):
        if start >= upper or len(found) >= limit:
            break
        end = plus(start, span)
        if _overlaps(start, end, event.all_day, lower, upper):
            found.append(Occurrence(entry=entry, start=start, end=end, all_day=event.all_day,
                                    zone=event.zone, recurring=bool(event.rule)))
    return found


def sort_key(occurrence: Occurrence):
    return (occurrence.start, not occurrence.all_day, getattr(occurrence.entry, "sort_key", ""),
            getattr(occurrence.entry, "name", ""))


def occurrences(items, first: date, last: date, limit: int = 200) -> tuple[list[Occurrence], bool]:
    """(occurrences in [first, last) of all `items` — (entry, Event) pairs — in time order, at
    most `limit`; whether some were left out)."""
    found = []
    for entry, event in items:
        found.extend(expand(entry, event, first, last, limit + 1))
    found.sort(key=sort_key)
    return found[:limit], len(found) > limit


def cut_at_day(shown: list[Occurrence], truncated: bool, first: date, last: date,
               newest_first: bool = False) -> tuple[list[Occurrence], date]:
    """When a window had more occurrences than a page shows, end the page on a whole day so that
    the next page (starting there) repeats nothing and loses nothing. Returns (kept, the day the
    next page starts: the window's end when nothing was left out)."""
    if not truncated or not shown:
        return shown, (first if newest_first else last)
    if newest_first:                 # going back in time: drop the oldest, partial day
        day = min(o.first_day for o in shown)
        kept = [o for o in shown if o.first_day > day]
        return (kept, day + timedelta(days=1)) if kept else (shown, day)
    day = shown[-1].first_day
    kept = [o for o in shown if o.first_day < day]
    return (kept, day) if kept else (shown, day + timedelta(days=1))


def by_day(found: list[Occurrence], first: date, last: date, *, each_day: bool = False):
    """[(day, [occurrences])] in day order. A multi-day event is listed on its first day in the
    window, or on every day it covers with `each_day` (the month grid)."""
    days: dict[date, list[Occurrence]] = {}
    for occurrence in found:
        covered = list(occurrence.days(first, last))
        for day in covered if each_day else covered[:1]:
            days.setdefault(day, []).append(occurrence)
    return sorted(days.items())


def next_start(items, after: date) -> date | None:
    """The first day on or after `after` that some occurrence of `items` touches (to jump over
    empty weeks in the "later" link); None when nothing comes."""
    lower = datetime.combine(after, time.min)
    best = None
    for entry, event in items:
        span = event.duration
        for start in starts_of(event, plus(lower, -span - timedelta(days=1))):
            if best is not None and start >= best:
                break
            if _overlaps(start, plus(start, span), event.all_day, lower, datetime.max):
                best = max(start, lower)
                break
    return best.date() if best else None


def last_end(items, before: date) -> date | None:
    """The last day before `before` on which an occurrence of `items` ended (the archive's
    "earlier" link); None when there was none."""
    upper = datetime.combine(before, time.min)
    best = None
    for entry, event in items:
        span, latest = event.duration, None
        for start in starts_of(event, plus(upper, -span - timedelta(days=400))):
            if start >= upper:
                break
            occurrence = Occurrence(None, start, plus(start, span), event.all_day, event.zone, bool(event.rule))
            if occurrence.last_day < before:
                latest = occurrence.last_day
        if latest and (best is None or latest > best):
            best = latest
    return best


# -- calendars and input ---------------------------------------------------------------------
def parse_month(text: str) -> tuple[int, int] | None:
    """"2027-03" -> (2027, 3); None for anything else, months 0 or 13 and years out of range."""
    m = _MONTH.match(text.strip()) if isinstance(text, str) else None
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        return None
    return year, month


def parse_day(text: str) -> date | None:
    if not isinstance(text, str) or not _DAY.match(text.strip()):
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def shift_month(year: int, month: int, delta: int) -> tuple[int, int] | None:
    """The month `delta` months away; None outside the years the agenda shows."""
    index = year * 12 + (month - 1) + delta
    year, month = divmod(index, 12)
    return (year, month + 1) if MIN_YEAR <= year <= MAX_YEAR else None


def month_weeks(year: int, month: int) -> list[list[date]]:
    """The weeks of a month for a grid, Monday first, with the days of the months around it."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def clamp_day(day: date) -> date:
    return min(max(day, date(MIN_YEAR, 1, 1)), date(MAX_YEAR, 12, 31))
