"""Whole-response cache for page views: most requests a wiki gets are reads of unchanged pages.

A page view depends on more than its own revision (linked pages turn red or blue, actions list
recent changes or include other pages), so instead of tracking what depends on what, any content
change anywhere invalidates every cached view: each content event writes a new random token to
`data/content-version`, which every worker of the instance reads (one small file read) on each
request. A view is rendered once per worker and per language, then served from memory, with an
ETag so that phones on a weak connection revalidate with a 304 instead of downloading it again.

Only plain reads are cached: GET without a query string and with no flashed message waiting, for
visitors (an admin's pages show admin links).
"""
import hashlib
import os
import secrets
import time
from collections import OrderedDict
from datetime import datetime
from threading import Lock
from zoneinfo import ZoneInfo

from flask import Response, current_app, request, session

from .. import events
from ..rights import signed_in_session

VERSION_FILE = "content-version"
PARIS = ZoneInfo("Europe/Paris")   # the day of the territory (fiches.agenda.DEFAULT_ZONE)
MAX_ENTRIES = 300          # about 10 KB each: a few MB per worker at most
MAX_QUERY = 600            # longer query strings are not cached (nobody shares such a link)
RECHECK_S = 1.0


class ViewCache:
    def __init__(self, data_dir):
        self.path = os.path.join(str(data_dir), VERSION_FILE)
        self._entries: OrderedDict[tuple, tuple[str, bytes]] = OrderedDict()
        self._lock = Lock()
        self._known = None        # (stat stamp, token, when read)

    def version(self) -> str:
        """The current token. The file is re-read only when its inode, time or size changed (a
        stat costs a few microseconds, an open and read ten times more), and at least every
        RECHECK_S seconds in case a replacement reused both the inode and the clock tick."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return self.bump()
        now = time.monotonic()
        stamp = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)
        known = self._known
        if known is not None and known[0] == stamp and now - known[2] < RECHECK_S:
            return known[1]
        try:
            with open(self.path, encoding="ascii") as f:
                token = f.read(64)
        except FileNotFoundError:
            return self.bump()
        self._known = (stamp, token, now)
        return token

    def bump(self) -> str:
        """A new token, written atomically: readers see the old file or the new one, never half."""
        token = secrets.token_hex(8)
        tmp = f"{self.path}.{os.getpid()}.{secrets.token_hex(4)}"
        with open(tmp, "w", encoding="ascii") as f:
            f.write(token)
        os.replace(tmp, self.path)
        with self._lock:
            self._entries.clear()
        return token

    def get(self, key, version):
        with self._lock:
            hit = self._entries.get(key)
            if hit is None or hit[0] != version:
                return None
            self._entries.move_to_end(key)
            return hit[1]

    def put(self, key, version, body: bytes):
        with self._lock:
            self._entries[key] = (version, body)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)


def cached_view(key: tuple, render, *, with_args: bool = False):
    """Serve `render()` (an HTML string, or a (html, status) pair) through the cache.

    `key` must name everything the response depends on besides content (page name, language),
    as short ASCII strings: it is also part of the ETag, the same in every worker. With
    `with_args`, the query string is part of the key too (lists and agendas with their filters);
    without, a request with a query string is not cached.
    """
    query = request.query_string
    if (query and not with_args) or len(query) > MAX_QUERY or session.get("_flashes") or signed_in_session():
        return render()
    if query:
        key = (*key, hashlib.sha256(query).hexdigest()[:16])
    cache: ViewCache = current_app.extensions["bocage.viewcache"]
    version = cache.version()
    key = (*key, _day())
    etag = "-".join((version, *key))
    body = cache.get(key, version)
    if body is None:
        result = render()
        if isinstance(result, tuple):      # not a 200: served as it is, not cached
            return result
        body = result.encode("utf-8")
        cache.put(key, version, body)
    response = Response(body, mimetype="text/html")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"    # may keep it, must ask again each time
    return response.make_conditional(request)


def _day() -> str:
    """Part of every key: a page with {{agenda}} shows the next events, which change at midnight
    even when no content does. One re-render per page and day is cheap."""
    return datetime.now(PARIS).date().isoformat()


def _on_change(app, **_):
    cache = app.extensions["bocage.viewcache"]
    if events.at_end_of_bulk(("viewcache", id(app)), lambda _state: cache.bump()) is None:
        cache.bump()


def init_app(app):
    app.extensions["bocage.viewcache"] = ViewCache(app.extensions["bocage.instance"].data)
    for signal in (events.page_saved, events.page_deleted, events.page_restored,
                   events.attachment_added, events.attachment_deleted, events.provenance_changed):
        signal.connect(_on_change, weak=False)

