"""Finding fiches: the filters of the lists, map, agenda and API, on the query columns only.

Filters combine as people expect from facets: values of one field are alternatives (theme A
or B), different fields must all match (theme A, in commune C), text words must all appear.
"""
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from peewee import JOIN, fn

from ..models import Entry, EntryValue, Page
from .entries import FACET_TYPES, catalogue, fold
from .forms import Form

SORTS = ("title", "updated", "date")
PER_PAGE, MAX_PER_PAGE = 24, 500


def _day(text: str) -> datetime | None:
    try:
        day = datetime.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None
    return day if day and 1900 <= day.year <= 2200 else None


@dataclass
class Filters:
    facets: dict[str, list[str]] = field(default_factory=dict)   # field id -> accepted values
    text: str = ""
    date_from: datetime | None = None      # UTC: fiches that end on or after it
    date_to: datetime | None = None        # UTC: fiches that start before it
    bbox: tuple[float, float, float, float] | None = None   # west, south, east, north
    status: str = "published"

    @classmethod
    def from_args(cls, form: Form, args) -> "Filters":
        """From a query string (?themes=Mobilité&commune=Redon&q=vélo): unknown names are ignored."""
        facets = {f.id: [v for v in args.getlist(f.id) if v.strip()][:50]
                  for f in form.fields_of(*FACET_TYPES)}
        filters = cls(facets={k: v for k, v in facets.items() if v}, text=args.get("q", "")[:200])
        if form.dates_field:       # ?from=2027-03-01&to=2027-03-31 (a bad date is no filter)
            filters.date_from, to = _day(args.get("from", "")), _day(args.get("to", ""))
            filters.date_to = to + timedelta(days=1) if to else None
        return filters

    def is_empty(self) -> bool:
        return not (self.facets or self.text.strip() or self.date_from or self.date_to or self.bbox)


def matching(form: Form, filters: Filters):
    """The Entry rows of `form` that pass `filters` (live fiches only), as a query."""
    query = (Entry.select(Entry, Page.name, Page.updated).join(Page, on=(Page.id == Entry.page))
             .where((Entry.form == form.id) & (Entry.status == filters.status) & Page.deleted.is_null()))
    for field_id, values in filters.facets.items():
        query = query.where(Entry.page.in_(
            EntryValue.select(EntryValue.entry).where((EntryValue.form == form.id) & (EntryValue.field == field_id)
                                                      & EntryValue.value.in_(values))))
    for word in fold(filters.text).split()[:10]:
        query = query.where(Entry.words.contains(word))
    if filters.date_from:     # recurring fiches repeat past their first end: the agenda expands them
        query = query.where((Entry.ends >= filters.date_from) | (Entry.recurrence != ""))
    if filters.date_to:
        query = query.where(Entry.starts < filters.date_to)
    if filters.bbox:
        west, south, east, north = filters.bbox
        query = query.where(Entry.lat.between(south, north) & Entry.lon.between(west, east))
    return query


def ordered(query, sort: str):
    if sort == "updated":
        return query.order_by(Page.updated.desc(), Entry.sort_key)
    if sort == "date":
        return query.order_by(Entry.starts.is_null(), Entry.starts, Entry.sort_key)
    return query.order_by(Entry.sort_key, Page.name)


def facet_counts(form: Form, filters: Filters) -> dict[str, list[tuple[str, int]]]:
    """For each facet field, its values among the fiches that pass the other filters, with counts
    (drilling down: the values of a field stay visible while some of them are selected).

    Fields with no selection of their own share one query (the common case: one query in all),
    which walks the matching fiches' values through the entry_value primary key."""
    fields = form.fields_of(*FACET_TYPES)
    groups = [(filters, [f.id for f in fields if f.id not in filters.facets])]
    for f in fields:
        if f.id in filters.facets:
            others = Filters(facets={k: v for k, v in filters.facets.items() if k != f.id},
                             text=filters.text, date_from=filters.date_from, date_to=filters.date_to,
                             bbox=filters.bbox, status=filters.status)
            groups.append((others, [f.id]))
    counts: dict[str, dict[str, int]] = {f.id: {} for f in fields}
    for group_filters, field_ids in groups:
        if not field_ids:
            continue
        rows = _all_counts(form, field_ids, group_filters.status) if group_filters.is_empty() else (
            matching(form, group_filters)
            .join(EntryValue, on=(EntryValue.entry == Entry.page))
            .where(EntryValue.field.in_(field_ids))
            .select(EntryValue.field, EntryValue.value, fn.COUNT(Entry.page))
            .group_by(EntryValue.field, EntryValue.value).tuples())
        for field_id, value, n in rows:
            counts[field_id][value] = n
    out = {}
    for f in fields:
        found = counts[f.id]
        if f.type == "tags":
            values = sorted(found, key=lambda v: (-found[v], v.casefold()))[:15]
        else:
            values = [v for v in catalogue().values(f.list) if v in found]
        out[f.id] = [(v, found[v]) for v in values]
    return out


def _all_counts(form: Form, field_ids: list[str], status: str):
    """The counts over a whole form, from the (form, field, value, entry) index alone: the few
    fiches in the trash or of another status are left out by id (the unfiltered list, and the
    values of a field while it is the only one filtered: the most viewed cases)."""
    others = (Entry.select(Entry.page).where((Entry.form == form.id) & (Entry.status != status))
              | Page.select(Page.id).where(Page.deleted.is_null(False)))
    return (EntryValue.select(EntryValue.field, EntryValue.value, fn.COUNT(EntryValue.entry))
            .where((EntryValue.form == form.id) & EntryValue.field.in_(field_ids)
                   & EntryValue.entry.not_in(others))
            .group_by(EntryValue.field, EntryValue.value).tuples())


@dataclass
class Listing:
    rows: list            # Entry rows, with .values (dict) and .name
    total: int
    page: int
    pages: int


def listing(form: Form, filters: Filters, *, sort: str = "title", page: int = 1,
            per_page: int = PER_PAGE) -> Listing:
    query = matching(form, filters)
    total = query.count()
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    pages = max(1, (total + per_page - 1) // per_page)
    page = max(1, min(page, pages))
    rows = list(ordered(query, sort if sort in SORTS else "title").paginate(page, per_page))
    for row in rows:
        row.values = json.loads(row.data)
        row.name = row.page.name
    return Listing(rows=rows, total=total, page=page, pages=pages)
