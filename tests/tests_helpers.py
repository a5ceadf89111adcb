"""Small helpers shared by the tests (not fixtures)."""
import base64
import re

from conftest import csrf_token

# A real 1x1 PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def make_page(client, name, source=None):
    """Create a page through the edit form, as a person would."""
    r = client.post(f"/wiki/{name}/edit", data={
        "csrf_token": csrf_token(client), "source": source or f"# {name}\n\nTexte.",
        "base_revision": _base(client, name), "action": "save"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


def _base(client, name):
    html = client.get(f"/wiki/{name}/edit").get_data(as_text=True)
    return re.search(r'name="base_revision" value="([^"]*)"', html).group(1)


COMMUNES = ["Redon", "Saint-Nicolas-de-Redon", "Allaire", "Bains-sur-Oust"]


def communes_toml(names=COMMUNES) -> str:
    return "[communes]\nvalues = [" + ", ".join(f'"{c}"' for c in names) + "]\n"


def territory(tmp_path, lists_toml: str = ""):
    """A test instance folder with its own lists.toml (the built-in list of communes is empty)."""
    from wiki.instance import init_instance
    path = tmp_path / "territoire"
    init_instance(path, "Territoire de test", "wiki.test")
    (path / "lists.toml").write_text(lists_toml or communes_toml(), encoding="utf-8")
    return path
