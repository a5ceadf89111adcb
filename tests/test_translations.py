"""Translations: the committed catalogs are compiled, French is complete, no string is forgotten,
and people get their language (French by default, English on request, a choice that sticks).

How to add or update strings: docs/translations.md.
"""
import functools
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

try:
    from babel.messages.frontend import parse_mapping_cfg
except ImportError:                      # Babel < 2.14
    from babel.messages.frontend import parse_mapping as parse_mapping_cfg

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "wiki" / "translations"
LOCALES = ["fr", "en"]
# The same keywords as `pybabel extract -k _l -k lazy_gettext` (docs/translations.md): keep them in sync.
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_l", "lazy_gettext"])}
NBSP = "\u00a0"


def _po(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def _mo(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as f:
        return read_mo(f)


def _plain(value):
    """read_mo gives plural ids and strings as lists, read_po as tuples."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _where(message):
    return ", ".join(f"{path}:{line}" for path, line in message.locations) or "?"


# (a) The committed .mo files are what `pybabel compile -d wiki/translations` makes of the .po files.

@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogs_match_the_po_files(locale):
    po, mo = _po(locale), _mo(locale)
    expected = {}
    for m in po:
        if not m.id or not m.string or m.fuzzy:          # compile leaves these out
            continue
        string = m.string
        if m.pluralizable:                                 # compile fills empty plural forms with the ids
            string = tuple(s or m.id[min(i, 1)] for i, s in enumerate(m.string))
        expected[(_plain(m.id), m.context)] = _plain(string)
    compiled = {(_plain(m.id), m.context): _plain(m.string) for m in mo if m.id}
    hint = f"wiki/translations/{locale}: run `.venv/bin/pybabel compile -d wiki/translations`"
    assert sorted(compiled.keys() - expected.keys()) == [], f"only in the .mo: {hint}"
    assert sorted(expected.keys() - compiled.keys()) == [], f"only in the .po: {hint}"
    changed = sorted(key for key in expected if expected[key] != compiled[key])
    assert changed == [], f"different translations: {hint}"
    assert mo.plural_forms == po.plural_forms, hint


@pytest.mark.parametrize("locale, plural_forms", [("fr", "nplurals=2; plural=(n > 1);"),
                                                  ("en", "nplurals=2; plural=(n != 1);")])
def test_plural_forms(locale, plural_forms):
    assert _po(locale).plural_forms == plural_forms


# (b) French is complete: no empty and no fuzzy message, placeholders kept, French typography.

def test_french_catalog_has_no_untranslated_or_fuzzy_message():
    po = _po("fr")
    assert not po.fuzzy, "the header of fr/messages.po is marked fuzzy: compile would skip the whole catalog"
    untranslated = [f"{m.id!r} ({_where(m)})" for m in po
                    if m.id and (not m.string or (m.pluralizable and not all(m.string)))]
    fuzzy = [f"{m.id!r} ({_where(m)})" for m in po if m.id and m.fuzzy]
    assert untranslated == [], "translate these in wiki/translations/fr/LC_MESSAGES/messages.po"
    assert fuzzy == [], "check these translations, then remove their `#, fuzzy` line"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_kept(locale):
    """Babel's checks: the same %(name)s placeholders in the translation as in the source string."""
    problems = [f"{m.id!r}: {'; '.join(map(str, errors))}" for m, errors in _po(locale).check()]
    assert problems == []


FRENCH_TYPOGRAPHY = [
    (re.compile("[“”]"), "English quotes “ ”: use « »"),
    (re.compile("«(?!\u00a0)|(?<!\u00a0)»"), "no U+00A0 inside « »"),
    (re.compile(r" [:;?!]"), "ordinary space before : ; ? ! (use U+00A0)"),
    (re.compile(r"\w[;?!](?:\s|$)"), "no U+00A0 before ; ? !"),
]


def test_french_typography():
    """« » (not “ ”) with non-breaking spaces inside, and a non-breaking space before : ; ? !"""
    problems = []
    for m in _po("fr"):
        for text in (m.string if isinstance(m.string, tuple) else (m.string,)):
            problems += [f"{text!r}: {why}" for pattern, why in FRENCH_TYPOGRAPHY
                         if m.id and text and pattern.search(text)]
    assert problems == []


# (c) Every string marked in the code is in the catalogs: a fresh extraction finds nothing new.

@functools.lru_cache(maxsize=None)
def _extracted():
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {}
    for path, line, msgid, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        if isinstance(msgid, tuple) and len(msgid) == 1:
            msgid = msgid[0]
        found.setdefault((msgid, context), f"{path}:{line}")
    return dict(found)


def test_extraction_finds_strings_in_code_and_templates():
    paths = {where.split(":")[0] for where in _extracted().values()}
    assert any(p.startswith("wiki/") and p.endswith(".py") for p in paths)
    assert any(p.startswith("themes/") and p.endswith(".html") for p in paths)
    assert not any(p.startswith(("tests/", ".venv/")) for p in paths)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_string_is_in_the_catalog(locale):
    po = _po(locale)
    missing = []
    for (msgid, context), where in sorted(_extracted().items(), key=lambda item: item[1]):
        message = po.get(msgid, context=context)
        if message is None or _plain(message.id) != _plain(msgid):   # also: singular became plural
            missing.append(f"{where}: {msgid!r}")
    assert missing == [], ("new strings: extract, update, translate and compile "
                           "(docs/translations.md)\n" + "\n".join(missing))


# (d) The real app speaks French by default, English on request, and remembers the choice.

def _html(response):
    return response.get_data(as_text=True)


def test_french_by_default(client):
    html = _html(client.get("/", follow_redirects=True))
    assert '<html lang="fr">' in html
    assert "Modifications récentes" in html and "Recent changes" not in html


def test_french_browser_gets_french(client):
    html = _html(client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"},
                            follow_redirects=True))
    assert "Modifications récentes" in html


@pytest.mark.parametrize("how", [{"query_string": {"lang": "en"}},
                                 {"headers": {"Accept-Language": "en"}},
                                 {"headers": {"Accept-Language": "en-GB,en;q=0.9"}}])
def test_english_on_request(client, how):
    html = _html(client.get("/", follow_redirects=True, **how))
    assert '<html lang="en">' in html
    assert "Recent changes" in html and "Modifications récentes" not in html


def test_unknown_language_falls_back_to_french(client):
    html = _html(client.get("/?lang=xx", headers={"Accept-Language": "de"}, follow_redirects=True))
    assert "Modifications récentes" in html


def test_language_choice_sticks(client):
    response = client.get("/lang/en?next=/")
    assert response.status_code in (301, 302, 303, 307)
    assert urlsplit(response.headers["Location"]).path == "/"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en" and cookie.http_only
    # Later visits, even from a French browser, stay in English...
    for path in ("/", "/recent"):
        html = _html(client.get(path, headers={"Accept-Language": "fr"}, follow_redirects=True))
        assert "Recent changes" in html and "Modifications récentes" not in html
    # ...until the person switches back.
    client.get("/lang/fr?next=/")
    assert client.get_cookie("lang").value == "fr"
    assert "Modifications récentes" in _html(client.get("/", follow_redirects=True))


def test_unknown_language_sets_no_cookie(client):
    response = client.get("/lang/xx?next=/")
    assert response.status_code in (301, 302, 303, 307)
    assert client.get_cookie("lang") is None


def _browser_target(location):
    """Where a browser would go: it drops tabs and newlines and reads \\ as / (WHATWG URL)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin("http://localhost/lang/en", cleaned))


def test_language_switch_keeps_the_page(client):
    response = client.get("/lang/en", query_string={"next": "/recent?page=2"})
    target = _browser_target(response.headers["Location"])
    assert (target.netloc, target.path, target.query) == ("localhost", "/recent", "page=2")


@pytest.mark.parametrize("target", [
    "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
    "https:/evil.example", "javascript:alert(1)", " //evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\x00/evil.example", "/x\x7f",
])
def test_language_switch_is_no_open_redirect(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code in (301, 302, 303, 307)
    where = _browser_target(response.headers["Location"])
    assert where.scheme == "http" and where.netloc == "localhost"
    if target == "https://evil.example":
        assert where.path == "/"
