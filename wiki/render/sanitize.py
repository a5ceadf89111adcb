"""The one HTML sanitizer of Bocage.

Every piece of HTML that comes from users (rendered Markdown, raw HTML inside
Markdown, imports) or from remote ActivityPub servers goes through
:func:`sanitize`. It is an allowlist built on bleach, in one html5lib parse,
with two small filters: one before bleach (drop script/style *content*, keep
Markdown table alignment) and one after it (class allowlist, rel on external
links, checkbox-only inputs). No Flask, no peewee: importable from anywhere.
"""
import html
import re
import threading

from bleach import html5lib_shim
from bleach.sanitizer import BleachSanitizerFilter, Cleaner

__all__ = ["sanitize", "sanitize_text_line", "is_safe_url", "is_safe_id", "ALLOWED_TAGS",
           "ALLOWED_ATTRIBUTES", "ALLOWED_CLASSES", "ALLOWED_CLASS_PATTERNS"]

ALLOWED_TAGS = frozenset(
    "p br hr h1 h2 h3 h4 h5 h6 strong b em i u s del ins mark small sub sup code"
    " pre kbd abbr blockquote q cite ul ol li dl dt dd table thead tbody tfoot tr"
    " th td caption a img figure figcaption details summary div span section nav"
    " input".split())

_ID_CLASS = frozenset({"id", "class"})
_CELL = frozenset({"align", "colspan", "rowspan"})
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title", "class", "id"}),  # rel is set by us, never kept
    "img": frozenset({"src", "alt", "title", "width", "height", "loading"}),
    "th": _CELL, "td": _CELL,
    "ol": _ID_CLASS | {"start"},
    "input": frozenset({"type", "disabled", "checked", "class"}),
    "abbr": frozenset({"title"}),
    "code": frozenset({"class"}), "pre": frozenset({"class"}),  # language-*
    **{t: _ID_CLASS for t in "h1 h2 h3 h4 h5 h6 section div span sup p nav ul li".split()},
}

#: Class tokens kept in output; other modules may ``ALLOWED_CLASSES.add(...)``.
ALLOWED_CLASSES = {
    "wikilink", "missing", "footnotes", "footnote", "footnote-ref", "footnote-item",
    "footnote-return", "task-list-item", "task-list-item-checkbox", "toc", "action",
    "action-error", "table-wrap", "notice", "external",
}
#: Full-match patterns for class tokens (extendable list, like ALLOWED_CLASSES).
ALLOWED_CLASS_PATTERNS = [re.compile(r"language-[a-z0-9+#-]{1,20}")]

# Anti DOM-clobbering: ids that would shadow document/window properties.
_RESERVED_IDS = frozenset("""
    location cookie forms body head domain images links scripts document window top parent self
    frames opener name length anchors embeds plugins applets all children url referrer title
    origin history navigator alert console defaultview documentelement activeelement currentscript
    implementation localstorage sessionstorage fetch getelementbyid queryselector createelement
    write open close attributes innerhtml outerhtml parentnode ownerdocument style baseuri
    readystate designmode event external crypto eval constructor prototype tostring valueof config
""".split())
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}")
_DIGITS = re.compile(r"[0-9]{1,5}")

_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_IMAGE_SCHEMES = frozenset({"http", "https"})
# Characters a browser ignores (or that we refuse to guess about) inside a URL.
_URL_JUNK = re.compile(
    "[\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f"
    "\u3000\ufeff\ufffd`]+")
_LEADING_SLASHES = re.compile("^(?:[/\\\\]|" + _URL_JUNK.pattern + ")+")
_ALIGN_STYLE = re.compile(r"\s*text-align\s*:\s*(left|center|right)\s*;?\s*", re.I)


def _url_scheme(url):
    """Lower-case scheme, "" if relative, "//" if protocol-relative. Stricter than a browser
    on purpose: entities decoded (repeatedly), blank/control/invisible characters removed."""
    s = url
    for _ in range(3):
        decoded = html.unescape(s)
        if decoded == s:
            break
        s = decoded
    s = _URL_JUNK.sub("", s).lower()
    if re.match(r"[/\\]{2}", s):
        return "//"
    head = re.split(r"[/?#]", s, maxsplit=1)[0]
    return head.split(":", 1)[0] if ":" in head else ""


def is_safe_url(url: str, *, for_image: bool = False) -> bool:
    """True for http(s), relative and protocol-relative URLs (links also mailto/tel); refuses
    javascript:, vbscript:, data:, file:... however encoded (entities, tabs, controls, case)."""
    if not isinstance(url, str):
        return False
    scheme = _url_scheme(url)
    return scheme in ("", "//") or scheme in (_IMAGE_SCHEMES if for_image else _LINK_SCHEMES)


def is_safe_id(value: str) -> bool:
    """Ids kept in output: short, plain, and not shadowing a document/window property."""
    return (bool(_ID_RE.fullmatch(value)) and not value.startswith("__")
            and value.lower() not in _RESERVED_IDS)


_VALUE_CHECKS = {
    "id": is_safe_id,
    "href": is_safe_url,
    "src": lambda v: is_safe_url(v, for_image=True),
    **dict.fromkeys(("width", "height", "colspan", "rowspan", "start"), _DIGITS.fullmatch),
    "align": lambda v: v.lower() in ("left", "center", "right"),
    "loading": lambda v: v.lower() in ("lazy", "eager"),
    "type": lambda v: v.lower() == "checkbox",
}


def _keep_attribute(tag, name, value):
    """bleach attribute callable: allowlist per tag, then a value check."""
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    check = _VALUE_CHECKS.get(name)
    return bool(check(value)) if check else True


def _class_ok(token):
    return token in ALLOWED_CLASSES or any(p.fullmatch(token) for p in ALLOWED_CLASS_PATTERNS)


class _BeforeBleach(html5lib_shim.Filter):
    """Drop <script>/<style> with their text; map mistune's text-align to align."""

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            kind, name = token["type"], token.get("name")
            if name in ("script", "style") and kind in ("StartTag", "EndTag"):
                depth = max(depth + (1 if kind == "StartTag" else -1), 0)
                continue
            if depth:
                continue
            if kind == "SpaceCharacters":  # bleach only cleans "Characters": form feed
                token["data"] = token["data"].replace("\x0c", " ")
            if kind == "StartTag" and name in ("th", "td"):
                m = _ALIGN_STYLE.fullmatch(token["data"].get((None, "style"), ""))
                if m:
                    token["data"].setdefault((None, "align"), m.group(1).lower())
            yield token


class _AfterBleach(html5lib_shim.Filter):
    """Rewrite what bleach kept: classes, external links, checkboxes, <pre> newline."""

    def __iter__(self):
        after_pre, cells = False, 0
        for token in super().__iter__():
            kind = token["type"]
            # The serializer loses a <pre>'s leading newline (parsers eat one), except
            # in table cells/captions where html5lib (unlike browsers) does not eat it.
            if after_pre and kind in ("Characters", "SpaceCharacters") and token["data"][:1] == "\n":
                token["data"] = "\n" + token["data"]
            after_pre = kind == "StartTag" and token["name"] == "pre" and not cells
            if token.get("name") in ("td", "th", "caption") and kind in ("StartTag", "EndTag"):
                cells += 1 if kind == "StartTag" else -1
            if kind in ("StartTag", "EmptyTag") and not self._fix(token["name"], token["data"]):
                continue
            yield token

    @staticmethod
    def _fix(name, attrs):
        """Returns False when the whole element must go (non-checkbox input)."""
        classes = [c for c in attrs.pop((None, "class"), "").split() if _class_ok(c)]
        url_key = (None, {"a": "href", "img": "src"}.get(name, ""))
        if url_key in attrs:
            scheme = _url_scheme(attrs[url_key])
            if scheme == "//":  # protocol-relative: only ever as https
                rest = _LEADING_SLASHES.sub("", html.unescape(attrs[url_key]))
                attrs[url_key], scheme = "https://" + rest, "https"
            if name == "a" and scheme in ("http", "https"):
                attrs[(None, "rel")] = "nofollow ugc noopener"
                classes.append("external")
        if name == "input":
            if attrs.get((None, "type"), "").lower() != "checkbox":
                return False
            attrs[(None, "type")], attrs[(None, "disabled")] = "checkbox", ""
            if (None, "checked") in attrs:
                attrs[(None, "checked")] = ""
        if classes:
            attrs[(None, "class")] = " ".join(dict.fromkeys(classes))
        return True


class _Cleaner(Cleaner):
    """bleach Cleaner whose parser sees script/style (so their text can be dropped)."""

    def __init__(self):
        super().__init__(tags=ALLOWED_TAGS, attributes=_keep_attribute,
                         protocols=_LINK_SCHEMES, strip=True, strip_comments=True)
        self.parser = html5lib_shim.BleachHTMLParser(
            tags=ALLOWED_TAGS | {"script", "style"}, strip=True,
            consume_entities=False, namespaceHTMLElements=False)
        self.serializer.alphabetical_attributes = True  # stable output => idempotent

    def clean(self, text):
        if not isinstance(text, str):
            raise TypeError(f"sanitize() needs str, not {type(text).__name__}")
        if not text:
            return ""
        stream = BleachSanitizerFilter(
            source=_BeforeBleach(self.walker(self.parser.parseFragment(text))),
            allowed_tags=self.tags, attributes=self.attributes,
            allowed_protocols=self.protocols, strip_disallowed_tags=True,
            strip_html_comments=True)
        return self.serializer.render(_AfterBleach(stream))


_local = threading.local()  # bleach parsers keep state: one cleaner per thread
_local.cleaner = _Cleaner()


def sanitize(html_text: str) -> str:
    """Return safe, well-formed HTML for untrusted *html_text* (idempotent)."""
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = _Cleaner()
    out = cleaner.clean(html_text)
    # When the parser had to repair the markup (foster parenting, nested <a>...), its
    # tree may not survive serialization: clean again until stable (rare, malformed only).
    for _ in range(3):
        if not cleaner.parser.errors:
            break
        again = cleaner.clean(out)
        if again == out:
            break
        out = again
    return out


_LINE_BREAKS = re.compile("[\t\n\r\v\f\x85\u2028\u2029]+")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


def sanitize_text_line(s: str) -> str:
    """Plain one-line text (titles, comments): breaks become spaces, control and bidi-override
    characters go. Not HTML-escaped: templates autoescape."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", s or "")).strip(" ")
