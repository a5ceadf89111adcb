"""Activities our actors publish: stored (the outbox, dereferenceable at their id) and queued
for delivery, one row per destination inbox, in the same transaction."""
import json
import uuid
from datetime import timedelta

from peewee import fn

from wiki.db import database, utcnow

from . import urls
from .models import Delivery, Follower, OutboxActivity

CONTEXT = "https://www.w3.org/ns/activitystreams"


def new_activity(local: str, type_: str, obj, *, to=None, cc=None) -> tuple[str, dict]:
    uid = uuid.uuid4().hex
    doc = {"@context": CONTEXT, "id": urls.activity(uid), "type": type_, "actor": urls.actor(local),
           "object": obj}
    if to is not None:
        doc["to"] = to
    if cc is not None:
        doc["cc"] = cc
    if isinstance(obj, dict) and obj.get("updated") and type_ in ("Create", "Update"):
        doc["published"] = obj["updated"]
    return uid, doc


def followers_inboxes(local: str) -> list[str]:
    """Inboxes of the accepted followers of `local`, shared inboxes collapsing many into one."""
    rows = (Follower.select(Follower.inbox).where((Follower.local == local) & (Follower.status == "accepted"))
            .distinct().tuples())
    return sorted({inbox for (inbox,) in rows})


def publish(local: str, uid: str, doc: dict, inboxes: list[str], *, object_id: str = "") -> OutboxActivity:
    """Store activity `doc` of our actor `local` and queue it for `inboxes`."""
    with database.atomic():
        row = OutboxActivity.create(uid=uid, local=local, type=doc["type"],
                                    object_id=object_id or _object_id(doc), document=json.dumps(doc))
        if inboxes:
            Delivery.insert_many([{"activity": row.id, "inbox": inbox, "signer": local}
                                  for inbox in dict.fromkeys(inboxes)]).execute()
    return row


def _object_id(doc: dict) -> str:
    obj = doc.get("object")
    return (obj.get("id", "") if isinstance(obj, dict) else str(obj or ""))[:500]


def was_published(object_id: str) -> bool:
    return OutboxActivity.select().where((OutboxActivity.object_id == object_id)
                                         & (OutboxActivity.type == "Create")).exists()


def last_type(object_id: str) -> str | None:
    """The type of the latest Create, Update or Delete about `object_id` (None: never published)."""
    row = (OutboxActivity.select(OutboxActivity.type)
           .where((OutboxActivity.object_id == object_id)
                  & OutboxActivity.type.in_(("Create", "Update", "Delete")))
           .order_by(OutboxActivity.id.desc()).first())
    return row.type if row else None


def backfill(local: str, inbox: str, delay: timedelta = timedelta(seconds=3)) -> int:
    """Queue for a new follower's `inbox` the latest activity about each object `local` still
    publishes (not deleted), after `delay` so that the Accept arrives first. Receivers drop the
    activity ids they already have."""
    latest = (OutboxActivity.select(fn.MAX(OutboxActivity.id))
              .where((OutboxActivity.local == local) & (OutboxActivity.type.in_(("Create", "Update", "Delete"))))
              .group_by(OutboxActivity.object_id))
    from .visibility import without_private      # pages made private since: not sent
    ids = [i for (i,) in without_private(OutboxActivity.select(OutboxActivity.id)
           .where(OutboxActivity.id.in_(latest) & (OutboxActivity.type != "Delete")), OutboxActivity).tuples()]
    when = utcnow() + delay
    with database.atomic():
        for start in range(0, len(ids), 500):
            Delivery.insert_many([{"activity": i, "inbox": inbox, "signer": local, "next_attempt": when}
                                  for i in ids[start:start + 500]]).execute()
    return len(ids)
