"""Update: a new version of a common, applied only when it comes from the object's origin."""
from ..models import RemoteObject
from .create import TYPES, followed, store


def received(activity: dict, sender):
    obj = activity.get("object")
    if not isinstance(obj, dict) or obj.get("type") not in TYPES or not isinstance(obj.get("id"), str):
        return "Update of no object we keep"
    row = RemoteObject.get_or_none(RemoteObject.object_id == obj["id"])
    if row is None and not followed(sender):
        return f"{sender.url} is not followed"
    if row is not None and row.origin != sender.url:
        return f"Update of {obj['id']} refused: it comes from {row.origin}"
    store(row, obj, sender)
    return None
