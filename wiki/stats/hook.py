"""Which responses count as a page view: a person reading a wiki page or a fiche.

Counted: GET of /wiki/<name> or / answered 200 (rendered or from the page-view cache) or 304
(the browser revalidated the copy it keeps: still someone looking at the page), as HTML.
Not counted: HEAD and other methods, redirects, errors (404, 403), assets, the API, feeds,
lists, maps, admin pages, and user agents that say they are programs (BOT_WORDS) or say nothing.
The hook runs after the view (so it sees both the cached and the rendered paths) and reads
only the request line, the status and the User-Agent header, which is not kept.
"""
import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import request

from . import COUNTER_KEY
from .counter import ViewCounter

PAGE_ENDPOINTS = frozenset({"pages.show", "pages.home"})
COUNTED_STATUS = frozenset({200, 304})
PARIS = ZoneInfo("Europe/Paris")       # the territory's day, as the page-view cache's
# Crawlers, link previews of chat and fediverse servers, monitors, command-line and library
# clients. Most crawlers also put a "+http://their.site/bot.html" in their name.
BOT_WORDS = re.compile(
    r"(?<!cu)bot\b|bot/|crawl|spider|slurp|scrap|archiver|\+https?:|https?://|curl|wget|python|httpx|"
    r"aiohttp|go-http|java/|okhttp|libwww|perl|ruby|axios|node-fetch|headless|phantom|lighthouse|"
    r"pingdom|uptime|monitor|facebookexternalhit|embedly|preview|mastodon|pleroma|akkoma|misskey|"
    r"bingpreview|wrk|ab/|siege|locust|feed|rss")


@lru_cache(maxsize=512)
def is_bot(user_agent: str) -> bool:
    """A program rather than a person's browser, going by what it says it is."""
    return not user_agent.strip() or bool(BOT_WORDS.search(user_agent.lower()))


def today():
    return datetime.now(PARIS).date()


def install(app):
    counter = app.extensions[COUNTER_KEY] = ViewCounter()
    home = app.extensions["bocage.instance"].home

    @app.after_request
    def _count_view(response):
        # Cheapest test first: most responses are not page views (assets, lists, the API).
        if (request.endpoint in PAGE_ENDPOINTS and response.status_code in COUNTED_STATUS
                and request.method == "GET"
                and response.headers.get("Content-Type", "").startswith("text/html")
                and not is_bot(request.headers.get("User-Agent", ""))):
            name = (request.view_args or {}).get("name") or home
            if counter.count(today(), name):
                response.call_on_close(counter.flush)
        return response

    return counter
