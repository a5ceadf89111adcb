"""From an address to positions: the search behind the geo field's "find the position" button.

Off unless instance.toml says which provider to ask:

    [geocoding]
    provider = "ban"        # the Base Adresse Nationale (France), or "nominatim" (OpenStreetMap)
    url = "..."             # optional: another server speaking the same language
    allow_private_addresses = false
    timeout = 5             # seconds

`search(query)` gives a list of `Candidate(label, lat, lon)`, best first (possibly empty), or
raises `GeocodingError` with a message for people (off, unreachable, an answer it cannot read):
never a 500. Requests go through wiki/outbound.py (public addresses only, timeouts, size cap).
Recent answers are kept in memory (per app, `CACHE_SIZE` queries for `CACHE_SECONDS`), and
requests to the provider are limited to `PROVIDER_RATE` per minute (Nominatim asks for one a
second at most); `RateLimit` also serves the API's per-visitor limit.
"""
import json
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import outbound

MAX_QUERY = 200              # characters of an address
RESULTS = 5
CACHE_SIZE = 256
CACHE_SECONDS = 3600
PROVIDER_RATE = 60           # requests to the provider per minute, per process
URLS = {"ban": "https://api-adresse.data.gouv.fr/search/",
        "nominatim": "https://nominatim.openstreetmap.org/search"}


@dataclass(frozen=True)
class Candidate:
    label: str
    lat: float
    lon: float


class GeocodingError(Exception):
    def __init__(self, message, status: int = 502):
        super().__init__(str(message))
        self.message, self.status = message, status


class RateLimit:
    """At most `count` calls per `seconds` for each key (a sliding window, in memory)."""

    def __init__(self, count: int, seconds: float = 60):
        self.count, self.seconds = count, seconds
        self._calls: dict[str, deque] = {}
        self._lock = threading.Lock()

    def allow(self, key: str = "") -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._calls) > 10_000:            # forget idle keys now and then
                self._calls = {k: v for k, v in self._calls.items() if v and v[-1] > now - self.seconds}
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - self.seconds:
                calls.popleft()
            if len(calls) >= self.count:
                return False
            calls.append(now)
            return True


class _State:
    def __init__(self):
        self.cache: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.provider_rate = RateLimit(PROVIDER_RATE)


def _state() -> _State:
    return current_app.extensions.setdefault("bocage.geocoding", _State())


def _instance():
    return current_app.extensions["bocage.instance"]


def enabled() -> bool:
    return bool(_instance().geocoding_provider)


def _request_url(provider: str, base: str, query: str) -> str:
    if provider == "ban":
        params = {"q": query, "limit": RESULTS}
    else:
        params = {"format": "jsonv2", "q": query, "limit": RESULTS}
    return f"{base}{'&' if '?' in base else '?'}{urlencode(params)}"


def _number(value, limit) -> float:
    number = float(value)           # Nominatim gives strings, BAN numbers
    if not -limit <= number <= limit:
        raise ValueError(value)
    return round(number, 6)


def _parse(provider: str, data) -> list[Candidate]:
    """Candidates from the provider's JSON; ValueError/KeyError/TypeError if it is not its format."""
    found = []
    if provider == "ban":           # GeoJSON: features[].geometry.coordinates = [lon, lat]
        if not isinstance(data, dict) or not isinstance(data.get("features"), list):
            raise ValueError("not a FeatureCollection")
        for feature in data["features"]:
            lon, lat = feature["geometry"]["coordinates"][:2]
            found.append(Candidate(str(feature["properties"]["label"])[:300], _number(lat, 90),
                                   _number(lon, 180)))
    else:                           # [{display_name, lat, lon}]
        if not isinstance(data, list):
            raise ValueError("not a list")
        for place in data:
            found.append(Candidate(str(place["display_name"])[:300], _number(place["lat"], 90),
                                   _number(place["lon"], 180)))
    return found[:RESULTS]


def search(query: str) -> list[Candidate]:
    instance = _instance()
    provider = instance.geocoding_provider
    if not provider:
        raise GeocodingError(_l("Address search is not set up on this wiki."), 404)
    query = " ".join(str(query or "").split())
    if not query:
        raise GeocodingError(_l("Type an address first."), 400)
    if len(query) > MAX_QUERY:
        raise GeocodingError(_l("This address is too long (at most %(num)d characters).", num=MAX_QUERY), 400)
    base = instance.geocoding_url or URLS[provider]
    key = (provider, base, query.casefold())
    state = _state()
    with state.lock:
        hit = state.cache.get(key)
        if hit and hit[0] > time.monotonic() - CACHE_SECONDS:
            state.cache.move_to_end(key)
            return list(hit[1])
    if not state.provider_rate.allow(base):
        raise GeocodingError(_l("Too many address searches at once: wait a moment and try again."), 429)
    try:
        answer = outbound.fetch(_request_url(provider, base, query), user_agent=outbound.user_agent(instance),
                                allow_private=instance.geocoding_allow_private, max_bytes=512 * 1024,
                                timeout=instance.geocoding_timeout)
        found = _parse(provider, json.loads(answer.body))
    except outbound.OutboundError as exc:
        current_app.logger.warning("geocoding: %s", exc)
        raise GeocodingError(_l("The address search service cannot be reached just now. Type the "
                                "latitude and longitude, or try again later.")) from None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        current_app.logger.warning("geocoding: unreadable answer from %s: %r", base, exc)
        raise GeocodingError(_l("The address search service gave an answer that cannot be read. "
                                "Type the latitude and longitude, or try again later.")) from None
    with state.lock:
        state.cache[key] = (time.monotonic(), tuple(found))
        while len(state.cache) > CACHE_SIZE:
            state.cache.popitem(last=False)
    return found
