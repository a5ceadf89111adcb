"""`[federation] follow = ["@lormes@127.0.0.1:5002", ...]`: actors the territory follows by
itself (the demo's two territories follow each other). Tried by the background worker until each
one is sent: the other server may start later."""
import logging

from . import remote, resolve
from .activities.follow import follow
from .config import instance, settings
from .models import Following

log = logging.getLogger("federation.autofollow")


def pending(app) -> list[str]:
    with app.app_context():
        handles = list(settings().follow)
        if not handles:
            return []
        asked = {row.actor for row in Following.select(Following.actor)}
        return [h for h in handles if h not in asked and not _asked_by_handle(h, asked)]


def _asked_by_handle(handle: str, asked: set[str]) -> bool:
    name, _sep, host = handle.lstrip("@").partition("@")
    return any(url.endswith(f"/{name}") and f"//{host}/" in url for url in asked)


def run(app) -> bool:
    """Send the Follows still to send; True when none is left."""
    left = pending(app)
    for handle in left:
        with app.test_request_context():
            try:
                follow(instance().slug, resolve.actor(handle))
                left = [h for h in left if h != handle]
            except remote.RemoteError as exc:
                log.info("cannot follow %s yet: %s", handle, exc)
    return not left
