"""API tokens: printed once at creation, stored only as a SHA-256 digest."""
import hashlib
import secrets

from ..db import utcnow
from ..models import ApiToken

PREFIX = "bocage_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(label: str) -> str:
    token = PREFIX + secrets.token_urlsafe(32)
    ApiToken.create(label=(label or "api")[:100], digest=_digest(token))
    return token


def check_token(token: str) -> ApiToken | None:
    if not token or len(token) > 200:
        return None
    found = ApiToken.get_or_none((ApiToken.digest == _digest(token)) & (ApiToken.revoked == False))  # noqa: E712
    if found is not None:
        ApiToken.update(last_used=utcnow()).where(ApiToken.id == found.id).execute()
    return found
