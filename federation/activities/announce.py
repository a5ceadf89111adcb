"""Announce: a followed actor shares something again: a Mobilizon group or instance relaying its
events, a Gancio instance, a FEP-1b12 group announcing the activities of its members.

What is announced is applied as if the announcer had sent it (it becomes the common's origin),
but only what can be trusted: an object on the announcer's own host as embedded; anything else
fetched from its own host (a signed GET through remote.fetch_document, whose id must be on the
host it came from), never an embedded copy that another server could have forged. FEP-1b12
announces whole activities (Create, Update, Delete); others announce the object itself.
Nothing from a blocked domain or actor (the object's host, the announced activity's actor, the
object's author: create.keep checks those and the objects moderators removed) comes in this way.
"""
from .. import blocklist, remote, urls
from . import create, delete, update

APPLIED = {"Create": create.received, "Update": update.received}


def received(activity: dict, sender):
    from . import id_of
    inner = activity.get("object")
    kind, target = "Create", inner
    if isinstance(inner, dict) and inner.get("type") in ("Create", "Update", "Delete"):
        kind, target = inner["type"], inner.get("object")
    object_id = id_of(target)
    if not object_id.startswith(("https://", "http://")):
        return "Announce of nothing we can read"
    if blocklist.source_blocked(object_id, id_of(inner.get("actor")) if isinstance(inner, dict) else ""):
        return f"announced {object_id[:200]} comes from a blocked source"
    if kind == "Delete":          # only the announcer's own objects: delete checks the origin too
        if urls.host_of(object_id) != urls.host_of(sender.url):
            return f"announced Delete of {object_id[:200]} from another host"
        return delete.received({"type": "Delete", "object": object_id}, sender)
    if not create.followed(sender):
        return f"{sender.url} is not followed"
    if not (isinstance(target, dict) and urls.host_of(object_id) == urls.host_of(sender.url)):
        try:
            target = remote.fetch_document(object_id)
        except remote.RemoteError as exc:
            return f"announced {object_id[:200]} cannot be read: {exc}"
    return APPLIED[kind]({"type": kind, "actor": sender.url, "object": target}, sender)
