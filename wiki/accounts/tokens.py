"""API tokens: each carries its account's rights; printed once at creation, stored only as a
SHA-256 digest."""
import hashlib
import secrets

from ..db import utcnow
from ..models import ApiToken

PREFIX = "bocage_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(label: str, account_id: int) -> str:
    token = PREFIX + secrets.token_urlsafe(32)
    ApiToken.create(label=(label or "api")[:100], digest=_digest(token), account=account_id)
    return token


def check_token(token: str) -> ApiToken | None:
    if not token or len(token) > 200:
        return None
    found = ApiToken.get_or_none((ApiToken.digest == _digest(token)) & (ApiToken.revoked == False))  # noqa: E712
    if found is not None:
        ApiToken.update(last_used=utcnow()).where(ApiToken.id == found.id).execute()
    return found


def tokens_of(account_id: int) -> list[ApiToken]:
    return list(ApiToken.select().where(ApiToken.account == account_id).order_by(ApiToken.id))


def revoke(token_id: int, account_id: int | None = None) -> bool:
    """Revoke a token (of `account_id` only, when given: people revoke their own)."""
    query = ApiToken.update(revoked=True).where(ApiToken.id == token_id)
    if account_id is not None:
        query = query.where(ApiToken.account == account_id)
    return query.execute() > 0
