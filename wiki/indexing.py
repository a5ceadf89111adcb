"""Keeps the search index in step with content, by listening to the content events."""
from flask import current_app

from . import events
from .models import Page, Revision
from .search import SearchDoc, SearchIndex
from .search.index import plain_text


def search_index() -> SearchIndex:
    return current_app.extensions["bocage.search"]


def doc_for(page, revision) -> SearchDoc:
    return SearchDoc(name=page.name, title=page.title, text=plain_text(revision.source),
                     kind=page.kind, updated=page.updated)


def _on_saved(app, page, revision, **_):
    app.extensions["bocage.search"].add(doc_for(page, revision))


def _on_restored(app, page, revision, **_):
    app.extensions["bocage.search"].add(doc_for(page, revision))


def _on_deleted(app, page, **_):
    app.extensions["bocage.search"].remove(page.name)


def init_app(app):
    instance = app.extensions["bocage.instance"]
    app.extensions["bocage.search"] = SearchIndex(instance.search_dir)
    # weak=False: the handlers are module functions, kept for the life of the process
    events.page_saved.connect(_on_saved, weak=False)
    events.page_restored.connect(_on_restored, weak=False)
    events.page_deleted.connect(_on_deleted, weak=False)


def reindex(progress=None) -> int:
    """Rebuild the whole index from the database (bocage reindex)."""
    query = (Page.select(Page, Revision).join(Revision, on=(Revision.id == Page.revision), attr="current")
             .where(Page.deleted.is_null()))
    return search_index().rebuild((doc_for(p, p.current) for p in query.iterator()), progress=progress)
