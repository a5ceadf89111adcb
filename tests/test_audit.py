"""The audit log: administrative actions recorded with who did them, /admin/journal for admins
only (paged, filtered), and its CSV export safe to open in a spreadsheet."""
import csv
import io

import pytest

from conftest import PEOPLE_PASSWORD, sign_in
from tests_helpers import get, make_page
from wiki import audit
from wiki.accounts.models import AuditEntry

PASSWORD = PEOPLE_PASSWORD




def test_a_revert_is_recorded_and_listed(app, admin, people):
    make_page(admin, "jardin", "# Jardin\n\nTexte.\n")
    vandal = people("vandale")
    make_page(vandal, "spam", "# Spam\n\nspam\n")
    r = admin.post("/admin/annuler", data={"csrf_token": _csrf(admin), "kind": "account",
                                           "value": "vandale", "window": "1h"})
    assert r.status_code == 302
    entry = AuditEntry.get(AuditEntry.action == "revert.all")
    assert entry.actor == "robot" and entry.target == "account vandale" and "1 pages reverted" in entry.detail
    html = get(admin, "/admin/journal")
    assert "revert.all" in html and "account vandale" in html
    assert "/admin/journal" in get(admin, "/admin")


def _csrf(client):
    from conftest import csrf_token
    return csrf_token(client, "/admin/annuler")


def test_the_log_is_for_admins_only(app, admin, people):
    moderator, editor = people("modo", role="moderator"), people("alice")
    for client in (moderator, editor):
        assert client.get("/admin/journal").status_code == 403
        assert client.get("/admin/journal.csv").status_code == 403
    assert "/admin/journal" not in get(moderator, "/admin")
    r = app.test_client().get("/admin/journal")
    assert r.status_code == 302 and "/connexion" in r.headers["Location"]


def test_filters_and_paging(app, admin):
    with app.test_request_context():
        for n in range(105):
            audit.record("group.create", f"groupe-{n}")
        audit.record("account.role", "alice", "editor -> moderator")
    first = get(admin, "/admin/journal")
    assert first.count("<tr><td>") == 100 and "Older" in first
    second = get(admin, "/admin/journal?page=2")
    assert second.count("<tr><td>") == 6 and "Older" not in second
    only = get(admin, "/admin/journal?action=account.role")
    assert only.count("<tr><td>") == 1 and "editor -&gt; moderator" in only
    assert get(admin, "/admin/journal?actor=personne").count("<tr><td>") == 0
    for bad in ("?page=abc", "?page=99999999999", "?action=" + "x" * 5000, "?actor=%00"):
        assert admin.get("/admin/journal" + bad).status_code == 200, bad


def test_csv_export_is_escaped_against_formulas(app, admin):
    hostile = ['=HYPERLINK("http://evil.example","clic")', "+1+1", "-2+3", "@SUM(A1)", "\tcaché",
               'virgule, "guillemets"\net ligne']
    with app.test_request_context():
        for text in hostile:
            audit.record("account.disable", text, text)
    r = admin.get("/admin/journal.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == ["created", "actor", "account", "action", "target", "detail"]
    details = [row[5] for row in rows[1:]]
    for text in hostile[:5]:
        assert "'" + text in details, text
    assert 'virgule, "guillemets"\net ligne' in details
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in row), row
    filtered = list(csv.reader(io.StringIO(admin.get("/admin/journal.csv?action=nothing").get_data(as_text=True))))
    assert len(filtered) == 1


def test_hostile_text_is_shown_as_text(app, admin):
    with app.test_request_context():
        audit.record("account.create", '<script>alert("x")</script>', "<img src=x onerror=alert(1)>")
    html = get(admin, "/admin/journal")
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "<img src=x" not in html
