"""Edits per minute, per address or per account: a sliding window kept in memory by each process.

Per process on purpose: no table to write on every edit, nothing kept about anyone after a
minute. With N workers the real limit is up to N times the setting, which is still far below
what a spam robot needs.
"""
import math
import threading
import time
from collections import deque

WINDOW = 60.0
MAX_KEYS = 50_000            # beyond this, keys idle for a whole window are dropped


class SlidingWindow:
    def __init__(self, window: float = WINDOW, clock=time.monotonic):
        self.window, self.clock = window, clock
        self.hits: dict[str, deque] = {}
        self.lock = threading.Lock()

    def allow(self, key: str, limit: int) -> bool:
        """Count one event for `key` unless `limit` events happened within the window already
        (refused events are not counted: a person waits one minute, not more)."""
        if limit <= 0:
            return True
        now = self.clock()
        with self.lock:
            hits = self.hits.get(key)
            if hits is None:
                if len(self.hits) >= MAX_KEYS:
                    self._sweep(now)
                hits = self.hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True

    def wait(self, key: str) -> int:
        """Seconds until `key` may act again (at least 1)."""
        with self.lock:
            hits = self.hits.get(key)
            if not hits:
                return 1
            return max(1, math.ceil(hits[0] + self.window - self.clock()))

    def _sweep(self, now: float) -> None:
        for key in [k for k, h in self.hits.items() if not h or h[-1] <= now - self.window]:
            del self.hits[key]
