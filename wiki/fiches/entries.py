"""Fiches are pages: a Page whose kind is its form id, its values in the revision's text.

The text is TOML, one field after another in the form's order with a blank line between them,
so the page machinery works on fiches unchanged: history, diff, restore, trash, search, and the
three-way merge — two people changing different fields of the same fiche merge cleanly. After
each save, in the same transaction, the `entry` and `entry_value` tables are rewritten from the
current text: the lists, map and agenda query those columns, never the texts.
"""
import contextvars
import functools
import json
import tomllib
from datetime import datetime, time
from zoneinfo import ZoneInfo

import tomli_w
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import events
from ..content import pages as content
from ..db import bulk_insert, locked, utcnow, write_transaction
from ..models import Entry, EntryValue, Link, Page, Revision
from ..names import MAX_NAME_LENGTH, slug, to_name
from .fields import clean_entry, is_empty
from .forms import Catalogue, Form

FACET_TYPES = ("choice", "multiple", "tags")


class InvalidEntry(content.ContentError):
    """Some fields are not valid: `errors` has a message per field id, `raw` what was typed."""

    def __init__(self, errors: dict, raw: dict):
        super().__init__(_l("Some fields need a correction: see the messages next to them."), status=400)
        self.errors, self.raw = errors, raw


def catalogue() -> Catalogue:
    return current_app.extensions["bocage.catalogue"]


# -- the text of a fiche ---------------------------------------------------------------------
def _literal(value, multiline=False) -> str:
    if isinstance(value, dict):           # an inline table, on one line
        return "{ " + ", ".join(f"{k} = {_literal(v)}" for k, v in value.items()) + " }"
    return tomli_w.dumps({"v": value}, multiline_strings=multiline)[4:].rstrip("\n")


_EMPTY = {"multiple": [], "tags": [], "geo": {}, "dates": {}}


def to_source(form: Form, values: dict) -> str:
    """Every field of the form on its own line(s), empty ones too: each change then touches its
    own lines, so two people filling in two different empty fields still merge cleanly."""
    parts = [f"{f.id} = {_literal(values.get(f.id, _EMPTY.get(f.type, '')), multiline=True)}\n"
             for f in form.fields]
    return "\n".join(parts)


def from_source(source: str) -> dict:
    """The values of a fiche's text (empty fields left out); ValueError when the text is not a
    fiche (a broken merge)."""
    data = _parsed(source)
    return {k: (v.copy() if isinstance(v, (list, dict)) else v) for k, v in data.items() if not is_empty(v)}


@functools.lru_cache(maxsize=512)
def _parsed(source: str) -> dict:
    """A save or an import reads each new text twice (query columns, search index): parse once.
    Callers get copies: the cached values are never handed out."""
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from None


def is_valid_source(source: str) -> bool:
    try:
        from_source(source)
        return True
    except ValueError:
        return False


def public_source(kind: str, source: str) -> str:
    """A revision's text as visitors may read it: a fiche's private fields are blanked (history,
    diff and revision pages show texts; the contact e-mail must not leak through them)."""
    form = catalogue().form(kind) if kind != "page" else None
    if form is None or not any(f.private for f in form.fields):
        return source
    try:
        values = from_source(source)
    except ValueError:
        return ""
    return to_source(form, {k: v for k, v in values.items() if not form.field(k) or not form.field(k).private})


def title_of(form: Form, values: dict) -> str:
    return str(values.get(form.title_field) or "")[:200]


# -- saving ----------------------------------------------------------------------------------
def _base_name(title: str) -> str:
    return to_name(title)[:MAX_NAME_LENGTH - 6].strip("-") or "fiche"


def new_name(title: str, reserved: set[str] = frozenset()) -> str:
    """A free page name from the title: "Repair café" -> repair-cafe, repair-cafe-2..."""
    base = _base_name(title)
    taken = {n for (n,) in Page.select(Page.name).where(Page.name.startswith(base)).tuples()} | set(reserved)
    if base not in taken:
        return base
    return next(f"{base}-{i}" for i in range(2, 100_000) if f"{base}-{i}" not in taken)


def new_names(titles: list[str]) -> list[str]:
    """Free names for many new fiches at once: one query, plus one per name already taken."""
    bases = [_base_name(t) for t in titles]
    taken = {n for (n,) in Page.select(Page.name).where(Page.name.in_(sorted(set(bases)))).tuples()}
    out: list[str] = []
    for title, base in zip(titles, bases):
        used = set(out)
        out.append(base if base not in taken and base not in used else new_name(title, used))
    return out


def create_entries(form: Form, rows: list[dict], *, author: str = "", comment: str = "") -> list:
    """Create many new fiches from already valid values (imports): create_pages, one batch."""
    titles = [title_of(form, values) for values in rows]
    items = [(name, to_source(form, values), title, form.id)
             for name, values, title in zip(new_names(titles), rows, titles)]
    return content.create_pages(items, author=author, comment=comment)


def save_entry(form: Form, raw: dict, *, name: str | None = None, base_revision=None,
               comment: str = "", author: str = "", status: str | None = None) -> content.SaveResult:
    """Validate `raw` input against `form` and save it as a new fiche (no `name`) or over fiche
    `name`. Raises InvalidEntry with a message per field; MergeConflict as pages do. A new fiche
    gets `status` ("pending" waits for moderation), set in the save's own transaction."""
    values, errors = clean_entry(form, raw, catalogue())
    if errors:
        raise InvalidEntry(errors, raw)
    name = name or new_name(title_of(form, values))
    existing = Entry.select(Entry.status).join(Page, on=(Page.id == Entry.page)).where(Page.name == name).first()
    public = (existing.status if existing else status or "published") == "published"
    token = _initial_status.set(status or "published")
    try:
        result = content.save_page(name, to_source(form, values), base_revision=base_revision,
                                   comment=comment, author=author, kind=form.id,
                                   title=title_of(form, values), check_merged=is_valid_source,
                                   title_from=lambda text: title_of(form, from_source(text)),
                                   announce=public)
    finally:
        _initial_status.reset(token)
    return result


def approve(name: str) -> bool:
    """Publish a fiche that waited for moderation; announced then as a new fiche (search index,
    caches, later federation). False if it was already published."""
    page = content.get_page(name)
    if Entry.update(status="published").where((Entry.page == page.id) & (Entry.status == "pending")).execute() == 0:
        return False
    revision = content.current_revision(page)
    events.page_saved.send(current_app._get_current_object(), page=page, revision=revision, created=True)
    return True


def reject(name: str, *, reason: str = "", author: str = "") -> bool:
    """Refuse a fiche that waits for moderation: it goes to the trash like any page (restorable,
    still pending), the reason in its history. False if it was not waiting."""
    page = content.get_page(name)
    if not is_pending(page):
        return False
    reason = " ".join(reason.split())
    comment = _l("Refused by a moderator: %(reason)s", reason=reason) if reason else _l("Refused by a moderator")
    content.delete_page(name, author=author, comment=str(comment))
    return True


def pending(limit: int = 500) -> list[dict]:
    """The fiches waiting for moderation, all forms, oldest first: page, form id, author, date."""
    rows = list(Entry.select(Entry, Page).join(Page, on=(Page.id == Entry.page))
                .where((Entry.status == "pending") & Page.deleted.is_null())
                .order_by(Page.created, Page.id).limit(limit))
    authors = dict(Revision.select(Revision.page, Revision.author).where(
        Revision.page.in_([row.page.id for row in rows]) & (Revision.number == 1)).tuples()) if rows else {}
    return [{"page": row.page, "form": row.form, "title": row.title, "author": authors.get(row.page.id, ""),
             "created": row.page.created} for row in rows]


def is_pending(page: Page) -> bool:
    return Entry.select().where((Entry.page == page.id) & (Entry.status == "pending")).exists()


def pending_count() -> int:
    return (Entry.select().join(Page, on=(Page.id == Entry.page))
            .where((Entry.status == "pending") & Page.deleted.is_null()).count())


_initial_status: contextvars.ContextVar[str] = contextvars.ContextVar("bocage_entry_status",
                                                                      default="published")


def set_status(page: Page, status: str) -> None:
    Entry.update(status=status).where(Entry.page == page.id).execute()


# -- the query columns -----------------------------------------------------------------------
def _utc(moment: str, zone: str, end: bool = False) -> datetime:
    if "T" in moment:
        local = datetime.fromisoformat(moment)
    else:
        local = datetime.combine(datetime.fromisoformat(moment).date(), time.max if end else time.min)
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def fold(text: str) -> str:
    """Lowercase without accents, words separated by spaces: "Mobilité douce" -> "mobilite douce"."""
    return slug(text or "", separator=" ")


def public_text(form: Form, values: dict) -> str:
    """The words of a fiche anyone may read (private fields left out): search and list filter."""
    out = []
    for f in form.fields:
        value = values.get(f.id)
        if f.private or value in (None, "") or f.type in ("dates", "recurrence", "date", "image", "file"):
            continue
        if isinstance(value, dict):
            value = value.get("adresse", "")
        out.append(" ".join(value) if isinstance(value, list) else str(value))
    return "\n".join(out)


def folded_words(form: Form, values: dict) -> str:
    return fold(public_text(form, values))


def sort_key(title: str) -> str:
    return slug(title, separator=" ")[:300] or title.casefold()[:300]


@content.on_write
def _project(pairs, created: bool) -> None:
    """Rewrite the query columns of the fiches among `pairs` (page, revision) from their new
    current revision; pages are skipped. A few queries per batch, whatever its size."""
    entries, facets, links = [], [], []
    for page, revision in pairs:
        form = catalogue().form(page.kind) if page.kind != "page" else None
        if form is None:
            continue
        try:
            values = from_source(revision.source)
        except ValueError:
            raise content.ContentError(_l("This fiche's text is not valid.")) from None
        entries.append(_columns(page, form, values))
        facets.extend({"entry": page.id, "field": f, "value": v, "form": form.id} for f, v in sorted(_facets(form, values)))
        links.extend({"source": page.id, "target": t}
                     for t in sorted({values[f.id] for f in form.fields_of("entry") if values.get(f.id)} - {page.name}))
    if not entries:
        return
    ids = [row["page"] for row in entries]
    if created:
        bulk_insert(Entry, [row | {"status": _initial_status.get()} for row in entries])
    else:
        for row in entries:
            if Entry.update(**row).where(Entry.page == row["page"]).execute() == 0:
                Entry.insert(**row, status=_initial_status.get()).execute()
        EntryValue.delete().where(EntryValue.entry.in_(ids)).execute()
    bulk_insert(EntryValue, facets)
    bulk_insert(Link, links, ignore_conflicts=True)   # a link to another fiche counts as a wiki link: backlinks


def reproject(form_ids: list[str], batch: int = 200) -> int:
    """Rewrite the query columns of every fiche of these forms (trashed ones too) after their
    form changed (a new facet, a field made private...): the same hook as a save, by batches."""
    done = 0
    pages = Page.select(Page.id).where(Page.kind.in_(form_ids)).order_by(Page.id)
    ids = [pid for (pid,) in pages.tuples()]
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        with write_transaction():
            pages = list(locked(Page.select().where(Page.id.in_(chunk)).order_by(Page.id)))
            revisions = {r.id: r for r in Revision.select().where(Revision.id.in_([p.revision for p in pages]))}
            _project([(page, revisions[page.revision]) for page in pages if page.revision in revisions], False)
        done += len(chunk)
    return done


def _columns(page, form, values) -> dict:
    geo = values.get(form.geo_field.id, {}) if form.geo_field else {}
    dates = values.get(form.dates_field.id, {}) if form.dates_field else {}
    recurrence = next((values.get(f.id, "") for f in form.fields_of("recurrence")), "")
    title = title_of(form, values) or page.title
    return dict(page=page.id, form=form.id, title=title, sort_key=sort_key(title),
                lat=geo.get("lat"), lon=geo.get("lon"),
                starts=_utc(dates["debut"], dates.get("fuseau", "UTC")) if dates.get("debut") else None,
                ends=_utc(dates["fin"], dates.get("fuseau", "UTC"), end=True) if dates.get("fin") else None,
                recurrence=str(recurrence)[:300], data=json.dumps(values, ensure_ascii=False),
                words=folded_words(form, values), updated=page.updated or utcnow())


def _facets(form, values) -> set:
    return {(f.id, str(v)[:300]) for f in form.fields_of(*FACET_TYPES)
            for v in (values.get(f.id) if isinstance(values.get(f.id), list) else [values.get(f.id)]) if v}


# -- reading ---------------------------------------------------------------------------------
def load(name: str, *, include_deleted: bool = False):
    """(page, form, values, entry row) of fiche `name`; NotFound if there is none."""
    page = content.get_page(name, include_deleted=include_deleted)
    form = catalogue().form(page.kind)
    entry = Entry.get_or_none(Entry.page == page.id)
    if form is None or entry is None:
        raise content.NotFound(_l("There is no fiche “%(name)s”.", name=name))
    return page, form, json.loads(entry.data), entry


def raw_from_values(form: Form, values: dict) -> dict:
    """What the edit form shows for saved values (the inverse of cleaning, as text)."""
    raw = {}
    for f in form.fields:
        value = values.get(f.id)
        if value is None:
            continue
        if isinstance(value, dict):
            raw[f.id] = {k: str(v) for k, v in value.items()}
        else:
            raw[f.id] = value
    return raw
