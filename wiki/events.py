"""Content events: the seam between the wiki core and the layers that react to content.

The search index, the page-view cache and later federation subscribe to these signals; the core
never imports them. Anything that changes what pages show must send one: the view cache
(`wiki.views.cache`) drops every cached view on each of them.
Every signal is sent after the database transaction has committed, with keyword arguments:

- page_saved(app, page=Page, revision=Revision, created=bool)
- page_deleted(app, page=Page)             -- moved to the trash
- page_restored(app, page=Page)            -- taken out of the trash
- attachment_added(app, attachment=Attachment)
- attachment_deleted(app, attachment=Attachment)
- forms_changed(app, forms=[form id, ...])  -- forms whose fields changed, their fiches re-projected
- provenance_changed(app, page=Page)       -- a common's original changed or was withdrawn after it was
                                              adopted, or that notice was dismissed (the text is unchanged)
- rights_changed(app, pages=[Page, ...])   -- the read rule of these pages changed (wiki/views/admin_rights.py)
"""
import contextlib
import contextvars

from blinker import Namespace

_signals = Namespace()

page_saved = _signals.signal("page-saved")
page_deleted = _signals.signal("page-deleted")
page_restored = _signals.signal("page-restored")
attachment_added = _signals.signal("attachment-added")
attachment_deleted = _signals.signal("attachment-deleted")
forms_changed = _signals.signal("forms-changed")
provenance_changed = _signals.signal("provenance-changed")
rights_changed = _signals.signal("rights-changed")     # (app, pages=[Page...]) whose read rule changed


# -- many changes at once ------------------------------------------------------------------
_bulk: contextvars.ContextVar[dict | None] = contextvars.ContextVar("bocage_bulk_change", default=None)


@contextlib.contextmanager
def bulk_change():
    """Many changes in a row (an import): the signals are still sent for each, but receivers may
    defer costly work to the end with `at_end_of_bulk` (one search-index commit, one cache
    invalidation instead of thousands)."""
    if _bulk.get() is not None:      # nested: the outer one runs the callbacks
        yield
        return
    callbacks: dict = {}
    token = _bulk.set(callbacks)
    try:
        yield
    finally:
        _bulk.reset(token)
        for callback, state in callbacks.values():
            callback(state)


def at_end_of_bulk(key, callback) -> dict | None:
    """Within a bulk change: register `callback(state)` to run once at its end (the first one
    given for a `key` wins) and return `state`, a dict the receiver fills meanwhile. None when
    there is no bulk change: the receiver does its work now."""
    callbacks = _bulk.get()
    if callbacks is None:
        return None
    if key not in callbacks:
        state: dict = {}
        callbacks[key] = (callback, state)
    return callbacks[key][1]
