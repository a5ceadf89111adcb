"""Delivering queued activities: claim rows with a lease, POST each signed, settle each.

- a row is claimed by setting `lease_until` in a write transaction; a worker killed meanwhile
  leaves the lease to run out and the row is claimed again (at least once; receivers drop an
  activity id they have seen: applied once);
- 2xx: done. 429, 5xx, timeouts, refused connections: again later, after `Retry-After` when the
  answer has one, else `attempts**4 + 15` seconds (as Mastodon) plus up to 25 % jitter, for
  about `GIVE_UP_AFTER` days; other 4xx: dead (the inbox will never take it);
- each destination is its own row, sent from a thread pool with short timeouts, at most
  `PER_HOST` rows of one server at a time; when a server does not answer, its other rows wait
  for the same retry: a dead server costs one timeout per retry and never holds up the others.
"""
import logging
import random
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from wiki import outbound
from wiki.db import database, locked, utcnow, write_transaction

from . import actors, blocklist, httpsig, remote, urls
from .config import settings
from .models import Delivery, OutboxActivity

log = logging.getLogger("federation.delivery")
GIVE_UP_AFTER = timedelta(days=7)
PER_HOST = 4
TIMEOUT = 5.0
CONTENT_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def claim(limit: int = 50, per_host: int = PER_HOST) -> list[Delivery]:
    """Lease up to `limit` due rows, at most `per_host` for one server: a server that is slow
    or down cannot take every thread of the worker."""
    now = utcnow()
    lease = timedelta(seconds=settings().delivery_lease_seconds)
    with write_transaction():
        candidates = list(locked(Delivery.select().where(
            (Delivery.status == "pending") & (Delivery.next_attempt <= now)
            & (Delivery.lease_until.is_null() | (Delivery.lease_until < now)))
            .order_by(Delivery.next_attempt).limit(limit * 4)))
        taken, rows = {}, []
        for row in candidates:
            host = urls.host_of(row.inbox)
            if taken.get(host, 0) < per_host and len(rows) < limit:
                taken[host] = taken.get(host, 0) + 1
                rows.append(row)
        if rows:
            Delivery.update(lease_until=now + lease).where(Delivery.id.in_([r.id for r in rows])).execute()
    return rows


def backoff(attempts: int) -> timedelta:
    seconds = min(attempts ** 4 + 15, 24 * 3600)
    return timedelta(seconds=seconds * (1 + random.random() / 4))


def retry_after(value: str | None) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=min(int(value), 24 * 3600))
    try:
        when = parsedate_to_datetime(value).replace(tzinfo=None)
    except (TypeError, ValueError):
        return None
    return max(timedelta(0), min(when - utcnow(), timedelta(days=1)))


def send(row: Delivery) -> tuple[int | None, str, timedelta | None]:
    """POST the row's activity: (status or None, error, wait asked by the server)."""
    activity = OutboxActivity.get_by_id(row.activity)
    body = activity.document.encode("utf-8")
    if blocklist.is_blocked(urls.host_of(row.inbox)):
        return 403, "domain blocked here", None
    try:
        answer = outbound.send("POST", row.inbox, body=body, user_agent=remote.user_agent(),
                               headers={"Content-Type": CONTENT_TYPE}, timeout=TIMEOUT,
                               max_bytes=64 * 1024, allow_private=settings().allow_private_addresses,
                               sign=httpsig.signer(actors.secret_for(urls.actor(row.signer))))
    except outbound.OutboundError as exc:
        return None, str(exc), None
    return answer.status, "" if answer.status < 300 else f"HTTP {answer.status}", retry_after(answer.headers.get("retry-after"))


def settle(row: Delivery, status: int | None, error: str, wait: timedelta | None) -> str:
    now = utcnow()
    if status is not None and 200 <= status < 300:
        outcome, next_attempt = "done", now
    elif status is not None and 400 <= status < 500 and status not in (408, 429):
        outcome, next_attempt = "dead", now
    elif now - row.created > GIVE_UP_AFTER:
        outcome, next_attempt = "dead", now
    else:
        outcome, next_attempt = "pending", now + (wait if wait is not None else backoff(row.attempts + 1))
    with database.atomic():
        Delivery.update(status=outcome, attempts=Delivery.attempts + 1, next_attempt=next_attempt,
                        lease_until=None, last_error=error[:500]).where(Delivery.id == row.id).execute()
        if status is None and outcome == "pending":
            _postpone_host(row, next_attempt)
    if outcome != "done":
        log.info("delivery %s to %s: %s (%s)", row.id, row.inbox, outcome, error)
    return outcome


def _postpone_host(row: Delivery, until) -> None:
    """The server did not answer: its other waiting rows wait as long (without counting an
    attempt), so that a dead server costs one timeout per retry, not one per activity."""
    parts = urlsplit(row.inbox)
    Delivery.update(next_attempt=until).where(
        (Delivery.status == "pending") & Delivery.inbox.startswith(f"{parts.scheme}://{parts.netloc}/")
        & (Delivery.next_attempt < until) & Delivery.lease_until.is_null()).execute()


def deliver(row: Delivery) -> str:
    return settle(row, *send(row))
