"""A handle (`@name@host`, `name@host`, `acct:name@host`) or an actor URL to a remote actor:
WebFinger first, then the actor document (both through remote.fetch_document's checks)."""
import json
from urllib.parse import quote


from wiki import outbound

from . import blocklist, remote
from .config import settings
from .remote import RemoteError


def actor(handle: str):
    handle = handle.strip()
    if handle.startswith(("https://", "http://")):
        return remote.actor(handle, refresh=True)
    from bovine.utils import parse_fediverse_handle      # bovine at first use: see httpsig.py
    name, host = parse_fediverse_handle(handle)
    if not name or not host:
        raise RemoteError(f"{handle!r} is neither @name@host nor a URL")
    if blocklist.is_blocked(host):
        raise RemoteError(f"{host} is blocked")
    scheme = settings().scheme
    url = f"{scheme}://{host}/.well-known/webfinger?resource={quote(f'acct:{name}@{host}')}"
    try:
        jrd = json.loads(outbound.fetch(url, user_agent=remote.user_agent(), accept="application/jrd+json",
                                        allow_private=settings().allow_private_addresses).body)
    except (outbound.OutboundError, ValueError) as exc:
        raise RemoteError(f"WebFinger for {handle}: {exc}") from None
    links = jrd.get("links", []) if isinstance(jrd, dict) else []
    href = next((link.get("href") for link in links if isinstance(link, dict) and link.get("rel") == "self"
                 and "json" in str(link.get("type", ""))), None)
    if not isinstance(href, str):
        raise RemoteError(f"WebFinger for {handle} names no actor")
    return remote.actor(href, refresh=True)
