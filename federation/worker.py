"""The delivery worker: `bocage worker DIR`, which `bocage serve` also starts next to gunicorn.

It claims due rows (delivery.claim) and sends them from a pool of threads, each in an app
context of its own. The pool is topped up as sends finish, never by batches: a server that
hangs until the timeout holds one thread, not the rows claimed with it. Stopping it (SIGTERM,
Ctrl-C) lets the sends under way finish; a kill loses nothing (leases run out, see delivery.py).

`bocage serve` runs it as a child process, not as a thread of gunicorn's master: the master forks
its workers at any time (start, restarts), and an SQLite connection in use by a thread must not
cross a fork (a worker then waited 10 s on a lock nobody released, in the end-to-end test)."""
import logging
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from wiki.db import database

from . import delivery

log = logging.getLogger("federation.worker")
THREADS = 16


def _one(app, row) -> str:
    with app.app_context():
        try:
            return delivery.deliver(row)
        except Exception:            # a bug must not stop the worker: the lease will run out
            log.exception("delivery %s failed", row.id)
            return "error"
        finally:
            if not database.is_closed():
                database.close()


def _announce_queued(app) -> int:
    """A batch of the queued work: the content the inbox received (inbox.drain), the
    activities of an import's changes (publish.drain)."""
    from . import inbox, publish
    done = 0
    for drain, what in ((inbox.drain, "received content"), (publish.drain, "queued changes")):
        try:
            done += drain(app)
        except Exception:
            log.exception("worker: %s", what)
    return done


def run_once(app, pool: ThreadPoolExecutor | None = None) -> int:
    """Announce what an import queued, deliver what is due now; the number of rows handled."""
    while _announce_queued(app):
        pass
    with app.app_context():
        rows = delivery.claim(limit=THREADS * 4)
        database.close()
    if not rows:
        return 0
    own = pool is None
    pool = pool or ThreadPoolExecutor(THREADS)
    try:
        list(pool.map(lambda row: _one(app, row), rows))
    finally:
        if own:
            pool.shutdown()
    return len(rows)


def _top_up(app, pool: ThreadPoolExecutor, in_flight: set) -> int:
    """Claim rows for the free places (two per thread: none idles between claims); the number."""
    in_flight -= {future for future in in_flight if future.done()}
    room = THREADS * 2 - len(in_flight)
    if room <= 0:
        return 0
    with app.app_context():
        rows = delivery.claim(limit=room)
        database.close()
    in_flight.update(pool.submit(_one, app, row) for row in rows)
    return len(rows)


def run(app, stop: threading.Event, idle: float = 1.0) -> None:
    from . import autofollow
    follows_sent, next_try = False, 0.0
    in_flight: set = set()
    pool = ThreadPoolExecutor(THREADS, thread_name_prefix="delivery")
    try:
        while not stop.is_set():
            if not follows_sent and time.monotonic() >= next_try:
                try:
                    follows_sent = autofollow.run(app)
                except Exception:
                    log.exception("follows from the settings")
                next_try = time.monotonic() + 3
            announced = _announce_queued(app)      # a batch between two rounds of sends
            try:
                claimed = _top_up(app, pool, in_flight) + announced
            except Exception:
                log.exception("worker loop")
                claimed = 0
            if in_flight:            # until a place is free (or `idle`: rows queued meanwhile)
                wait(in_flight, timeout=idle, return_when=FIRST_COMPLETED)
            elif not claimed:
                stop.wait(idle)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)     # sends under way finish; queued ones wait their lease


def start_process(app):
    """Run `bocage worker DIR` as a child process (for `bocage serve`); returns its stopper."""
    folder = str(app.extensions["bocage.instance"].path)
    child = subprocess.Popen([sys.executable, "-m", "wiki.cli", "worker", folder, "--idle", "0.5"])

    def stopper():
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return stopper
