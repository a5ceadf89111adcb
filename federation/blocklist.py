"""Blocked domains: nothing is fetched from them, their activities get 403 (CLI for now)."""
from peewee import IntegrityError

from .models import BlockedDomain


def normalise(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def is_blocked(domain: str) -> bool:
    """`domain` or any domain it is under (blocking example.org blocks a.example.org)."""
    domain = normalise(domain).partition(":")[0] if ":" in domain and "]" not in domain else normalise(domain)
    if not domain:
        return False
    labels = domain.split(".")
    candidates = {".".join(labels[i:]) for i in range(len(labels))} | {normalise(domain)}
    return BlockedDomain.select().where(BlockedDomain.domain.in_(sorted(candidates))).exists()


def block(domain: str, reason: str = "") -> bool:
    try:
        BlockedDomain.create(domain=normalise(domain), reason=reason[:500])
        return True
    except IntegrityError:
        return False


def unblock(domain: str) -> bool:
    return BlockedDomain.delete().where(BlockedDomain.domain == normalise(domain)).execute() > 0


def blocked() -> list[BlockedDomain]:
    return list(BlockedDomain.select().order_by(BlockedDomain.domain))
