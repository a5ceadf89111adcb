"""Keeps the search index in step with content, by listening to the content events.

The receivers run after the database commit: an index failure (SearchIndexLocked while `bocage
reindex` holds the lock, a full disk...) must not turn a saved page into an error. The failure is
logged and the page is marked as pending, one empty file per page name in data/search-pending/
(shared by every process of the instance, kept across restarts). The next successful index update,
or `bocage reindex`, indexes the pending pages again from the database.
"""
import os

from flask import current_app

from . import events
from .fiches import entries
from .models import Entry, Page, Revision
from .names import is_valid_name
from .search import SearchDoc, SearchIndex, SearchIndexLocked
from .search.index import plain_text


def search_index() -> SearchIndex:
    return current_app.extensions["bocage.search"]


def doc_for(page, revision) -> SearchDoc:
    text = plain_text(revision.source) if page.kind == "page" else fiche_text(page, revision)
    return SearchDoc(name=page.name, title=page.title, text=text, kind=page.kind, updated=page.updated)


def fiche_text(page, revision) -> str:
    """A fiche's public words (never its private fields), in the form's order."""
    form = current_app.extensions["bocage.catalogue"].form(page.kind)
    try:
        values = entries.from_source(revision.source)
    except ValueError:
        return ""
    return plain_text(entries.public_text(form, values)) if form else ""


# --------------------------------------------------------------------------- pages waiting to be indexed

def pending_dir(app) -> str:
    return os.fspath(app.extensions["bocage.instance"].search_pending_dir)


def pending_pages(app) -> list[str]:
    """Names of the pages whose last change could not reach the index."""
    try:
        return sorted(n for n in os.listdir(pending_dir(app)) if is_valid_name(n))
    except FileNotFoundError:
        return []


def _mark_pending(app, name: str) -> None:
    folder = pending_dir(app)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "a"):
        pass


def _unmark(app, name: str) -> bool:
    """Take the mark off before reading the database: a change marked meanwhile stays marked."""
    try:
        os.remove(os.path.join(pending_dir(app), name))
        return True
    except FileNotFoundError:   # another thread or process took it
        return False


def _index_from_database(app, name: str) -> None:
    """Bring one page's index entry in line with the database, whatever happened to it."""
    page = (Page.select(Page, Revision).join(Revision, on=(Revision.id == Page.revision), attr="current")
            .where(Page.name == name).first())
    if page is None or page.deleted:
        app.extensions["bocage.search"].remove(name)
    else:
        app.extensions["bocage.search"].add(doc_for(page, page.current))


def catch_up(app) -> int:
    """Index the pending pages again; returns how many were done. Stops at the first failure
    (the index is still unavailable), leaving that page and the rest marked."""
    done = 0
    for name in pending_pages(app):
        if not _unmark(app, name):
            continue
        try:
            _index_from_database(app, name)
        except Exception:
            _mark_pending(app, name)
            raise
        done += 1
    if done:
        app.logger.info("search index caught up with %d pending page(s)", done)
    return done


def _log_failure(app, what: str, exc: Exception) -> None:
    app.logger.warning("search index not updated for %s (%s: %s); marked for re-indexing, done at the "
                       "next index update or by `bocage reindex`", what, type(exc).__name__, exc,
                       exc_info=not isinstance(exc, SearchIndexLocked))   # a busy lock needs no traceback


def _update(app, name: str, action) -> None:
    """Run `action(index)` for page `name`; on failure, log and mark the page instead of raising."""
    try:
        action(app.extensions["bocage.search"])
    except Exception as exc:
        try:
            _mark_pending(app, name)
        except OSError:
            app.logger.exception("could not mark page %r for re-indexing", name)
        _log_failure(app, f"page {name!r}", exc)
        return
    try:
        catch_up(app)
    except Exception as exc:
        _log_failure(app, "pending pages", exc)


# -------------------------------------------------------------------------- many changes, one commit
def _change(app, name: str, doc) -> None:
    """Index `doc` for page `name` (None: remove it), now, or in one commit at the end of a bulk
    change (events.bulk_change: imports save thousands of pages, a whoosh commit each would cost
    more than the saves)."""
    changes = events.at_end_of_bulk(("search", id(app)), lambda state: _write_bulk(app, state))
    if changes is not None:
        changes[name] = doc
    elif doc is None:
        _update(app, name, lambda index: index.remove(name))
    else:
        _update(app, name, lambda index: index.add(doc))


def _write_bulk(app, changes: dict) -> None:
    docs = [doc for doc in changes.values() if doc is not None]
    removed = [name for name, doc in changes.items() if doc is None]
    try:
        app.extensions["bocage.search"].update_many(docs, removed)
    except Exception as exc:
        for name in changes:
            _mark_pending(app, name)
        _log_failure(app, f"{len(changes)} pages", exc)


def _on_saved(app, page, revision, **_):
    _change(app, page.name, doc_for(page, revision))


def _on_restored(app, page, revision, **_):
    if page.kind != "page" and entries.is_pending(page):
        return        # a refused fiche taken out of the trash waits for moderation again: not public
    _change(app, page.name, doc_for(page, revision))


def _on_deleted(app, page, **_):
    _change(app, page.name, None)


def _on_forms_changed(app, forms, **_):
    """A form changed (a field made private...): its published fiches are indexed again."""
    query = (Page.select(Page, Revision).join(Revision, on=(Revision.id == Page.revision), attr="current")
             .join(Entry, on=(Entry.page == Page.id))
             .where(Page.kind.in_(forms) & Page.deleted.is_null() & (Entry.status == "published")))
    changes = {page.name: doc_for(page, page.current) for page in query}
    if changes:
        _write_bulk(app, changes)


def init_app(app):
    instance = app.extensions["bocage.instance"]
    app.extensions["bocage.search"] = SearchIndex(instance.search_dir)
    # weak=False: the handlers are module functions, kept for the life of the process
    events.page_saved.connect(_on_saved, weak=False)
    events.page_restored.connect(_on_restored, weak=False)
    events.page_deleted.connect(_on_deleted, weak=False)
    events.forms_changed.connect(_on_forms_changed, weak=False)


def reindex(progress=None) -> int:
    """Rebuild the whole index from the database (bocage reindex); this clears the pending marks
    taken before it starts reading (a page marked during the rebuild stays marked)."""
    app = current_app._get_current_object()
    pending = [name for name in pending_pages(app) if _unmark(app, name)]
    query = (Page.select(Page, Revision).join(Revision, on=(Revision.id == Page.revision), attr="current")
             .where(Page.deleted.is_null()))
    try:
        return search_index().rebuild((doc_for(p, p.current) for p in query.iterator()), progress=progress)
    except BaseException:
        for name in pending:
            _mark_pending(app, name)
        raise
