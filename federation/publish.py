"""Content events become activities: a page or fiche saved is a Create (the first time it is
public) or an Update, trashed a Delete, restored a Create. A page goes out from the territory
actor; a fiche from the territory and from its form's actor (to the followers of each). A fiche
waiting for moderation is not public: nothing goes out until it is approved.

One change (an edit) is announced in its own request. The changes of a bulk import (5,000
fiches: 35 s of documents to build) wait in announce_queue, and the delivery worker announces
them (`drain`), a batch per transaction: the import ends as soon as its fiches are saved.
"""
import logging

from flask import current_app, has_request_context

from wiki import events, rights
from wiki.db import bulk_insert, database, utcnow
from wiki.models import Page

from . import objects, outbox, urls
from .config import instance
from .models import AnnounceQueue

QUEUE_FROM = 20        # changes at the end of one bulk change: more wait for the worker
BATCH = 50             # changes the worker announces per transaction

log = logging.getLogger("federation.publish")


def subscribe(app) -> None:
    events.page_saved.connect(_saved, sender=app)
    events.page_deleted.connect(_deleted, sender=app)
    events.page_restored.connect(_restored, sender=app)
    if hasattr(events, "rights_changed"):
        events.rights_changed.connect(rights_changed, sender=app)


def _senders(page) -> list[str]:
    names = [instance().slug]
    if page.kind != "page" and page.kind in current_app.extensions["bocage.catalogue"].forms:
        names.append(page.kind)
    return names


def announce(page_id: int, change: str) -> None:
    page = Page.get_or_none(Page.id == page_id)
    if page is None:
        return
    object_id = urls.page(page.name)
    last = outbox.last_type(object_id)
    obj = None
    if change != "delete" and page.deleted is None:
        obj = objects.document(page)
        if obj is None and rights.public(page.name, page.kind):
            return                                  # not public for another reason (pending...)
    if obj is None:          # trashed, or private now (wiki/rights.py): gone for the neighbours
        if last in (None, "Delete"):
            return
        obj, type_ = objects.tombstone(page), "Delete"
    else:
        obj.pop("@context", None)
        type_ = "Update" if change == "save" and last in ("Create", "Update") else "Create"
    for local in _senders(page):
        uid, doc = outbox.new_activity(local, type_, obj, to=[urls.PUBLIC],
                                       cc=[f"{urls.actor(local)}/followers"])
        outbox.publish(local, uid, doc, outbox.followers_inboxes(local), object_id=object_id)


def rights_changed(app, pages=(), **_) -> None:
    """Access rules changed (wiki/views/admin_rights.py): pages visitors may no longer read are
    deleted for the neighbours; pages that became public again are sent as new (from the admin
    pages: rendering needs a request; `bocage rights` leaves it to the pages' next change)."""
    if not has_request_context():
        return
    for page in pages:
        if rights.public(page.name, page.kind) and outbox.last_type(urls.page(page.name)) in ("Create", "Update"):
            continue                                # still public: nothing new to say
        try:
            announce(page.id, "save")
        except Exception:
            log.exception("federation: page %s not announced after a rights change", page.id)


def _later_or_now(page, change: str) -> None:
    state = events.at_end_of_bulk("federation", _announce_all)
    if state is None:
        _announce_all({"changes": {page.id: change}})
    else:
        state.setdefault("changes", {})[page.id] = change


def _announce_all(state) -> None:
    """The page is saved whatever happens here: a failure is logged, never raised to the
    editor. Rendering needs a request (links, actions): a save outside of one (`bocage init`'s
    home page) is not announced; its next change will be, as a Create."""
    changes = state.get("changes", {})
    if not has_request_context():
        log.info("federation: %d changes outside a request, not announced", len(changes))
        return
    if len(changes) >= QUEUE_FROM:
        now = utcnow()
        bulk_insert(AnnounceQueue, [{"page": page_id, "change": change, "queued": now}
                                    for page_id, change in changes.items()])
        return
    for page_id, change in changes.items():
        try:
            announce(page_id, change)
        except Exception:
            log.exception("federation: page %s (%s) not announced", page_id, change)


def _saved(app, page, revision=None, created=False, **_):
    _later_or_now(page, "save")


def _deleted(app, page, **_):
    _later_or_now(page, "delete")


def _restored(app, page, **_):
    _later_or_now(page, "restore")


def drain(app, limit: int = BATCH) -> int:
    """Announce up to `limit` queued changes (the delivery worker's job); their activities and
    the removal of their queue rows commit together, so a crash repeats or loses nothing."""
    with app.app_context():
        base = urls.base()
    with app.test_request_context(base_url=base + "/"), database.atomic():
        rows = list(AnnounceQueue.select().order_by(AnnounceQueue.id).limit(limit))
        for row in rows:
            try:
                announce(row.page, row.change)
            except Exception:
                log.exception("federation: page %s (%s) not announced", row.page, row.change)
        if rows:
            AnnounceQueue.delete().where(AnnounceQueue.id.in_([r.id for r in rows])).execute()
    return len(rows)
