"""Which fiches the agenda expands: Entry rows for a window of days, each with its Event.

queries.matching already knows the filters (facets, words) and the dates (a recurring fiche
matches any later window). Here the agenda's local days become UTC bounds with two days of
margin, enough for every zone on Earth; the exact cut, on each event's own clock, is made by
agenda.py. The rows get `.values` and `.name` as queries.listing gives them.
"""
import functools
import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from ..models import Entry, Page
from . import agenda, queries
from .forms import Form

MARGIN = timedelta(days=2)
PROBE = 20          # fiches looked at to find the next (or last) one outside a window


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min)


def rule_of(form: Form, values: dict) -> str:
    return str(next((values.get(f.id) for f in form.fields_of("recurrence") if values.get(f.id)), ""))


class Row(SimpleNamespace):
    """What the agenda shows of a fiche: name, title, sort_key, recurrence, values (and the
    annotations of the views). Plain objects from five columns: building peewee models, with
    their date columns parsed, was a third of a busy month's time."""


def _rows(query) -> list[Row]:
    rows = [Row(name=name, title=title, sort_key=key, recurrence=rule, data=data) for name, title, key, rule, data
            in query.select(Page.name, Entry.title, Entry.sort_key, Entry.recurrence, Entry.data).tuples()]
    queries.mark_territories(rows)
    return rows


def event_items(form: Form, rows: list[Row]) -> list[tuple[Row, agenda.Event]]:
    """(row, Event) for the rows that have a usable date."""
    items = []
    dates_id, rule_ids = form.dates_field.id, tuple(f.id for f in form.fields_of("recurrence"))
    for row in rows:
        row.values, event = _read(row.data, dates_id, rule_ids)
        if event is not None:
            items.append((row, event))
    return items


@functools.lru_cache(maxsize=20_000)
def _read(data: str, dates_id: str, rule_ids: tuple[str, ...]):
    """(values, Event) of a fiche's stored JSON: the recurring fiches come back in every month
    and every page of the agenda, and a fiche's JSON only changes with the fiche. The values
    are shared between requests: read them, never change them."""
    values = json.loads(data)
    rule = next((values[i] for i in rule_ids if values.get(i)), "")
    return values, agenda.event_of(values.get(dates_id), str(rule))


def between(form: Form, filters: queries.Filters, first: date, last: date):
    """Fiches that may have an occurrence in the days [first, last)."""
    window = replace(filters, date_from=agenda.plus(_utc(first), -MARGIN),
                     date_to=agenda.plus(_utc(last), MARGIN))
    return event_items(form, _rows(queries.matching(form, window)))


def after(form: Form, filters: queries.Filters, day: date):
    """Enough fiches to know the first occurrence on or after `day`: the first one-off events
    by start, and every recurring one."""
    base = queries.matching(form, replace(filters, date_from=agenda.plus(_utc(day), -MARGIN), date_to=None))
    one_off = base.where(Entry.recurrence == "").order_by(Entry.starts).limit(PROBE)
    return event_items(form, _rows(one_off) + _rows(base.where(Entry.recurrence != "")))


def before(form: Form, filters: queries.Filters, day: date):
    """Enough fiches to know the last occurrence that ended before `day`."""
    base = queries.matching(form, replace(filters, date_from=None, date_to=agenda.plus(_utc(day), MARGIN)))
    one_off = (base.where((Entry.recurrence == "") & (Entry.ends < agenda.plus(_utc(day), MARGIN)))
               .order_by(Entry.ends.desc()).limit(PROBE))
    return event_items(form, _rows(one_off) + _rows(base.where(Entry.recurrence != "")))
