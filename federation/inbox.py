"""The inboxes (one per actor, and the shared one): trust nothing that is not proven.

In order, each failure answered at once and logged with its reason:
size (413) · RFC 9421-only or unsigned (401) · blocked domain (403, before anything is fetched)
· rate per domain (429) · Date window and Digest (401) · JSON (400) · blocked actor, the
activity's or the key's (403, still before any fetch) · the signature, with the
key refetched once (401) · the key's owner is the activity's actor, and the ids the activity
creates or changes are on the actor's host (401) · already seen (202, not applied again)
· applied (202), in one transaction with its id marked seen; an activity we do nothing with
(a Create from an actor not followed yet) is not marked, so that it counts when it comes again.
"""
import json
import logging
import threading
import time
from collections import defaultdict, deque

from flask import Response, request
from peewee import IntegrityError

from wiki.db import database

from . import activities, blocklist, httpsig, remote, urls
from .config import settings
from .models import InboxQueue, RemoteActor, SeenActivity

log = logging.getLogger("federation.inbox")
CHANGES = ("Create", "Update", "Delete")
DEFERRED = ("Create", "Update", "Announce")     # content: kept by the worker (inbox_processing)


class _RateLimit:
    """Activities per remote domain in the last minute (per process)."""

    def __init__(self):
        self.lock, self.seen = threading.Lock(), defaultdict(deque)

    def allow(self, domain: str, per_minute: int) -> bool:
        now = time.monotonic()
        with self.lock:
            times = self.seen[domain]
            while times and times[0] < now - 60:
                times.popleft()
            if len(times) >= per_minute:
                return False
            times.append(now)
            return True


rate_limit = _RateLimit()


def _answer(status: int, reason: str = "") -> Response:
    if status >= 400:
        log.warning("inbox %s %s from %s: %s", request.path, status, request.remote_addr, reason)
    response = Response(reason if status >= 400 else "", status=status, content_type="text/plain")
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response


def _id(value) -> str:
    return value.get("id", "") if isinstance(value, dict) else value if isinstance(value, str) else ""


def _read_body(limit: int) -> bytes:
    if (request.content_length or 0) > limit:
        raise httpsig.Refused(413, f"body larger than {limit} bytes")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise httpsig.Refused(413, f"body larger than {limit} bytes")
    return body


def _verified_actor(headers: dict, body: bytes, activity: dict):
    key_id = httpsig.key_id_of(headers)
    try:
        sender = remote.actor_for_key(key_id)
        ok = httpsig.verify("POST", request.url, headers, body, sender.public_key, sender.url)
        if not ok:                       # keys change: fetch it again, once
            sender = remote.actor_for_key(key_id, refresh=True)
            ok = httpsig.verify("POST", request.url, headers, body, sender.public_key, sender.url)
    except remote.RemoteError as exc:
        raise httpsig.Refused(401, f"key {key_id[:200]}: {exc}") from None
    if not ok:
        raise httpsig.Refused(401, f"signature does not verify with {key_id[:200]}")
    if _id(activity.get("actor")) != sender.url:
        raise httpsig.Refused(401, f"signed by {sender.url[:200]} for actor {_id(activity.get('actor'))[:200]}")
    host = urls.host_of(sender.url)
    if activity.get("id") and urls.host_of(str(activity["id"])) != host:
        raise httpsig.Refused(401, "activity id on another host than its actor")
    if activity.get("type") in CHANGES and urls.host_of(_id(activity.get("object"))) != host:
        raise httpsig.Refused(401, f"{activity['type']} of an object of another host")
    return sender


def receive(local: str | None) -> Response:
    """POST to the inbox of our actor `local` (None: the shared inbox)."""
    config = settings()
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        body = _read_body(config.max_inbox_kb * 1024)
        key_id = httpsig.key_id_of(headers)
        domain = urls.host_of(key_id)
        if not domain or blocklist.is_blocked(domain):
            raise httpsig.Refused(403, f"domain {domain or '?'} is blocked")
        if not rate_limit.allow(domain, config.rate_limit_per_minute):
            raise httpsig.Refused(429, f"{domain} sends more than {config.rate_limit_per_minute} a minute")
        httpsig.check_date_and_digest(headers, body, config.date_window_seconds)
        try:
            activity = json.loads(body)
        except ValueError:
            raise httpsig.Refused(400, "body is not JSON") from None
        if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
            raise httpsig.Refused(400, "not an activity")
        actor_domain = urls.host_of(_id(activity.get("actor")))
        if actor_domain != domain and blocklist.is_blocked(actor_domain):    # the key's: checked above
            raise httpsig.Refused(403, "actor's domain is blocked")
        if blocklist.actor_blocked(_id(activity.get("actor"))) or blocklist.actor_blocked(key_id):
            raise httpsig.Refused(403, "actor is blocked")
        sender = _verified_actor(headers, body, activity)
    except httpsig.Refused as refused:
        return _answer(refused.status, refused.reason)
    try:
        with database.atomic() as transaction:
            if activity.get("id"):
                SeenActivity.create(activity_id=str(activity["id"])[:500])
            if activity["type"] in DEFERRED and config.inbox_processing == "deferred":
                InboxQueue.create(activity=json.dumps(activity), sender=sender.url, local=local or "")
            else:
                apply(activity, sender, local, transaction)
    except IntegrityError:
        log.info("inbox: %s already received", activity.get("id"))
    return _answer(202)


def apply(activity: dict, sender, local: str | None, transaction) -> None:
    """Do what `activity` says (in `transaction`, which has its id marked seen)."""
    try:
        activities.handle(activity, sender, local)
    except activities.Ignored as exc:        # not seen: it may count later (after an Accept)
        transaction.rollback()
        log.info("inbox: %s %s ignored: %s", activity.get("type"), activity.get("id"), exc)


def drain(app, limit: int = 50) -> int:
    """Keep the content the inbox queued (the delivery worker's job). No transaction around it:
    keeping a page commits its revision, then updates the search index, and the inbox's own
    writes must not wait for that. A row goes once its activity is handled; a crash in between
    handles it again (an object kept twice is the same object)."""
    with app.app_context():
        base = urls.base()
    done = 0
    with app.test_request_context(base_url=base + "/"):
        for row in list(InboxQueue.select().order_by(InboxQueue.id).limit(limit)):
            activity = json.loads(row.activity)
            sender = RemoteActor.get_or_none(RemoteActor.url == row.sender)
            try:
                if sender is not None:
                    activities.handle(activity, sender, row.local or None)
            except Exception as exc:        # Ignored or failed: not seen, so that it counts when it comes again
                SeenActivity.delete().where(SeenActivity.activity_id == str(activity.get("id", ""))[:500]).execute()
                if isinstance(exc, activities.Ignored):
                    log.info("inbox: %s %s ignored: %s", activity.get("type"), activity.get("id"), exc)
                else:
                    log.exception("inbox: %s %s not kept", activity.get("type"), activity.get("id"))
            InboxQueue.delete().where(InboxQueue.id == row.id).execute()
            done += 1
    return done
