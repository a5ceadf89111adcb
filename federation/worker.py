"""The delivery worker: `bocage worker DIR`, which `bocage serve` also starts next to gunicorn.

It claims due rows (delivery.claim) and sends them from a pool of threads, each in an app
context of its own. Stopping it (SIGTERM, Ctrl-C) lets the sends under way finish; a kill loses
nothing (leases run out, see delivery.py).

`bocage serve` runs it as a child process, not as a thread of gunicorn's master: the master forks
its workers at any time (start, restarts), and an SQLite connection in use by a thread must not
cross a fork (a worker then waited 10 s on a lock nobody released, in the end-to-end test)."""
import logging
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

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


def run_once(app, pool: ThreadPoolExecutor | None = None) -> int:
    """Deliver what is due now; the number of rows handled."""
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


def run(app, stop: threading.Event, idle: float = 1.0) -> None:
    from . import autofollow
    follows_sent, next_try = False, 0.0
    with ThreadPoolExecutor(THREADS, thread_name_prefix="delivery") as pool:
        while not stop.is_set():
            if not follows_sent and time.monotonic() >= next_try:
                try:
                    follows_sent = autofollow.run(app)
                except Exception:
                    log.exception("follows from the settings")
                next_try = time.monotonic() + 3
            try:
                handled = run_once(app, pool)
            except Exception:
                log.exception("worker loop")
                handled = 0
            if not handled:
                stop.wait(idle)


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
