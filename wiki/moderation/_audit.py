"""A minimal audit writer, used only while wiki/audit.py (the accounts' audit log) is missing."""
from flask import has_request_context

from ..accounts.models import AuditEntry
from ..db import utcnow
from ..render.sanitize import sanitize_text_line
from ..rights import current_person


def record(action: str, target: str = "", detail: str = "") -> AuditEntry:
    person = current_person()
    actor = person.name or ("visitor" if has_request_context() else "system")
    return AuditEntry.create(created=utcnow(), actor=sanitize_text_line(actor)[:100] or "system",
                             account=person.account_id, action=sanitize_text_line(action)[:60],
                             target=sanitize_text_line(str(target or ""))[:300],
                             detail=str(detail or "").replace("\x00", "")[:10_000])
