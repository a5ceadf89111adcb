"""Documents of other servers: fetched with a signed GET (our Application actor signs: many
servers want "authorized fetch") through wiki.outbound (SSRF-safe, size-capped), and remote
actors cached in the `remote_actor` table."""
import json

from peewee import IntegrityError

from wiki import outbound
from wiki.db import database, utcnow
from wiki.render.sanitize import sanitize_text_line

from . import actors, blocklist, httpsig, urls
from .config import instance, settings
from .models import RemoteActor

ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


class RemoteError(Exception):
    pass


def user_agent() -> str:
    return outbound.user_agent(instance())


def fetch_document(url: str) -> dict:
    """The JSON-LD document at `url`; its `id` must be on the host it was fetched from."""
    if blocklist.is_blocked(urls.host_of(url)):
        raise RemoteError(f"{urls.host_of(url)} is blocked")
    try:
        response = outbound.fetch(url, user_agent=user_agent(), accept=ACCEPT,
                                  allow_private=settings().allow_private_addresses,
                                  sign=httpsig.signer(actors.secret_for(urls.instance_actor())))
        doc = json.loads(response.body)
    except outbound.OutboundError as exc:
        raise RemoteError(f"cannot fetch {url[:200]}: {exc}") from None
    except ValueError:
        raise RemoteError(f"{url[:200]} is not JSON") from None
    if not isinstance(doc, dict) or urls.host_of(str(doc.get("id", ""))) != urls.host_of(response.url):
        raise RemoteError(f"{url[:200]}: the document's id is not on its host")
    return doc


def _store(doc: dict) -> RemoteActor:
    key = doc.get("publicKey")
    key = key[0] if isinstance(key, list) and key else key
    inbox = doc.get("inbox")
    if not isinstance(key, dict) or not isinstance(inbox, str) or not key.get("publicKeyPem"):
        raise RemoteError(f"{doc.get('id')!r} is not an actor with an inbox and a public key")
    if key.get("owner") != doc["id"] or urls.host_of(str(key.get("id"))) != urls.host_of(doc["id"]):
        raise RemoteError(f"{doc['id']!r}: its key is not its own")
    shared = (doc.get("endpoints") or {}).get("sharedInbox", "") if isinstance(doc.get("endpoints"), dict) else ""
    host = urls.host_of(doc["id"])
    values = dict(domain=host, key_id=str(key["id"]), public_key=key["publicKeyPem"], inbox=inbox,
                  shared_inbox=shared if isinstance(shared, str) else "",
                  handle=sanitize_text_line(f"{doc.get('preferredUsername', '')}@{host}")[:300],
                  name=sanitize_text_line(str(doc.get("name") or doc.get("preferredUsername") or ""))[:300],
                  document=json.dumps(doc)[:200_000], fetched=utcnow())
    row = RemoteActor.get_or_none(RemoteActor.url == doc["id"])
    if row is None:
        try:
            with database.atomic():
                return RemoteActor.create(url=doc["id"], **values)
        except IntegrityError:          # another worker stored it meanwhile (a first contact burst)
            row = RemoteActor.get(RemoteActor.url == doc["id"])
    RemoteActor.update(**values).where(RemoteActor.id == row.id).execute()
    return RemoteActor.get_by_id(row.id)


def actor(url: str, *, refresh: bool = False) -> RemoteActor:
    """The remote actor `url` (from the cache unless `refresh`)."""
    url = url.split("#", 1)[0]
    row = None if refresh else RemoteActor.get_or_none(RemoteActor.url == url)
    if row is not None:
        return row
    doc = fetch_document(url)
    if doc.get("id") != url:
        raise RemoteError(f"{url[:200]} answered another id")
    return _store(doc)


def actor_for_key(key_id: str, *, refresh: bool = False) -> RemoteActor:
    """The actor whose key `key_id` is (`https://host/actor#main-key`, or a key document)."""
    if not refresh:
        row = RemoteActor.get_or_none(RemoteActor.key_id == key_id)
        if row is not None:
            return row
    url = key_id.split("#", 1)[0]
    doc = fetch_document(url)
    if doc.get("type") in ("Key", "CryptographicKey") and isinstance(doc.get("owner"), str):
        if urls.host_of(doc["owner"]) != urls.host_of(url):
            raise RemoteError(f"{key_id[:200]}: key owner on another host")
        found = actor(doc["owner"], refresh=True)
    else:
        found = _store(doc)
    if found.key_id != key_id:
        raise RemoteError(f"{key_id[:200]} is not the key of {found.url[:200]}")
    return found
