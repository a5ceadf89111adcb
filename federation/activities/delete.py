"""Delete: a common withdrawn by its origin (from anyone else: refused)."""
from ..models import RemoteObject


def received(activity: dict, sender):
    from . import id_of
    object_id = id_of(activity.get("object"))
    row = RemoteObject.get_or_none(RemoteObject.object_id == object_id)
    if row is None:
        return "Delete of an object we do not have"
    if row.origin != sender.url:
        return f"Delete of {object_id} refused: it comes from {row.origin}"
    from .. import received
    RemoteObject.update(deleted=True, content="", summary="").where(RemoteObject.id == row.id).execute()
    received.withdraw(row)
    return None
