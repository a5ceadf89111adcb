"""What the inbox does with each kind of activity (the sender is already verified)."""
from . import accept, announce, create, delete, follow, reject, undo, update


class Ignored(Exception):
    """A valid activity we do nothing with: logged, answered 202 all the same."""


HANDLERS = {"Follow": follow.received, "Accept": accept.received, "Reject": reject.received,
            "Undo": undo.received, "Create": create.received, "Update": update.received,
            "Delete": delete.received, "Announce": announce.received}


def handle(activity: dict, sender, local: str | None) -> None:
    handler = HANDLERS.get(activity["type"])
    if handler is None:
        raise Ignored(f"no handler for {activity['type']}")
    outcome = handler(activity, sender)
    if isinstance(outcome, str):
        raise Ignored(outcome)


def id_of(value) -> str:
    return value.get("id", "") if isinstance(value, dict) else value if isinstance(value, str) else ""
