"""HTTP signatures (draft-cavage), made and checked with bovine.

Signing: `(request-target)` (with the query string), `host`, `date` and, with a body, `digest`
(SHA-256), rsa-sha256. Checking goes through bovine's verifier with two corrections:

- bovine rebuilds `(request-target)` from the path alone, while signers (bovine's own, Mastodon
  4.3+) include the query string: `_Checker` puts it back (bovine pitfall 1);
- an RFC 9421 signature (`Signature-Input`) cannot be checked by bovine 0.5.19: `Refused(401)`,
  so that a "double-knocking" sender retries with draft-cavage (pitfall 7).

The Date window and the Digest are checked here first, so that the log says which one failed.

bovine is imported where it is used, never at import time: importing any of it loads aiohttp and
pyld too (39 MB), which a worker serving only pages does not need (the RSS target of bench/run.py).
"""
import asyncio
import base64
import functools
import hashlib
import threading
from datetime import datetime, timezone
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import urlsplit



class Refused(Exception):
    """A request we do not accept: `status` to answer, `reason` for the log."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def sign(secret, method: str, url: str, body: bytes | None = None) -> dict:
    """The headers that sign this request with `secret` (a bovine CryptographicSecret)."""
    from bovine.crypto.helper import content_digest_sha256
    from bovine.crypto.http_signature import build_signature
    host = urlsplit(url).netloc
    date = formatdate(usegmt=True)
    signature = build_signature(host, method.lower(), _target(url)).with_field("date", date)
    headers = {"Host": host, "Date": date}
    if body is not None:
        digest = content_digest_sha256(body, prefix="SHA-256")
        signature.with_field("digest", digest)
        headers["Digest"] = digest
    headers["Signature"] = signature.sign_for_http_draft(secret)
    return headers


def signer(secret):
    """A `sign` hook for wiki.outbound: signs each request actually sent."""
    return lambda method, url, _headers, body: sign(secret, method, url, body)


@functools.cache
def _checker_class():
    """bovine's SignatureChecker with the query string put back (made at first use: see
    `lazily`)."""
    from bovine.crypto.signature_checker import SignatureChecker

    class Checker(SignatureChecker):
        def build_http_signature(self, signature_fields, method, url, parsed_signature, headers):
            built = super().build_http_signature(signature_fields, method, url, parsed_signature, headers)
            built.fields = [(name, f"{method.lower()} {_target(url)}" if name == "(request-target)" else value)
                            for name, value in built.fields]
            return built
    return Checker


def key_id_of(headers: dict) -> str:
    """The keyId of a draft-cavage signature; Refused(401) when the request is not signed so."""
    if "signature-input" in headers:
        raise Refused(401, "RFC 9421 signature (Signature-Input): only draft-cavage is checked")
    if "signature" not in headers:
        raise Refused(401, "no Signature header")
    from bovine.crypto.signature import Signature
    try:
        return Signature.from_signature_header(headers["signature"]).key_id
    except (ValueError, KeyError, IndexError) as exc:
        raise Refused(401, f"unreadable Signature header ({exc})") from None


def check_date_and_digest(headers: dict, body: bytes | None, window: int) -> None:
    try:
        date = parsedate_to_datetime(headers.get("date", ""))
    except (TypeError, ValueError):
        raise Refused(401, "no readable Date header") from None
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    if abs((datetime.now(timezone.utc) - date).total_seconds()) > window:
        raise Refused(401, f"Date {headers['date']} is outside the {window} s window (replay?)")
    if body is None:
        return
    digest = headers.get("digest", "")
    algorithm, _sep, value = digest.partition("=")
    if algorithm.lower() != "sha-256":
        raise Refused(401, "no SHA-256 Digest header")
    if value != base64.b64encode(hashlib.sha256(body).digest()).decode("ascii"):
        raise Refused(401, "Digest does not match the body")


_loops = threading.local()


def _run(coroutine):
    """Run bovine's coroutine on this thread's own event loop, made once: `asyncio.run` makes
    and tears down a loop each time, a third of the cost of checking a signature."""
    loop = getattr(_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = _loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coroutine)


def verify(method: str, url: str, headers: dict, body: bytes | None, public_pem: str, owner: str) -> bool:
    """Whether the signature of this request (lower-case `headers`) is `owner`'s key's."""
    from bovine.crypto.types import CryptographicIdentifier
    identity = CryptographicIdentifier.from_pem(public_pem, owner)

    async def retrieve(_key_id):
        return identity

    async def read():
        return body

    checker = _checker_class()(retrieve)
    try:
        found = _run(checker.validate_signature(method, url, headers, read if body is not None else None))
    except Exception:                    # bovine logs and returns None; anything else is a no
        return False
    return found == owner
