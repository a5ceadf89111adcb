"""Follow: someone follows one of our actors (accepted at once, or held for an admin with
`accept_follows = "manual"`); and our own Follow of a remote actor."""
from wiki.db import database

from .. import actors, outbox, remote, urls
from ..config import settings
from ..models import Follower, Following


def local_name(actor_id: str) -> str | None:
    prefix = urls.actor("")
    name = actor_id[len(prefix):] if actor_id.startswith(prefix) else ""
    return name if name and actors.kind_of(name) else None


def received(activity: dict, sender):
    from . import id_of
    local = local_name(id_of(activity.get("object")))
    if local is None:
        return "Follow of no actor of ours"
    status = "pending" if settings().accept_follows == "manual" else "accepted"
    inbox = sender.shared_inbox or sender.inbox
    with database.atomic():
        row = Follower.get_or_none((Follower.local == local) & (Follower.actor == sender.url))
        if row is None:
            Follower.create(local=local, actor=sender.url, inbox=inbox, follow_id=id_of(activity), status=status)
        else:
            Follower.update(follow_id=id_of(activity), inbox=inbox,
                            status="accepted" if row.status == "accepted" else status).where(Follower.id == row.id).execute()
    if status == "accepted" or (row is not None and row.status == "accepted"):
        answer(local, sender, activity, "Accept")
        outbox.backfill(local, inbox)
    return None


def answer(local: str, sender, follow: dict, type_: str) -> None:
    """Accept or Reject `follow` (the Follow embedded, as Mastodon expects)."""
    uid, doc = outbox.new_activity(local, type_, {k: v for k, v in follow.items() if k != "@context"},
                                   to=[sender.url])
    outbox.publish(local, uid, doc, [sender.inbox])


def decide(local: str, actor_url: str, accept: bool) -> bool:
    """An admin's answer to a pending follow request."""
    row = Follower.get_or_none((Follower.local == local) & (Follower.actor == actor_url))
    if row is None:
        return False
    sender = remote.actor(actor_url)
    follow = {"id": row.follow_id, "type": "Follow", "actor": actor_url, "object": urls.actor(local)}
    if accept:
        Follower.update(status="accepted").where(Follower.id == row.id).execute()
    else:
        row.delete_instance()
    answer(local, sender, follow, "Accept" if accept else "Reject")
    if accept:
        outbox.backfill(local, row.inbox)
    return True


def follow(local: str, target) -> Following:
    """Our actor `local` follows the remote actor `target` (a RemoteActor)."""
    uid, doc = outbox.new_activity(local, "Follow", target.url, to=[target.url])
    with database.atomic():
        Following.delete().where((Following.local == local) & (Following.actor == target.url)).execute()
        row = Following.create(local=local, actor=target.url, follow_id=doc["id"])
    outbox.publish(local, uid, doc, [target.inbox])
    return row


def unfollow(local: str, target) -> bool:
    """Our actor `local` stops following `target`: Undo of our Follow, and the row goes."""
    row = Following.get_or_none((Following.local == local) & (Following.actor == target.url))
    if row is None:
        return False
    ours = {"id": row.follow_id, "type": "Follow", "actor": urls.actor(local), "object": target.url}
    uid, doc = outbox.new_activity(local, "Undo", ours, to=[target.url])
    with database.atomic():
        row.delete_instance()
        outbox.publish(local, uid, doc, [target.inbox])
    return True
