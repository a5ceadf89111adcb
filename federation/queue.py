"""The held commons as a source of the unified moderation queue: `init_app` appends
`HeldCommons()` to `app.extensions["bocage.moderation_sources"]`, a list of objects with `kind`,
`label`, `items()`, `approve(id)` and `reject(id, reason)` that the queue page reads.

Each item is a dict of plain text (the queue's templates escape it, as every remote value):
id (RemoteObject id), title, summary, author (the territory that sent it), url (the original),
created (when it was received), kind (its ActivityStreams type).
"""
from flask_babel import lazy_gettext as _l

from wiki.render.sanitize import sanitize_text_line

from . import moderation

EXCERPT = 300


def _plain(html: str) -> str:
    """A short excerpt of sanitized HTML, as text (tags dropped, never rendered as HTML)."""
    from markupsafe import Markup
    return sanitize_text_line(Markup(html or "").striptags())[:EXCERPT]


class HeldCommons:
    kind = "federation.common"
    label = _l("Commons received from neighbouring territories")

    def items(self) -> list[dict]:
        rows = moderation.held()
        senders = moderation.sender_names(rows)
        items = []
        for row in rows:
            sender = senders.get(row.origin)
            items.append({
                "id": row.id, "kind": row.type, "title": row.name or _plain(row.summary)[:120] or row.object_id,
                "summary": row.summary[:EXCERPT] or _plain(row.content),
                "author": (sender.name or sender.handle) if sender else row.origin,
                "url": row.url or row.object_id, "created": row.received})
        return items

    def approve(self, item_id) -> bool:
        return moderation.approve(item_id)

    def reject(self, item_id, reason: str = "") -> bool:
        return moderation.reject(item_id, reason)


def register(app) -> None:
    sources = app.extensions.setdefault("bocage.moderation_sources", [])
    if not any(getattr(s, "kind", None) == HeldCommons.kind for s in sources):
        sources.append(HeldCommons())
