"""Saving, deleting and restoring pages. Every change is a revision; concurrent edits are merged.

This is the only place that writes Page/Revision rows, so that the browser, the API, the CLI
and the importers behave the same. Events are sent after the transaction commits.
"""
import contextlib
import contextvars
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from .. import events
from ..db import bulk_insert, database, locked, utcnow, write_transaction
from ..models import Link, Page, Provenance, Revision
from ..names import check_name, InvalidName, title_from_name
from ..render.sanitize import sanitize_text_line
from ..render.syntax import link_targets
from .merge import merge_texts

MAX_SOURCE = 512 * 1024
MAX_COMMENT = 500
MAX_AUTHOR = 100
MAX_ID = 2 ** 31 - 1   # ids are `integer` columns: 32 bits on PostgreSQL (SQLite has 64)
_SURROGATE = re.compile("[\ud800-\udfff]")   # half of a UTF-16 pair: not encodable as UTF-8


class ContentError(Exception):
    """A change that cannot be made; `message` is shown to the person (translated)."""
    status = 400

    def __init__(self, message, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        if status:
            self.status = status


class NotFound(ContentError):
    status = 404


class MergeConflict(ContentError):
    """The page changed since the editor opened it and the changes overlap."""
    status = 409

    def __init__(self, current: Revision, mine: str, merged: str):
        super().__init__(_l("This page was changed by someone else while you were editing it, "
                            "and the changes overlap. Your text is kept below: compare it with "
                            "the other version and save again."))
        self.current, self.mine, self.merged = current, mine, merged


@dataclass
class SaveResult:
    page: Page
    revision: Revision
    created: bool = False
    merged: bool = False
    unchanged: bool = False


def valid_name(name: str) -> str:
    try:
        return check_name(name)
    except InvalidName:
        raise ContentError(_l("“%(name)s” is not a valid page name: use lowercase letters, digits "
                              "and hyphens, at most 100 characters (for example “guide-wiki-party”).",
                              name=name[:120])) from None


def title_of(source: str, fallback: str) -> str:
    """The first level-1 heading, else the fallback."""
    for line in source.splitlines():
        if line.startswith("# ") and line[2:].strip():
            return sanitize_text_line(line[2:].strip().rstrip("#").strip())[:200]
    return sanitize_text_line(fallback)[:200]


def get_page(name: str, *, include_deleted: bool = False) -> Page:
    page = Page.get_or_none(Page.name == name)
    if page is None or (page.deleted and not include_deleted):
        raise NotFound(_l("There is no page “%(name)s”.", name=name))
    return page


def current_revision(page: Page) -> Revision | None:
    return Revision.get_or_none(Revision.id == page.revision) if page.revision else None


def get_revision(page: Page, revision_id) -> Revision:
    rev_id = _int(revision_id)
    rev = Revision.get_or_none((Revision.id == rev_id) & (Revision.page == page)) if rev_id else None
    if rev is None:
        raise NotFound(_l("Revision %(id)s does not exist for this page.", id=str(revision_id)[:20]))
    return rev


def _no_surrogates(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def _clean_meta(comment: str, author: str) -> tuple[str, str]:
    comment = sanitize_text_line(_no_surrogates(comment or ""))[:MAX_COMMENT]
    author = sanitize_text_line(_no_surrogates(author or "")).strip()[:MAX_AUTHOR] or str(_l("Anonymous"))
    return comment, author


def _check_encodable(source: str) -> None:
    """Text that cannot be stored as UTF-8 (a lone surrogate, as JSON "\\ud800" can carry) is refused
    with a readable message; the HTML form keeps the person's text (browsers never send these)."""
    found = _SURROGATE.search(source)
    if found:
        line = source.count("\n", 0, found.start()) + 1
        raise ContentError(_l("The text contains an invalid character on line %(line)s (a lone UTF-16 "
                              "surrogate, half of an emoji for example). Remove it and save again.",
                              line=line))


# A page another wiki sent (provenance.py) is read-only here until someone adopts it: every write
# goes through _save, delete_page or undelete_page, which check it, unless the receiving path
# itself is writing (`receiving()`).
_receiving: contextvars.ContextVar = contextvars.ContextVar("bocage_receiving", default=None)


@contextlib.contextmanager
def receiving(origin=True):
    """Writes from the receiving path; `origin` (what provenance.py records) is `received()`."""
    token = _receiving.set(origin)
    try:
        yield
    finally:
        _receiving.reset(token)


def received():
    return _receiving.get()


class ReadOnly(ContentError):
    status = 403


class Forbidden(ContentError):
    """The person of this request may not change this page (wiki/rights.py decides)."""
    status = 403


# wiki/rights.py registers who may write (raises Forbidden) and who a revision is by; the content
# layer calls them on every write, whatever the route, so no route can forget the check.
_guard: dict = {"check": None, "attribution": None}


def set_write_guard(check, attribution) -> None:
    _guard["check"], _guard["attribution"] = check, attribution


_as_instance: contextvars.ContextVar = contextvars.ContextVar("bocage_as_instance", default=False)


@contextlib.contextmanager
def as_instance():
    """Writes the instance makes itself within a request context (the demo's import, a wiki
    party's tally): no person's rights apply, and no person is recorded as their author."""
    token = _as_instance.set(True)
    try:
        yield
    finally:
        _as_instance.reset(token)


def guard_write(name: str, kind: str | None) -> None:
    """Raise Forbidden unless this write is allowed (the receiving path writes the neighbours' own)."""
    if _guard["check"] is not None and not _receiving.get() and not _as_instance.get():
        _guard["check"](name, kind or "page")


# Who a revision is by when it is not the person of the request: a moderator approving an edit
# held for moderation publishes it as its author's (wiki/moderation).
_on_behalf: contextvars.ContextVar = contextvars.ContextVar("bocage_on_behalf", default=None)


@contextlib.contextmanager
def on_behalf_of(attribution: dict):
    """Revisions written inside are attributed to `attribution` (account, address_hash, party)."""
    token = _on_behalf.set(dict(attribution))
    try:
        yield
    finally:
        _on_behalf.reset(token)


def _attribution() -> dict:
    if _on_behalf.get() is not None:
        return dict(_on_behalf.get())
    if _guard["attribution"] is None or _as_instance.get():
        return {"account": None, "address_hash": None, "party": None}
    return _guard["attribution"]()


# Edit checks (wiki/antispam registers one): called with (name, kind, old text, new text,
# proposal) on every save and create_pages, after the write guard, before anything is written;
# they raise a ContentError to refuse the change (its message is shown, the text kept), or
# Deferred to keep it aside instead of publishing it (held for moderation).
_edit_checks: list = []


def add_edit_check(func) -> None:
    if func not in _edit_checks:
        _edit_checks.append(func)


class Deferred(ContentError):
    """A change an edit check kept aside instead of saving (held for moderation): nothing is
    published; `keep()` runs once the save's transaction is rolled back, so what it writes stays."""
    status = 202

    def keep(self) -> None:
        pass


def check_edit(name: str, kind: str | None, old_source: str, new_source: str, proposal: dict) -> None:
    if _receiving.get() or _as_instance.get():      # the neighbours' or the instance's own writes
        return
    for func in _edit_checks:
        func(name, kind or "page", old_source, new_source, proposal)


def check_writable(page: Page) -> None:
    """Refuse a local change of a common not adopted yet (its text is its territory's)."""
    if _receiving.get():
        return
    origin = Provenance.get_or_none((Provenance.page == page.id) & ~Provenance.adopted)
    if origin is not None:
        raise ReadOnly(_l("This page is a common received from %(territory)s: it is changed there, "
                          "not here. To change it here, take it over first (“Adopt it here”).",
                          territory=origin.source_name))


# Functions run inside the save transaction with a list of (page, revision) and whether the pages
# are new: derived tables that must never disagree with a page's current revision (the fiches'
# query columns) register here.
_write_hooks: list = []


def on_write(func):
    _write_hooks.append(func)
    return func


def _clean_source(source: str) -> str:
    """A text as it is stored: Unix line ends, no NUL; refused if not storable or too long."""
    source = source.replace("\r\n", "\n")
    _check_encodable(source)
    if len(source.encode("utf-8")) > MAX_SOURCE:
        raise ContentError(_l("The text is too long (at most %(kb)s KB). Split it into several pages.",
                              kb=MAX_SOURCE // 1024), status=413)
    return source.replace("\x00", "")


def save_page(name: str, source: str, *, base_revision=None, comment: str = "", author: str = "",
              title: str | None = None, action: str = "edit", kind: str | None = None,
              check_merged=None, title_from=None, announce: bool = True) -> SaveResult:
    """Create or update page `name` from `source`, written by someone who started from `base_revision`.

    If the page changed since `base_revision`, a three-way merge is tried: a clean merge is saved
    (result.merged); overlapping changes raise MergeConflict carrying both texts. Saving the same
    text again creates no revision (result.unchanged).

    Fiches are pages too: `kind` is their form id (None keeps the page's kind, "page" for a new
    one), `title` their title and `title_from(text)` the title of a merged text (a page's title
    is its first heading), and `check_merged(text)` tells whether a merged text is still a
    valid fiche (if not, the merge counts as a conflict). `announce=False` sends no content event (a fiche waiting for
    moderation is not public yet: its approval announces it).
    """
    name = valid_name(name)
    if not isinstance(source, str):
        raise ContentError(_l("The page text is missing."))
    source = _clean_source(source)
    comment, author = _clean_meta(comment, author)
    title = _no_surrogates(title) if title else title
    for attempt in range(3):
        try:
            result = _save(name, source, base_revision, comment, author, title, action, kind,
                           check_merged, title_from)
            break
        except Deferred as deferred:       # kept aside: written now that the save is rolled back
            deferred.keep()
            raise
        except IntegrityError:   # someone created the same page or revision number at the same time
            if attempt == 2:
                raise
    if announce and not result.unchanged:
        events.page_saved.send(current_app._get_current_object(), page=result.page,
                               revision=result.revision, created=result.created)
    return result


def _save(name, source, base_revision, comment, author, title, action, kind,
          check_merged, title_from) -> SaveResult:
    with write_transaction():
        page = locked(Page.select().where(Page.name == name)).first()
        created = page is None
        kind = kind or (page.kind if page else "page")
        guard_write(name, kind)
        if page is not None and page.kind != kind:
            raise ContentError(_l("“%(name)s” is already used by another page or fiche: choose "
                                  "another name.", name=name), status=409)
        if page is not None:
            check_writable(page)
        current = None if created else current_revision(page)
        merged, mine = False, source
        if current is not None and str(base_revision or "") != str(current.id):
            base_text = ""
            if base_revision:
                base = Revision.get_or_none((Revision.id == _int(base_revision)) & (Revision.page == page))
                if base is None:
                    raise ContentError(_l("The revision you started from (%(id)s) is not one of this page's.",
                                          id=str(base_revision)[:20]), status=409)
                base_text = base.source
            if source != current.source:
                result = merge_texts(base_text, source, current.source)
                if result.conflicts or (check_merged and not check_merged(result.text)):
                    raise MergeConflict(current, source, result.text)
                source, merged = result.text, True
        if current is not None and source == current.source and not page.deleted:
            return SaveResult(page, current, unchanged=True)
        check_edit(name, kind, current.source if current else "", source, {
            "source": mine, "base_revision": _int(base_revision), "title": title, "comment": comment,
            "author": author, "action": action, "created": created})
        now = utcnow()
        fallback = title or (page.title if page else title_from_name(name))
        if kind == "page":
            new_title = title_of(source, fallback)
        else:
            new_title = sanitize_text_line(title_from(source) if title_from and merged else fallback)[:200]
        if created:
            page = Page.create(name=name, title=new_title, kind=kind, created=now, updated=now)
        revision = Revision.create(
            page=page, number=(current.number + 1) if current else 1, source=source, title=new_title,
            comment=comment, author=author, created=now, base=_int(base_revision),
            action="merge" if merged else ("create" if created and action == "edit" else action),
            size=len(source.encode("utf-8")), **_attribution())
        Page.update(title=new_title, revision=revision.id, updated=now, deleted=None).where(
            Page.id == page.id).execute()
        page.title, page.revision, page.updated, page.deleted = new_title, revision.id, now, None
        _update_links(page, source)
        for hook in _write_hooks:
            hook([(page, revision)], created)
    return SaveResult(page, revision, created=created, merged=merged)


def create_pages(items, *, author: str = "", comment: str = "", action: str = "import",
                 announce: bool = True) -> list[SaveResult]:
    """Create many new pages or fiches at once (imports): `items` are (name, source, title, kind).

    The same checks and results as save_page for a page that does not exist yet, with a few
    queries per batch instead of a dozen per page. A name that is taken raises ContentError and
    creates nothing: callers check names first (or fall back to save_page for those).
    """
    comment, author = _clean_meta(comment, author)
    rows = []
    for name, source, title, kind in items:
        name = valid_name(name)
        source = _clean_source(source)
        title = title_of(source, title or title_from_name(name)) if kind == "page" else \
            sanitize_text_line(_no_surrogates(title or title_from_name(name)))[:200]
        guard_write(name, kind)
        rows.append((name, source, title, kind))
    held = []
    for name, source, title, kind in rows:
        try:
            check_edit(name, kind, "", source, {"source": source, "base_revision": None, "title": title,
                                                "comment": comment, "author": author, "action": action,
                                                "created": True, "batch": True})
        except Deferred as deferred:       # the same person, the same decision: all or none
            held.append(deferred)
    if held:
        for deferred in held:
            deferred.keep()
        raise held[0]
    if not rows:
        return []
    names = [r[0] for r in rows]
    with write_transaction():
        taken = sorted(n for (n,) in Page.select(Page.name).where(Page.name.in_(names)).tuples())
        if taken or len(set(names)) != len(names):
            raise ContentError(_l("“%(name)s” is already used by another page or fiche: choose "
                                  "another name.", name=(taken or names)[0]), status=409)
        now = utcnow()
        bulk_insert(Page, [{"name": n, "title": t, "kind": k, "created": now, "updated": now}
                           for n, _s, t, k in rows])
        pages = {p.name: p for p in Page.select().where(Page.name.in_(names))}
        who = _attribution()
        bulk_insert(Revision, [{"page": pages[n].id, "number": 1, "source": src, "title": t,
                                "comment": comment, "author": author, "created": now, "action": action,
                                "size": len(src.encode("utf-8")), **who} for n, src, t, _k in rows])
        revisions = {r.page_id: r for r in Revision.select().where(
            Revision.page.in_([p.id for p in pages.values()]))}
        Page.update(revision=Revision.select(Revision.id).where(Revision.page == Page.id)).where(
            Page.id.in_([p.id for p in pages.values()])).execute()
        links = [{"source": pages[n].id, "target": t} for n, src, _t, _k in rows
                 for t in sorted(link_targets(src) - {n})]
        bulk_insert(Link, links)
        pairs = []
        for name in names:
            page = pages[name]
            page.revision = revisions[page.id].id
            pairs.append((page, revisions[page.id]))
        for hook in _write_hooks:
            hook(pairs, True)
    if announce:
        app = current_app._get_current_object()
        for page, revision in pairs:
            events.page_saved.send(app, page=page, revision=revision, created=True)
    return [SaveResult(page, revision, created=True) for page, revision in pairs]


def _int(value):
    """A revision id from a form, the API or a URL; None when missing, not a number or out of range
    (a huge number must not reach the database: SQLite overflows, PostgreSQL says out of range)."""
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and 0 < number <= MAX_ID else None


def _update_links(page: Page, source: str) -> None:
    Link.delete().where(Link.source == page).execute()
    targets = sorted(link_targets(source) - {page.name})
    if targets:
        Link.insert_many([{"source": page.id, "target": t} for t in targets]).execute()


def restore_revision(name: str, revision_id, *, author: str = "", comment: str = "") -> SaveResult:
    """Make an old revision current again, as a new revision (history is never rewritten)."""
    page = get_page(name)
    old = get_revision(page, revision_id)
    comment = comment or str(_l("Restored revision %(number)s", number=old.number))
    return save_page(name, old.source, base_revision=page.revision, comment=comment, author=author,
                     title=old.title, action="restore")


def delete_page(name: str, *, author: str = "", comment: str = "") -> Page:
    """Move a page to the trash: hidden everywhere, its history kept, restorable."""
    comment, author = _clean_meta(comment, author)
    with write_transaction():
        page = get_page(name)
        guard_write(page.name, page.kind)
        check_writable(page)
        revision = _same_text_revision(page, comment, author, "delete")
        Page.update(deleted=revision.created).where(Page.id == page.id).execute()
        page.deleted = revision.created
    events.page_deleted.send(current_app._get_current_object(), page=page)
    return page


def undelete_page(name: str, *, author: str = "") -> Page:
    """Take a page out of the trash, as it was."""
    _, author = _clean_meta("", author)
    with write_transaction():
        page = get_page(name, include_deleted=True)
        if not page.deleted:
            return page
        guard_write(page.name, page.kind)
        check_writable(page)
        revision = _same_text_revision(page, str(_l("Restored from the trash")), author, "undelete")
        Page.update(deleted=None).where(Page.id == page.id).execute()
        page.deleted = None
    events.page_restored.send(current_app._get_current_object(), page=page, revision=revision)
    return page


def _same_text_revision(page: Page, comment: str, author: str, action: str) -> Revision:
    """A new current revision with the current text (trashed, restored, taken over): inside the
    caller's transaction; `comment` and `author` already cleaned."""
    current = current_revision(page)
    now = utcnow()
    revision = Revision.create(page=page, number=current.number + 1, source=current.source,
                               title=page.title, comment=comment, author=author, created=now,
                               base=current.id, action=action, size=current.size, **_attribution())
    Page.update(updated=now, revision=revision.id).where(Page.id == page.id).execute()
    page.updated, page.revision = now, revision.id
    return revision


def note_revision(name: str, *, comment: str, author: str, action: str) -> SaveResult:
    """Record an event in a page's history without changing its text (a page taken over)."""
    comment, author = _clean_meta(comment, author)
    with write_transaction():
        page = locked(Page.select().where(Page.name == name)).first()
        if page is None or page.deleted:
            raise NotFound(_l("There is no page “%(name)s”.", name=name))
        guard_write(page.name, page.kind)
        revision = _same_text_revision(page, comment, author, action)
    events.page_saved.send(current_app._get_current_object(), page=page, revision=revision, created=False)
    return SaveResult(page, revision)


def page_count() -> int:
    return Page.select().where(Page.deleted.is_null()).count()


def in_transaction():
    return database.atomic()
