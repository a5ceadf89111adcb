"""The audit log of administrative actions: one `record` call per action, from any admin view.

Who acted is taken from the request (rights.current_person()): callers say only what was done.
The log page itself lives elsewhere; this module only writes (and lists, for that page).
"""
from flask import has_request_context

from .accounts.models import AuditEntry
from .db import utcnow
from .render.sanitize import sanitize_text_line
from .rights import current_person


def record(action: str, target: str = "", detail: str = "") -> AuditEntry:
    """Write one AuditEntry: `action` a short dotted code ("account.role", "group.create"...),
    `target` what it was done to (a username, a page name), `detail` free text (a reason...).
    Outside requests (CLI) the actor is "system"."""
    person = current_person()
    actor = person.name or ("visitor" if has_request_context() else "system")
    return AuditEntry.create(
        created=utcnow(), actor=_line(actor, 100) or "system", account=person.account_id,
        action=_line(action, 60), target=_line(target, 300), detail=str(detail or "")[:10_000])


def entries(limit: int = 100, offset: int = 0, action: str = ""):
    """The latest entries first (for the audit log page)."""
    query = AuditEntry.select().order_by(AuditEntry.created.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    return list(query.limit(limit).offset(offset))


def _line(text, length: int) -> str:
    return sanitize_text_line(str(text or ""))[:length]
