"""Blocked domains and actors: nothing is fetched from a blocked domain, and the activities of a
blocked domain or actor get 403 (before anything is fetched). What a block does to what was
already received (follows, commons) is federation/moderation.py's.

The inbox asks twice per activity: the lists are read once per `TTL` seconds by each app (a block
made by `bocage block` reaches running servers within that time; at once in this process)."""
import time

from flask import current_app
from peewee import IntegrityError

from . import urls
from .models import BlockedActor, BlockedDomain

TTL = 10.0


def _cache() -> dict:
    return current_app.extensions["bocage.federation"].blocked


def _lists() -> dict:
    cache = _cache()
    if time.monotonic() - cache.get("at", -TTL) > TTL:
        cache["domains"] = frozenset(d for (d,) in BlockedDomain.select(BlockedDomain.domain).tuples())
        cache["actors"] = frozenset(u for (u,) in BlockedActor.select(BlockedActor.url).tuples())
        cache["at"] = time.monotonic()
    return cache


def _domains() -> frozenset:
    return _lists()["domains"]


def _forget() -> None:
    _cache().pop("at", None)


def normalise(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def _candidates(given: str) -> set[str]:
    """`given` and every domain it is under, without its port."""
    domain = normalise(given)
    domain = domain.partition(":")[0] if ":" in domain and "]" not in domain else domain
    if not domain:
        return set()
    labels = domain.split(".")
    return {".".join(labels[i:]) for i in range(len(labels))} | {normalise(given)}


def is_blocked(given: str) -> bool:
    """`given` (host or host:port) or any domain it is under (blocking example.org blocks
    a.example.org; blocking a host blocks all its ports)."""
    return not _candidates(given).isdisjoint(_domains())


def under(given: str, domain: str) -> bool:
    """Whether host `given` is `domain` or under it (what blocking `domain` covers)."""
    return normalise(domain) in _candidates(given)


def actor_url(url: str) -> str:
    """An actor's address as blocked: without a fragment (a key id names its actor)."""
    return str(url or "").split("#", 1)[0].strip()[:500]


def actor_blocked(url: str) -> bool:
    return bool(url) and actor_url(url) in _lists()["actors"]


def source_blocked(*addresses: str) -> bool:
    """Whether any of these addresses (an object's id, its actor, its author) is blocked: its
    domain, or the actor itself."""
    return any(a and (is_blocked(urls.host_of(a)) or actor_blocked(a)) for a in addresses)


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


def block_actor(url: str, reason: str = "") -> bool:
    try:
        BlockedActor.create(url=actor_url(url), reason=reason[:500])
        return True
    except IntegrityError:
        return False
    finally:
        _forget()


def unblock_actor(url: str) -> bool:
    try:
        return BlockedActor.delete().where(BlockedActor.url == actor_url(url)).execute() > 0
    finally:
        _forget()


def blocked() -> list[BlockedDomain]:
    return list(BlockedDomain.select().order_by(BlockedDomain.domain))


def blocked_actors() -> list[BlockedActor]:
    return list(BlockedActor.select().order_by(BlockedActor.url))
