"""Which fiches the agenda expands: Entry rows for a window of days, each with its Event.

queries.matching already knows the filters (facets, words) and the dates (a recurring fiche
matches any later window). Here the agenda's local days become UTC bounds with two days of
margin, enough for every zone on Earth; the exact cut, on each event's own clock, is made by
agenda.py. The rows get `.values` and `.name` as queries.listing gives them.
"""
import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from ..models import Entry
from . import agenda, queries
from .forms import Form

MARGIN = timedelta(days=2)
PROBE = 20          # fiches looked at to find the next (or last) one outside a window


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min)


def rule_of(form: Form, values: dict) -> str:
    return str(next((values.get(f.id) for f in form.fields_of("recurrence") if values.get(f.id)), ""))


def event_items(form: Form, rows) -> list[tuple[object, agenda.Event]]:
    """(row, Event) for the rows that have a usable date (rows as `.objects()`: flat, no joined
    Page model per row — building those was a third of a busy month's time)."""
    items = []
    for row in rows.objects() if hasattr(rows, "objects") else rows:   # flat rows: Page.name is row.name
        row.values = json.loads(row.data)
        event = agenda.event_of(row.values.get(form.dates_field.id), rule_of(form, row.values))
        if event is not None:
            items.append((row, event))
    return items


def between(form: Form, filters: queries.Filters, first: date, last: date):
    """Fiches that may have an occurrence in the days [first, last)."""
    window = replace(filters, date_from=agenda.plus(_utc(first), -MARGIN),
                     date_to=agenda.plus(_utc(last), MARGIN))
    return event_items(form, queries.matching(form, window))


def after(form: Form, filters: queries.Filters, day: date):
    """Enough fiches to know the first occurrence on or after `day`: the first one-off events
    by start, and every recurring one."""
    base = queries.matching(form, replace(filters, date_from=agenda.plus(_utc(day), -MARGIN), date_to=None))
    one_off = base.where(Entry.recurrence == "").order_by(Entry.starts).limit(PROBE)
    return event_items(form, list(one_off.objects()) + list(base.where(Entry.recurrence != "").objects()))


def before(form: Form, filters: queries.Filters, day: date):
    """Enough fiches to know the last occurrence that ended before `day`."""
    base = queries.matching(form, replace(filters, date_from=None, date_to=agenda.plus(_utc(day), MARGIN)))
    one_off = (base.where((Entry.recurrence == "") & (Entry.ends < agenda.plus(_utc(day), MARGIN)))
               .order_by(Entry.ends.desc()).limit(PROBE))
    return event_items(form, list(one_off.objects()) + list(base.where(Entry.recurrence != "").objects()))
