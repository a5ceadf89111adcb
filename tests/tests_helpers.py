"""Small helpers shared by the tests (not fixtures)."""
import base64
import re
from html.parser import HTMLParser

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


class FormState(HTMLParser):
    """What a browser would send back from a page's forms: inputs, checked boxes, selected options,
    textareas (name -> list of values)."""

    def __init__(self):
        super().__init__()
        self.values, self._select, self._textarea, self._option = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values.setdefault(name, []).append(attrs.get("value", "on"))
                else:
                    self.values.setdefault(name, [])
            else:
                self.values.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select":
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select:
            self._option = (attrs.get("value"), "selected" in attrs, [])
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data
        if self._option:
            self._option[2].append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option:
            value, selected, text = self._option
            if selected:
                self.values[self._select].append(value if value is not None else "".join(text).strip())
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_state(html):
    parser = FormState()
    parser.feed(html)
    return parser.values
