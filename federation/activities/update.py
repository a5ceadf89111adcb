"""Update: a new version of a common, applied only when it comes from the object's origin."""
from ..models import RemoteObject
from .create import TYPES, followed, values_of


def received(activity: dict, sender):
    obj = activity.get("object")
    if not isinstance(obj, dict) or obj.get("type") not in TYPES or not isinstance(obj.get("id"), str):
        return "Update of no object we keep"
    row = RemoteObject.get_or_none(RemoteObject.object_id == obj["id"])
    if row is None:
        if not followed(sender):
            return f"{sender.url} is not followed"
        RemoteObject.create(object_id=obj["id"], **values_of(obj, sender))
        return None
    if row.origin != sender.url:
        return f"Update of {obj['id']} refused: it comes from {row.origin}"
    RemoteObject.update(**values_of(obj, sender)).where(RemoteObject.id == row.id).execute()
    return None
