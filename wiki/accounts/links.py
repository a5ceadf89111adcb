"""One-time links (confirm an address, reset a password, accept an invitation).

The token goes out in the e-mail; only its SHA-256 digest is stored. A link works once and
until it expires: using it is one UPDATE ... WHERE used IS NULL, so two requests racing with the
same link cannot both succeed.
"""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from ..db import utcnow
from .models import OneTimeLink
from .service import AccountError

LIFETIMES = {"confirm": timedelta(hours=48), "reset": timedelta(hours=1), "invite": timedelta(days=7)}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def make_link(purpose: str, *, account=None, email: str = "") -> str:
    """A new token for `purpose`; earlier unused links of the same purpose for the same account
    stop working (only the latest reset or confirmation e-mail counts)."""
    if account is not None:
        (OneTimeLink.update(used=utcnow())
         .where((OneTimeLink.account == account.id) & (OneTimeLink.purpose == purpose)
                & (OneTimeLink.used.is_null())).execute())
    token = secrets.token_urlsafe(32)
    now = utcnow()
    OneTimeLink.create(digest=_digest(token), purpose=purpose, account=account.id if account else None,
                       email=email or "", created=now, expires=now + LIFETIMES[purpose])
    return token


def find_link(token: str, purpose: str) -> OneTimeLink:
    """The link, still usable, or AccountError (unknown, used or expired: one message for all)."""
    found = None
    if isinstance(token, str) and 20 <= len(token) <= 100:
        found = OneTimeLink.get_or_none((OneTimeLink.digest == _digest(token))
                                        & (OneTimeLink.purpose == purpose))
    if found is None or found.used is not None or found.expires <= utcnow():
        raise AccountError(_l("This link does not work any more: it was already used, it expired, "
                              "or it was mistyped. Ask for a new one."), "token")
    return found


def use_link(token: str, purpose: str) -> OneTimeLink:
    """Spend the link (once); AccountError when it cannot be used."""
    found = find_link(token, purpose)
    spent = (OneTimeLink.update(used=utcnow())
             .where((OneTimeLink.id == found.id) & (OneTimeLink.used.is_null())).execute())
    if not spent:
        raise AccountError(_l("This link does not work any more: it was already used, it expired, "
                              "or it was mistyped. Ask for a new one."), "token")
    return found
