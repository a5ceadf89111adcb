"""Helpers of the rights tests: real accounts, groups and rules, written as the admin pages do."""
from conftest import ROBOT_PASSWORD, sign_in
from wiki.accounts.models import Group, Membership
from wiki.accounts.service import create_account, find_account
from wiki.accounts.tokens import create_token
from wiki.content import pages as content
from wiki.db import database

PASSWORD = ROBOT_PASSWORD


def person(app, username, role="editor", groups=()):
    """An active account (made once), member of `groups`; its username."""
    with app.app_context():
        account = find_account(username) or create_account(username, PASSWORD, role=role)
        for name in groups:
            group, _new = Group.get_or_create(name=name)
            Membership.get_or_create(group=group, account=account)
    return username


def token_of(app, username, role="editor", groups=()):
    person(app, username, role, groups)
    with app.app_context():
        return create_token(f"{username}-token", find_account(username).id)


def signed_in(app, username, role="editor", groups=()):
    """A new test client signed in as `username` (English pages)."""
    person(app, username, role, groups)
    client = app.test_client()
    client.set_cookie("lang", "en")
    r = sign_in(client, username, PASSWORD)
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return client


def rule(app, target, read="all", edit="all"):
    """Set an access rule through wiki/rights_rules.py (as /admin/droits and `bocage rights` do),
    in a request so that federation hears of it."""
    from wiki import rights_rules
    with app.test_request_context("/"):
        database.connect(reuse_if_open=True)
        try:
            rights_rules.set_rule(target, read, edit)
        finally:
            database.close()


def save(app, name, source, **kw):
    """Save a page as the instance (no person's rights, no anti-spam hold: a test's set-up)."""
    with app.test_request_context("/"), content.as_instance():
        database.connect(reuse_if_open=True)
        try:
            return content.save_page(name, source, **kw)
        finally:
            database.close()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}
