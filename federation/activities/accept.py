"""Accept of one of our Follows: we now follow that actor."""
from ..models import Following


def _settle(activity: dict, sender, status: str):
    from . import id_of
    follow = activity.get("object")
    follow_id = id_of(follow)
    query = Following.update(status=status).where((Following.actor == sender.url)
                                                  & (Following.follow_id == follow_id))
    if query.execute() == 0:
        return f"{activity['type']} of no Follow of ours"
    return None


def received(activity: dict, sender):
    return _settle(activity, sender, "accepted")
