"""Finding fiches: the filters of the lists, map, agenda and API, on the query columns only.

Filters combine as people expect from facets: values of one field are alternatives (theme A
or B), different fields must all match (theme A, in commune C), text words must all appear.
"""
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app
from peewee import JOIN, Case, fn

from ..content.queries import readable
from ..models import Entry, EntryValue, Page, Provenance
from ..rights import hidden
from .entries import FACET_TYPES, catalogue, fold
from .forms import Form

SORTS = ("title", "updated", "date")
TERRITORY = "territoire"       # the query argument and facet of a fiche's territory (commons)
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
    territory: str = ""        # this wiki's name (its own fiches) or a neighbour's (its commons)

    @classmethod
    def from_args(cls, form: Form, args) -> "Filters":
        """From a query string (?themes=Mobilité&commune=Redon&q=vélo): unknown names are ignored."""
        facets = {f.id: [v for v in args.getlist(f.id) if v.strip()][:50]
                  for f in form.fields_of(*FACET_TYPES)}
        filters = cls(facets={k: v for k, v in facets.items() if v}, text=args.get("q", "")[:200],
                      territory=args.get(TERRITORY, "").strip()[:300])
        if form.dates_field:       # ?from=2027-03-01&to=2027-03-31 (a bad date is no filter)
            filters.date_from, to = _day(args.get("from", "")), _day(args.get("to", ""))
            filters.date_to = to + timedelta(days=1) if to else None
        return filters

    def is_empty(self) -> bool:
        return not (self.facets or self.text.strip() or self.date_from or self.date_to or self.bbox
                    or self.territory)

    def args(self) -> dict:
        """The facets, words and territory as query arguments, for links that keep them."""
        args = {k: list(v) for k, v in self.facets.items()}
        if self.text.strip():
            args["q"] = self.text
        if self.territory:
            args[TERRITORY] = self.territory
        return args


def local_territory() -> str:
    return current_app.extensions["bocage.instance"].name


def _commons():
    """Pages received from other wikis and not adopted: the commons (adopted ones are ours)."""
    return Provenance.select(Provenance.page).where(~Provenance.adopted)


def matching(form: Form, filters: Filters):
    """The Entry rows of `form` that pass `filters` (live fiches only), as a query."""
    query = (Entry.select(Entry, Page.name, Page.updated).join(Page, on=(Page.id == Entry.page))
             .where((Entry.form == form.id) & (Entry.status == filters.status) & Page.deleted.is_null()))
    query = readable(query)      # fiches with a read rule of their own, for those who may not
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
    if filters.territory == local_territory():
        query = query.where(Entry.page.not_in(_commons()))
    elif filters.territory:
        query = query.where(Entry.page.in_(_commons().where(Provenance.source_name == filters.territory)))
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
            groups.append((replace(filters, facets={k: v for k, v in filters.facets.items() if k != f.id}), [f.id]))
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
    territories = territory_counts(form, filters)
    if territories:
        out[TERRITORY] = territories
    return out


def has_commons(form: Form) -> bool:
    """Whether some fiches of `form` are commons (received, not adopted): a small query."""
    return (Provenance.select().join(Page, on=(Page.id == Provenance.page))
            .where(~Provenance.adopted & (Page.kind == form.id)).exists())


def with_territory(query):
    """`query` (on Entry) with the territory of commons as its last column (NULL: ours)."""
    return query.join(Provenance, JOIN.LEFT_OUTER, on=((Provenance.page == Entry.page) & ~Provenance.adopted))


def territory_counts(form: Form, filters: Filters) -> list[tuple[str, int]]:
    """This wiki and the neighbours whose commons are among the fiches that pass the other
    filters, with counts; empty when the form has no commons (one small query on provenance)."""
    if not has_commons(form):
        return []
    local = local_territory()
    name = Case(None, [(Provenance.page.is_null(), local)], Provenance.source_name)
    rows = (with_territory(matching(form, replace(filters, territory="")))
            .select(name, fn.COUNT(Entry.page)).group_by(name).tuples())
    found = dict(rows)
    return sorted(found.items(), key=lambda item: (item[0] != local, item[0].casefold()))


def _all_counts(form: Form, field_ids: list[str], status: str):
    """The counts over a whole form, from the (form, field, value, entry) index alone: the few
    fiches in the trash or of another status are left out by id (the unfiltered list, and the
    values of a field while it is the only one filtered: the most viewed cases)."""
    others = (Entry.select(Entry.page).where((Entry.form == form.id) & (Entry.status != status))
              | Page.select(Page.id).where(Page.deleted.is_null(False)))
    names, _forms = hidden()
    if names:                    # fiches this person may not read count for nothing
        others = others | Page.select(Page.id).where(Page.name.in_(sorted(names)))
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
    mark_territories(rows)
    return Listing(rows=rows, total=total, page=page, pages=pages)


def mark_territories(rows) -> None:
    """`row.territory`: the neighbour a common comes from ("" for this wiki's fiches)."""
    from ..content.provenance import territories_of
    found = territories_of(row.name for row in rows)
    for row in rows:
        row.territory = found.get(row.name, "")
