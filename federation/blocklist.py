"""Blocked domains: nothing is fetched from them, their activities get 403 (CLI for now).

The inbox asks twice per activity: the list is read once per `TTL` seconds by each app (a block
made by `bocage block` reaches running servers within that time; at once in this process)."""
import time

from flask import current_app
from peewee import IntegrityError

from .models import BlockedDomain

TTL = 10.0


def _cache() -> dict:
    return current_app.extensions["bocage.federation"].blocked


def _domains() -> frozenset:
    cache = _cache()
    if time.monotonic() - cache.get("at", -TTL) > TTL:
        cache["domains"] = frozenset(d for (d,) in BlockedDomain.select(BlockedDomain.domain).tuples())
        cache["at"] = time.monotonic()
    return cache["domains"]


def _forget() -> None:
    _cache().pop("at", None)


def normalise(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def is_blocked(given: str) -> bool:
    """`given` (host or host:port) or any domain it is under (blocking example.org blocks
    a.example.org; blocking a host blocks all its ports)."""
    domain = normalise(given)
    domain = domain.partition(":")[0] if ":" in domain and "]" not in domain else domain
    if not domain:
        return False
    labels = domain.split(".")
    candidates = {".".join(labels[i:]) for i in range(len(labels))} | {normalise(given)}
    return not candidates.isdisjoint(_domains())


def block(domain: str, reason: str = "") -> bool:
    try:
        BlockedDomain.create(domain=normalise(domain), reason=reason[:500])
        return True
    except IntegrityError:
        return False
    finally:
        _forget()


def unblock(domain: str) -> bool:
    try:
        return BlockedDomain.delete().where(BlockedDomain.domain == normalise(domain)).execute() > 0
    finally:
        _forget()


def blocked() -> list[BlockedDomain]:
    return list(BlockedDomain.select().order_by(BlockedDomain.domain))
