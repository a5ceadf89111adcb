"""Helpers of the anti-spam and moderation tests: instance settings, edits as a browser makes them."""
import re

import tomli_w

PASSWORD = "un-mot-de-passe-assez-long"


def write_settings(instance_dir, settings: dict) -> None:
    """Append an [antispam] table to the instance's settings (before the app is made)."""
    if settings:
        path = instance_dir / "instance.toml"
        path.write_text(path.read_text(encoding="utf-8") + "\n" + tomli_w.dumps({"antispam": settings}),
                        encoding="utf-8")


def form_of(client, name, addr=None):
    """(csrf token, base revision, html) of a page's edit form."""
    env = {"REMOTE_ADDR": addr} if addr else {}
    html = client.get(f"/wiki/{name}/edit", environ_base=env).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    base = re.search(r'name="base_revision" value="([^"]*)"', html).group(1)
    return csrf, base, html


def edit(client, name, source, *, addr=None, **fields):
    """Save page `name` through its edit form, as a browser would; the response."""
    csrf, base, _html = form_of(client, name, addr)
    data = {"csrf_token": csrf, "base_revision": base, "source": source, "action": "save", **fields}
    env = {"REMOTE_ADDR": addr} if addr else {}
    return client.post(f"/wiki/{name}/edit", data=data, environ_base=env)


def textarea(html: str) -> str:
    from html import unescape
    found = re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(found.group(1)) if found else ""


def make_account(app, username, role="editor", email=""):
    from wiki.accounts.service import create_account
    with app.app_context():
        return create_account(username, PASSWORD, role=role, email=email).id
