"""Undo of a Follow: that actor no longer follows ours."""
from ..models import Follower


def received(activity: dict, sender):
    from . import id_of
    from .follow import local_name
    follow = activity.get("object")
    if not isinstance(follow, (dict, str)):
        return "Undo of nothing"
    if isinstance(follow, dict) and follow.get("type") not in ("Follow", None):
        return f"Undo of a {follow.get('type')}"
    query = Follower.delete().where(Follower.actor == sender.url)
    local = local_name(id_of(follow.get("object"))) if isinstance(follow, dict) else None
    query = query.where(Follower.local == local) if local else query.where(Follower.follow_id == id_of(follow))
    if query.execute() == 0:
        return "Undo of a Follow we do not know"
    return None
