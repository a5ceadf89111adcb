"""NodeInfo 2.1 and its discovery document, with the instance's Application actor (FEP-2677)."""
from importlib import metadata

from wiki.models import Page

from . import urls
from .config import instance

SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
APPLICATION = "https://www.w3.org/ns/activitystreams#Application"


def discovery() -> dict:
    return {"links": [{"rel": SCHEMA, "href": f"{urls.base()}/nodeinfo/2.1"},
                      {"rel": APPLICATION, "href": urls.instance_actor()}]}


def _version() -> str:
    try:
        return metadata.version("bocage")
    except metadata.PackageNotFoundError:
        return "dev"


def document() -> dict:
    pages = Page.select().where(Page.deleted.is_null()).count()
    return {
        "version": "2.1",
        "software": {"name": "bocage", "version": _version(),
                     "homepage": f"{urls.base()}/"},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0"]},
        "openRegistrations": False,
        "usage": {"users": {"total": 1, "activeMonth": 1, "activeHalfyear": 1}, "localPosts": pages},
        "metadata": {"nodeName": instance().name, "territory": instance().slug},
    }
