"""How often something may happen per key (an address, an e-mail address) within a window:
sign-ups, password-reset e-mails. Kept in each process's memory, like sign-in throttling."""
import time
from collections import deque
from threading import Lock

from flask import current_app

LIMITS = {                          # name: (events, window in seconds)
    "reset-email": (3, 3600),       # reset e-mails to one address per hour
    "reset-addr": (10, 3600),       # reset requests from one network address per hour
    "signup-addr": (10, 3600),      # sign-ups from one network address per hour
    "confirm-email": (3, 3600),     # confirmation e-mails to one address per hour
}


class Limiter:
    def __init__(self):
        self._events: dict[str, deque] = {}
        self._lock = Lock()

    def allow(self, name: str, key: str) -> bool:
        """Count one event; False (and not counted) when the limit is reached."""
        most, window = LIMITS[name]
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault(f"{name}:{key}", deque())
            while events and now - events[0] > window:
                events.popleft()
            if len(events) >= most:
                return False
            events.append(now)
            if len(self._events) > 20_000:              # never grow without end
                self._events.pop(next(iter(self._events)))
            return True


def allow(name: str, key: str) -> bool:
    return current_app.extensions.setdefault("bocage.limits", Limiter()).allow(name, key)
