"""Update: a new version of a common, applied only when it comes from the object's origin."""
from ..models import RemoteObject
from .create import TYPES, followed, keep


def received(activity: dict, sender):
    obj = activity.get("object")
    if not isinstance(obj, dict) or obj.get("type") not in TYPES or not isinstance(obj.get("id"), str):
        return "Update of no object we keep"
    if not followed(sender) and not RemoteObject.select().where(RemoteObject.object_id == obj["id"]).exists():
        return f"{sender.url} is not followed"
    return keep(obj, sender)
