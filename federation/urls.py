"""Absolute ids of our actors and objects: `scheme://instance.domain/...`.

    /ap/actors/<name>              an actor: the territory (its slug) or a form (its id)
    /ap/actors/<name>/inbox|outbox|followers|following
    /ap/inbox                      the shared inbox
    /ap/instance                   the instance's Application actor (signs fetches; FEP-2677)
    /ap/activities/<uid>           an activity we published
    /wiki/<name>                   a page or a fiche (the HTML page answers ActivityStreams too)
"""
from urllib.parse import urlsplit

from .config import instance, settings

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
INSTANCE_ACTOR = "instance"


def base() -> str:
    return f"{settings().scheme}://{instance().domain}"


def actor(name: str) -> str:
    return f"{base()}/ap/actors/{name}"


def instance_actor() -> str:
    return f"{base()}/ap/{INSTANCE_ACTOR}"


def key_id(actor_id: str) -> str:
    return f"{actor_id}#main-key"


def shared_inbox() -> str:
    return f"{base()}/ap/inbox"


def activity(uid: str) -> str:
    return f"{base()}/ap/activities/{uid}"


def page(name: str) -> str:
    return f"{base()}/wiki/{name}"


def host_of(url: str) -> str:
    """`host[:port]` of an id, lower-case; "" when it is not an http(s) URL."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return ""
    return parts.netloc.lower() if parts.scheme in ("http", "https") else ""


def is_local(url: str) -> bool:
    return host_of(url) == instance().domain.lower()
