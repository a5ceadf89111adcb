"""WebFinger (RFC 7033): `acct:SLUG@HOST` and `acct:FORM@HOST` name our actors; Mastodon checks
that `acct:{preferredUsername}@{host}` leads back to the same actor id."""

from . import actors, urls
from .config import instance


def resource_actor(resource: str) -> str | None:
    """The name of our actor that `resource` (acct:name@host, or an actor id) designates."""
    resource = (resource or "").strip()
    domain = instance().domain.lower()
    if resource.startswith(("acct:", "@")) or ("@" in resource and "/" not in resource):
        user, _sep, host = resource.removeprefix("acct:").lstrip("@").rpartition("@")
        if host.lower() != domain:
            return None
        if user == domain:
            return urls.INSTANCE_ACTOR
        return user if actors.kind_of(user) else None
    if resource == urls.instance_actor():
        return urls.INSTANCE_ACTOR
    prefix = urls.actor("")
    if resource.startswith(prefix) and actors.kind_of(resource[len(prefix):]):
        return resource[len(prefix):]
    return None


def response(name: str) -> dict:
    from bovine.utils import webfinger_response_json      # bovine at first use: see httpsig.py
    domain = instance().domain
    if name == urls.INSTANCE_ACTOR:
        return webfinger_response_json(f"acct:{domain}@{domain}", urls.instance_actor())
    doc = webfinger_response_json(f"acct:{name}@{domain}", urls.actor(name))
    profile = f"{urls.base()}/" if name == instance().slug else f"{urls.base()}/fiches/{name}"
    doc["aliases"] = [urls.actor(name)]
    doc["links"].append({"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
                         "href": profile})
    return doc
