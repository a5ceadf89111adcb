"""/admin/journal: the audit log of administrative actions, for admins — paged, filtered by
action and by actor, and exported as CSV (cells a spreadsheet would run as a formula are
defused with a leading apostrophe)."""
import csv
import io

from flask import Blueprint, Response, render_template, request

from ..accounts.models import AuditEntry
from ..rights import admin_required
from .paging import page_number

bp = Blueprint("admin_audit", __name__)
PER_PAGE = 100
MAX_CSV = 50_000
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _filtered():
    # NUL cannot reach PostgreSQL (it refuses such a string): no action or actor has one
    action = request.args.get("action", "")[:60].replace("\x00", "")
    actor = request.args.get("actor", "")[:100].replace("\x00", "").strip()
    query = AuditEntry.select()
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    return query.order_by(AuditEntry.created.desc(), AuditEntry.id.desc()), action, actor


@bp.get("/admin/journal")
@admin_required
def journal():
    query, action, actor = _filtered()
    number = page_number()
    rows = list(query.limit(PER_PAGE + 1).offset((number - 1) * PER_PAGE))
    actions = [a for (a,) in AuditEntry.select(AuditEntry.action).distinct()
               .order_by(AuditEntry.action).tuples()]
    return render_template("admin/audit.html", rows=rows[:PER_PAGE], number=number,
                           more=len(rows) > PER_PAGE, actions=actions, action=action, actor=actor)


def safe_cell(value) -> str:
    """A cell as text that no spreadsheet reads as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


@bp.get("/admin/journal.csv")
@admin_required
def export():
    query, _action, _actor = _filtered()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["created", "actor", "account", "action", "target", "detail"])
    for row in query.limit(MAX_CSV):
        writer.writerow([safe_cell(v) for v in (row.created.isoformat(sep=" ", timespec="seconds"),
                                                row.actor, row.account, row.action, row.target,
                                                row.detail)])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="journal.csv"'})
