"""Page views counted in memory, written to the database now and then as sums.

A view costs a dict increment behind a lock (no query, no file): the page-view cache serves a
page in a fraction of a millisecond, and counting must not show in that figure. Each process
keeps its own counts and adds them to `page_view_day` with an upsert, so any number of gunicorn
workers (and several servers on one database) add up without reading each other: when
FLUSH_VIEWS views are waiting, or FLUSH_SECONDS passed since the last write, the request that
notices it writes them after its response is sent (`response.call_on_close`), and whatever is
left is written at process exit (atexit). An idle worker keeps its few counts until its next
view or its exit. Nothing else is kept: no address, no cookie, no visitor id, no referrer.
"""
import atexit
import logging
import time
import weakref
from datetime import date
from threading import Lock

from ..db import database
from .models import PageViewDay

FLUSH_VIEWS = 500
FLUSH_SECONDS = 30.0
log = logging.getLogger(__name__)
_counters: "weakref.WeakSet[ViewCounter]" = weakref.WeakSet()


class ViewCounter:
    def __init__(self, *, flush_views: int = FLUSH_VIEWS, flush_seconds: float = FLUSH_SECONDS):
        self.flush_views, self.flush_seconds = flush_views, flush_seconds
        self._counts: dict[tuple[date, str], int] = {}
        self._pending = 0
        self._last = time.monotonic()
        self._asked = None               # when a flush was last asked for and not done yet
        self._lock = Lock()              # guards the counts (held for a few hundred nanoseconds)
        self._write_lock = Lock()        # one write at a time per process
        _counters.add(self)

    def count(self, day: date, page: str) -> bool:
        """One view of `page` on `day`. True when the caller should call flush() (once the
        response is sent): this view crossed the count or the time threshold."""
        key = (day, page)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            self._pending += 1
            if self._pending < self.flush_views and time.monotonic() - self._last < self.flush_seconds:
                return False
            now = time.monotonic()
            if self._asked is not None and now - self._asked < self.flush_seconds:
                return False             # another request's flush is on its way
            self._asked = now            # (asked again if that one never ran: a response not closed)
            return True

    def pending(self) -> dict[tuple[date, str], int]:
        """A copy of the counts not written yet."""
        with self._lock:
            return dict(self._counts)

    def _take(self) -> dict:
        with self._lock:
            counts, self._counts, self._pending = self._counts, {}, 0
            self._last = time.monotonic()
            return counts

    def _give_back(self, counts: dict) -> None:
        with self._lock:
            for key, n in counts.items():
                self._counts[key] = self._counts.get(key, 0) + n
                self._pending += n

    def flush(self) -> int:
        """Add the waiting counts to the table; how many views were written. On a database error
        the counts are kept for the next flush (logged, never raised: it runs after a response)."""
        with self._write_lock:
            counts = self._take()
            try:
                if counts:
                    add_views(counts)
                return sum(counts.values())
            except Exception:                          # noqa: BLE001  (a locked or gone database)
                log.exception("page views not written, kept for the next try")
                self._give_back(counts)
                return 0
            finally:
                self._asked = None


def add_views(counts: dict[tuple[date, str], int]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE (SQLite ≥ 3.24 and PostgreSQL): each sum is added to
    the row of its day and page, whoever wrote before."""
    table = PageViewDay._meta.table_name
    mark = database.param
    sql = (f'INSERT INTO "{table}" ("day", "page", "views") VALUES ({mark}, {mark}, {mark}) '
           f'ON CONFLICT ("day", "page") DO UPDATE SET "views" = "{table}"."views" + excluded."views"')
    rows = sorted((day, page[:100], n) for (day, page), n in counts.items())   # one lock order
    day_value = PageViewDay.day.db_value
    opened = database.is_closed()
    if opened:
        database.connect()
    try:
        with database.atomic():
            cursor = database.cursor()
            cursor.executemany(sql, [(day_value(d), p, n) for d, p, n in rows])
    finally:
        if opened:
            database.close()


@atexit.register
def _flush_all_at_exit():
    """The last counts of each counter of this process (a gunicorn worker's graceful exit)."""
    for counter in list(_counters):
        try:
            counter.flush()
        except Exception:                              # noqa: BLE001
            pass

