"""The JSON API (/api/...) against the real app and the real database (SQLite, or PostgreSQL
when BOCAGE_TEST_POSTGRES is set: see conftest.py).

Everything goes through the Flask test client, as an API client would; the database is only
touched directly to set up states the API cannot reach (a page in the trash, a revoked token).
"""
import json
import random
import re
from datetime import datetime
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from conftest import csrf_token
from wiki.content.pages import delete_page
from wiki.db import database
from wiki.models import ApiToken

EN = {"Accept-Language": "en"}
# Words that betray an English message; none of them is a French word.
ENGLISH_WORDS = re.compile(r"\b(the|is|are|must|required|valid|there|someone|changed|too|not|and|"
                           r"while|with)\b", re.I)


def auth(token, **extra):
    return {"Authorization": f"Bearer {token}", **extra}


def put(client, token, name, source, base=None, headers=None, **fields):
    body = {"source": source, "base_revision": base, **fields}
    return client.put(f"/api/pages/{name}", json=body, headers=auth(token, **(headers or {})))


def put_raw(client, token, name, data, content_type="application/json"):
    return client.put(f"/api/pages/{name}", data=data, content_type=content_type, headers=auth(token))


def error_of(response):
    assert response.is_json, response.get_data(as_text=True)[:300]
    message = response.get_json()["error"]
    assert isinstance(message, str) and len(message) > 10
    return message


def revisions_of(client, name):
    r = client.get(f"/api/pages/{name}/revisions")
    assert r.status_code == 200
    return r.get_json()["revisions"]


class _Tags(HTMLParser):
    """Every start tag and attribute of a document, to check sanitized HTML structurally."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)


def parse_tags(text):
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser


# --------------------------------------------------------------------------- reading

def test_list_pages_sorted_by_title_and_paginated(client, token):
    for name, title in [("p-echo", "Echo"), ("p-alpha", "Alpha"), ("p-delta", "delta"),
                        ("p-bravo", "bravo"), ("p-charlie", "Charlie")]:
        assert put(client, token, name, f"# {title}\n\nTexte de {title}.\n").status_code == 201

    everything = client.get("/api/pages").get_json()
    assert everything["total"] == 5 and everything["offset"] == 0
    # case-insensitive order by title
    assert [p["title"] for p in everything["pages"]] == ["Alpha", "bravo", "Charlie", "delta", "Echo"]
    first = everything["pages"][0]
    assert first["name"] == "p-alpha" and first["url"].endswith("/wiki/p-alpha")
    assert isinstance(first["revision"], int)
    datetime.fromisoformat(first["updated"])

    window = client.get("/api/pages?limit=2&offset=1").get_json()
    assert (window["total"], window["limit"], window["offset"]) == (5, 2, 1)
    assert [p["name"] for p in window["pages"]] == ["p-bravo", "p-charlie"]

    past_the_end = client.get("/api/pages?limit=2&offset=10").get_json()
    assert past_the_end["total"] == 5 and past_the_end["pages"] == []


INVALID_PAGING = ["limit=abc", "limit=-5", "limit=0", "limit=999999", "offset=-5", "offset=abc",
                  "limit=&offset=", "limit=2.5", "limit=-5&offset=-5", "limit=1e3", "offset=%00"]


def test_list_pages_invalid_paging_gives_sane_values(client, token):
    for name in ("un", "deux", "trois"):
        put(client, token, name, f"# {name}\n")
    for query in INVALID_PAGING:
        r = client.get(f"/api/pages?{query}")
        assert r.status_code == 200, query
        data = r.get_json()
        assert 1 <= data["limit"] <= 500, (query, data)
        assert data["offset"] >= 0, (query, data)
        assert data["total"] == 3, (query, data)
        assert len(data["pages"]) == min(data["limit"], max(0, 3 - data["offset"])), (query, data)


def test_get_page_fields_and_sanitized_html(client, token):
    source = ("# Le lavoir\n\nUn **lavoir** restauré.\n\n"
              "<script>alert('xss')</script>\n\n"
              "<img src=x onerror=\"alert('img')\">\n\n"
              "[clique](javascript:alert('lien'))\n\n"
              "<a href=\"javascript:alert(1)\" onclick=\"alert(2)\">a</a>\n")
    created = put(client, token, "le-lavoir", source)
    assert created.status_code == 201

    r = client.get("/api/pages/le-lavoir")
    assert r.status_code == 200 and r.is_json
    page = r.get_json()
    assert page["name"] == "le-lavoir"
    assert page["title"] == "Le lavoir"
    assert page["source"] == source
    assert page["revision"] == created.get_json()["revision"]
    assert page["revision_number"] == 1
    assert page["author"] == "robot"
    assert page["url"].endswith("/wiki/le-lavoir")
    assert datetime.fromisoformat(page["updated"]) >= datetime.fromisoformat(page["created"])

    assert "<strong>lavoir</strong>" in page["html"]
    found = parse_tags(page["html"])
    assert "script" not in found.tags
    for tag, attr, value in found.attrs:
        assert not attr.startswith("on"), (tag, attr, value)
        if attr in ("href", "src"):
            assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), value


def test_get_missing_page_is_json_404(client):
    r = client.get("/api/pages/page-absente")
    assert r.status_code == 404
    assert "page-absente" in error_of(r)
    r = client.get("/api/pages/page-absente/revisions")
    assert r.status_code == 404
    error_of(r)


INVALID_NAMES = ["Bad Name!", "a" * 150, "Majuscule", "tiret-", "-tiret", "double--tiret", "été",
                 "sous_tiret", "point.md", "%20"]


def test_invalid_page_names_are_json_400(client, token):
    for name in INVALID_NAMES:
        for r in (client.get(f"/api/pages/{name}"),
                  client.get(f"/api/pages/{name}/revisions"),
                  client.put(f"/api/pages/{name}", json={"source": "x", "base_revision": None},
                             headers=auth(token))):
            assert r.status_code == 400, (name, r.request.method, r.get_data(as_text=True)[:200])
            error_of(r)
    assert client.get("/api/pages").get_json()["total"] == 0


def test_name_of_exactly_100_characters_is_fine(client, token):
    name = "a" * 100
    assert put(client, token, name, "# Long\n").status_code == 201
    assert client.get(f"/api/pages/{name}").status_code == 200
    assert client.get(f"/api/pages/{'a' * 101}").status_code == 400


def test_revisions_newest_first_with_paging(client, token):
    r1 = put(client, token, "histoire", "# Histoire\n\nv1\n", comment="premier jet").get_json()
    r2 = put(client, token, "histoire", "# Histoire\n\nv2\n", base=r1["revision"]).get_json()
    r3 = put(client, token, "histoire", "# Histoire modifiée\n\nv3 plus longue\n",
             base=r2["revision"], comment="titre").get_json()

    revs = revisions_of(client, "histoire")
    assert [r["number"] for r in revs] == [3, 2, 1]
    assert [r["id"] for r in revs] == [r3["revision"], r2["revision"], r1["revision"]]
    assert [r["action"] for r in revs] == ["edit", "edit", "create"]
    assert revs[0]["title"] == "Histoire modifiée" and revs[2]["title"] == "Histoire"
    assert revs[0]["comment"] == "titre" and revs[2]["comment"] == "premier jet"
    assert all(r["author"] == "robot" for r in revs)
    assert revs[0]["size"] == len("# Histoire modifiée\n\nv3 plus longue\n".encode("utf-8"))

    page = client.get("/api/pages/histoire/revisions?limit=1&offset=1").get_json()
    assert page["name"] == "histoire"
    assert [r["number"] for r in page["revisions"]] == [2]
    assert client.get("/api/pages/histoire/revisions?limit=abc&offset=-1").status_code == 200


def test_trashed_page_is_404_but_keeps_its_history(app, client, token):
    put(client, token, "corbeille", "# Corbeille\n\ntexte\n")
    with app.test_request_context():
        database.connect(reuse_if_open=True)
        delete_page("corbeille", author="test")
        database.close()
    assert client.get("/api/pages/corbeille").status_code == 404
    assert client.get("/api/pages").get_json()["total"] == 0
    assert [r["action"] for r in revisions_of(client, "corbeille")] == ["delete", "create"]


# --------------------------------------------------------------------------- authentication

BAD_AUTHORIZATIONS = [None, "Bearer", "Bearer ", "Bearer bocage_faux", "Basic dXNlcjpwdw==", "Token {token}",
                      "Bearer {token}x", "{token}", "Bearer " + "x" * 5000]


def test_put_without_a_valid_token_is_401(client, token):
    for header in BAD_AUTHORIZATIONS:
        headers = {} if header is None else {"Authorization": header.format(token=token)}
        r = client.put("/api/pages/essai", json={"source": "# Essai\n", "base_revision": None}, headers=headers)
        assert r.status_code == 401, header
        assert r.headers.get("WWW-Authenticate", "").lower().startswith("bearer"), header
        error_of(r)
    assert client.get("/api/pages/essai").status_code == 404


def test_revoked_token_is_refused(app, client, token):
    assert put(client, token, "essai", "# Essai\n").status_code == 201
    with app.app_context():
        ApiToken.update(revoked=True).execute()
    r = put(client, token, "essai", "# Autre\n", base=None)
    assert r.status_code == 401


def test_browser_session_is_not_enough_to_put(client, token):
    # a browser session: visit pages, save through the HTML form (session + CSRF cookie)
    client.get("/")
    csrf = csrf_token(client, "/wiki/cookies/edit")
    saved = client.post("/wiki/cookies/edit", data={"source": "# Cookies\n\nversion navigateur\n",
                                                    "base_revision": "", "csrf_token": csrf})
    assert saved.status_code == 302
    base = client.get("/api/pages/cookies").get_json()["revision"]

    r = client.put("/api/pages/cookies", json={"source": "# Cookies\n\npiraté\n", "base_revision": base})
    assert r.status_code == 401
    r = client.put("/api/pages/cookies", json={"source": "# Cookies\n\npiraté\n", "base_revision": base,
                                               "csrf_token": csrf}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 401
    assert "version navigateur" in client.get("/api/pages/cookies").get_json()["source"]


def test_api_needs_no_csrf_token_with_a_bearer_token(client, token):
    # CSRF is really enforced on the HTML forms of this app...
    client.get("/wiki/accueil/edit")
    refused = client.post("/wiki/csrf/edit", data={"source": "# Csrf\n", "base_revision": ""})
    assert refused.status_code == 400
    assert client.get("/api/pages/csrf").status_code == 404
    # ...but the API, authenticated by its bearer token, needs none, session cookie or not
    r = put(client, token, "csrf", "# Csrf\n\npar l'API\n")
    assert r.status_code == 201
    assert "par l'API" in client.get("/api/pages/csrf").get_json()["source"]


# --------------------------------------------------------------------------- writing

def test_create_then_update(client, token):
    r = put(client, token, "moulin", "# Le moulin\n\nIl tourne.\n")
    assert r.status_code == 201
    created = r.get_json()
    assert created["created"] is True and created["merged"] is False and created["unchanged"] is False
    assert created["name"] == "moulin" and created["revision_number"] == 1

    r = put(client, token, "moulin", "# Le moulin\n\nIl tourne encore.\n", base=created["revision"],
            comment="précision")
    assert r.status_code == 200
    updated = r.get_json()
    assert updated["created"] is False and updated["merged"] is False
    assert updated["revision"] != created["revision"] and updated["revision_number"] == 2
    page = client.get("/api/pages/moulin").get_json()
    assert page["source"] == "# Le moulin\n\nIl tourne encore.\n"
    assert page["revision"] == updated["revision"]
    assert "Il tourne encore." in page["html"]


def test_crlf_is_normalised(client, token):
    put(client, token, "crlf", "# Crlf\r\n\r\nligne\r\n")
    assert client.get("/api/pages/crlf").get_json()["source"] == "# Crlf\n\nligne\n"


def test_same_text_again_makes_no_revision(client, token):
    first = put(client, token, "stable", "# Stable\n\ntexte\n").get_json()
    for base in (first["revision"], None):
        r = put(client, token, "stable", "# Stable\n\ntexte\n", base=base)
        assert r.status_code == 200
        data = r.get_json()
        assert data["unchanged"] is True and data["revision"] == first["revision"]
    assert len(revisions_of(client, "stable")) == 1


BASE = ("# Charte du tiers-lieu\n\n"
        "Premier paragraphe : l'accueil est ouvert à toutes et tous.\n\n"
        "Deuxième paragraphe : les outils se partagent.\n\n"
        "Troisième paragraphe : on range après usage.\n")


def test_concurrent_edits_of_different_paragraphs_are_merged(client, token):
    base = put(client, token, "charte", BASE).get_json()["revision"]
    alice = BASE.replace("toutes et tous.", "toutes et tous, le mardi et le jeudi.")
    bob = BASE.replace("on range après usage.", "on range et on nettoie après usage.")

    r = put(client, token, "charte", alice, base=base)
    assert r.status_code == 200 and r.get_json()["merged"] is False

    r = put(client, token, "charte", bob, base=base)      # bob still starts from the first version
    assert r.status_code == 200
    data = r.get_json()
    assert data["merged"] is True
    assert "le mardi et le jeudi" in data["source"] and "on range et on nettoie" in data["source"]
    page = client.get("/api/pages/charte").get_json()
    assert page["source"] == data["source"]
    assert "<<<<<<<" not in page["source"]
    assert page["revision_number"] == 3
    assert revisions_of(client, "charte")[0]["action"] == "merge"


def test_overlapping_concurrent_edits_give_409_and_change_nothing(client, token):
    base = put(client, token, "charte", BASE).get_json()["revision"]
    alice = BASE.replace("les outils se partagent.", "les outils se prêtent contre une signature.")
    bob = BASE.replace("les outils se partagent.", "les outils restent dans l'atelier.")
    alice_rev = put(client, token, "charte", alice, base=base).get_json()["revision"]

    r = put(client, token, "charte", bob, base=base)
    assert r.status_code == 409 and r.is_json
    data = r.get_json()
    assert data["current"] == {"revision": alice_rev, "source": alice}
    assert data["yours"] == bob
    assert "contre une signature" in data["merged"] and "restent dans l'atelier" in data["merged"]
    assert "<<<<<<<" in data["merged"] and ">>>>>>>" in data["merged"]
    error_of(r)

    page = client.get("/api/pages/charte").get_json()
    assert page["source"] == alice and page["revision"] == alice_rev
    assert len(revisions_of(client, "charte")) == 2

    # resolving: save again from the current revision
    resolved = alice.replace("contre une signature.", "contre une signature, et restent dans l'atelier.")
    r = put(client, token, "charte", resolved, base=alice_rev)
    assert r.status_code == 200 and r.get_json()["merged"] is False


def test_base_revision_of_another_page_is_refused(client, token):
    other = put(client, token, "autre", "# Autre\n").get_json()["revision"]
    put(client, token, "cible", "# Cible\n\nv1\n")
    r = put(client, token, "cible", "# Cible\n\nv2\n", base=other)
    assert r.status_code == 409
    error_of(r)
    assert client.get("/api/pages/cible").get_json()["source"] == "# Cible\n\nv1\n"


BAD_BODIES = {
    "not-json": b"ceci n'est pas du JSON",
    "truncated-json": b'{"source": "# x", ',
    "empty": b"",
    "array": b'["# x"]',
    "string": b'"# x"',
    "null": b"null",
    "missing-source": b"{}",
    "missing-source-2": b'{"base_revision": null}',
    "source-null": b'{"source": null}',
    "source-number": b'{"source": 42}',
    "source-list": b'{"source": ["# x"]}',
    "base-string": b'{"source": "# x", "base_revision": "1"}',
    "base-true": b'{"source": "# x", "base_revision": true}',
    "base-false": b'{"source": "# x", "base_revision": false}',
    "base-float": b'{"source": "# x", "base_revision": 1.5}',
    "base-list": b'{"source": "# x", "base_revision": [1]}',
    "comment-number": b'{"source": "# x", "comment": 5}',
    "comment-list": b'{"source": "# x", "comment": ["a"]}',
    "comment-true": b'{"source": "# x", "comment": true}',
    "not-utf8": b'{"source": "\xff\xfe"}',
}


def test_bad_bodies_are_400(client, token):
    for case, body in BAD_BODIES.items():
        r = put_raw(client, token, "corps", body)
        assert r.status_code == 400, (case, r.get_data(as_text=True)[:200])
        error_of(r)
    assert client.get("/api/pages/corps").status_code == 404


def test_json_body_sent_as_text_plain_is_400(client, token):
    r = put_raw(client, token, "corps", b'{"source": "# x", "base_revision": null}', "text/plain")
    assert r.status_code == 400
    error_of(r)


@pytest.mark.parametrize("comment", ["0", "false", "[]", "{}"])
def test_falsy_non_string_comment_is_400(client, token, comment):
    r = put_raw(client, token, "corps", f'{{"source": "# x", "comment": {comment}}}'.encode())
    assert r.status_code == 400
    assert "comment" in error_of(r)
    assert client.get("/api/pages/corps").status_code == 404


def test_null_or_missing_comment_is_an_empty_comment(client, token):
    assert put_raw(client, token, "nul", b'{"source": "# x", "comment": null}').status_code == 201
    assert put_raw(client, token, "absent", b'{"source": "# x"}').status_code == 201
    assert revisions_of(client, "nul")[0]["comment"] == revisions_of(client, "absent")[0]["comment"] == ""


def test_source_too_large_is_413(client, token):
    r = put(client, token, "enorme", "a" * (600 * 1024))
    assert r.status_code == 413
    assert "512" in error_of(r)
    # the limit counts bytes, not characters
    r = put(client, token, "enorme", "é" * (256 * 1024 + 1))
    assert r.status_code == 413
    assert client.get("/api/pages/enorme").status_code == 404


def test_source_of_exactly_512_kb_is_accepted(client, token):
    r = put(client, token, "limite", "# Limite\n" + "a" * (512 * 1024 - len("# Limite\n")))
    assert r.status_code == 201


# --------------------------------------------------------------------------- numbers and text the database cannot take

def test_out_of_range_base_revision_is_a_client_error(client, token):
    put(client, token, "existante", "# Existante\n")
    for name in ("existante", "nouvelle"):
        for base in (10 ** 30, 2 ** 31, 2 ** 63, 0, -1):
            r = put(client, token, name, "# Autre texte\n", base=base)
            assert r.status_code in (400, 409), (name, base, r.status_code)
            assert "base_revision" in error_of(r)
    assert client.get("/api/pages/nouvelle").status_code == 404
    assert len(revisions_of(client, "existante")) == 1


def test_out_of_range_revision_ids_elsewhere_are_not_a_500(client, token):
    """The same ids through the HTML form and in addresses: refused or not found, never a 500."""
    put(client, token, "existante", "# Existante\n")
    huge = "9" * 30
    for url in (f"/wiki/existante/revisions/{huge}", f"/wiki/existante/revisions/{2 ** 31}",
                f"/wiki/existante/diff?to={huge}", f"/wiki/existante/diff?from={huge}"):
        assert client.get(url).status_code == 404, url
    for name in ("existante", "nouvelle-par-formulaire"):
        csrf = csrf_token(client, f"/wiki/{name}/edit")
        r = client.post(f"/wiki/{name}/edit", data={"source": "# Autre\n\ntexte\n", "base_revision": huge,
                                                   "csrf_token": csrf})
        assert r.status_code in (302, 409), (name, r.status_code)
        if r.status_code == 409:
            assert "texte" in r.get_data(as_text=True)     # the person's text is kept


@pytest.mark.parametrize("path", ["/api/pages?offset=" + "9" * 30,
                                  "/api/pages/existante/revisions?offset=" + "9" * 30,
                                  "/api/pages?limit=" + "9" * 30 + "&offset=-" + "9" * 30,
                                  "/api/pages/existante/revisions?limit=-" + "9" * 30])
def test_huge_offset_is_not_a_500(client, token, path):
    put(client, token, "existante", "# Existante\n")
    r = client.get(path)
    assert r.status_code in (200, 400)


@pytest.mark.parametrize("path", ["/recent", "/index", "/orphans", "/wanted", "/trash", "/search?q=x&",
                                  "/wiki/existante/history"])
def test_huge_page_numbers_of_the_special_pages_are_not_a_500(client, token, path):
    put(client, token, "existante", "# Existante\n\nx\n")
    sep = "&" if "?" in path else "?"
    assert client.get(f"{path.rstrip('&')}{sep}page={'9' * 30}").status_code == 200


def test_huge_offset_and_limit_are_clamped(client, token):
    put(client, token, "existante", "# Existante\n")
    data = client.get("/api/pages", query_string={"offset": "9" * 30, "limit": "9" * 30}).get_json()
    assert data["pages"] == [] and data["total"] == 1
    assert data["limit"] == 500 and 0 < data["offset"] < 2 ** 31
    data = client.get("/api/pages", query_string={"offset": "-" + "9" * 30, "limit": "-5"}).get_json()
    assert (data["offset"], data["limit"], [p["name"] for p in data["pages"]]) == (0, 1, ["existante"])
    assert client.get("/api/pages/existante/revisions?offset=" + "9" * 30).get_json()["revisions"] == []


def test_lone_surrogate_in_source_is_not_a_500(client, token):
    r = put_raw(client, token, "surrogat", b'{"source": "# Texte \\ud800 cass\\u00e9", "base_revision": null}')
    assert r.status_code in (201, 400)
    if r.status_code == 400:
        error_of(r)


def test_lone_surrogate_is_refused_with_its_line(client, token):
    r = put_raw(client, token, "surrogat", b'{"source": "# Titre\\n\\nTexte \\udc00 ici"}')
    assert r.status_code == 400
    assert "3" in error_of(r) and "caract" in error_of(r)       # in French, with the line number
    r = client.put("/api/pages/surrogat", data=b'{"source": "a\\ud83d"}', content_type="application/json",
                   headers=auth(token, **EN))
    assert r.status_code == 400 and "line 1" in error_of(r)
    assert client.get("/api/pages/surrogat").status_code == 404
    # a real pair is one character (an emoji), not a lone surrogate
    assert put_raw(client, token, "emoji", b'{"source": "# \\ud83c\\udf33 Arbre"}').status_code == 201
    assert client.get("/api/pages/emoji").get_json()["title"] == "\U0001f333 Arbre"


def test_lone_surrogate_in_comment_is_not_a_500(client, token):
    r = put_raw(client, token, "commentaire", b'{"source": "# x", "comment": "oups \\ud800"}')
    assert r.status_code == 201
    assert revisions_of(client, "commentaire")[0]["comment"] == "oups \ufffd"


def test_index_failure_does_not_turn_a_saved_page_into_a_500(app, client, token, monkeypatch):
    from wiki.search import SearchIndexLocked

    def locked(doc):
        raise SearchIndexLocked("held by another writer")
    monkeypatch.setattr(app.extensions["bocage.search"], "add", locked)
    r = put(client, token, "verrou", "# Verrou\n")
    assert client.get("/api/pages/verrou").status_code == 200     # the page *was* saved...
    assert r.status_code == 201                                   # ...so say so


@pytest.fixture
def index_writer(app, monkeypatch):
    """Hold the search index's write lock, as `bocage reindex` in another process does; saves
    give up waiting for it after 0.2 s instead of 5."""
    from wiki.search import index as search_module
    monkeypatch.setattr(search_module, "LOCK_TIMEOUT", 0.2)
    writer = app.extensions["bocage.search"]._ix.writer()
    yield writer
    if not writer.is_closed:
        writer.cancel()


def _search(client, q):
    return [h["name"] for h in client.get("/api/search", query_string={"q": q}).get_json()["results"]]


def test_a_locked_index_marks_the_page_and_the_next_save_catches_up(app, client, token, index_writer):
    from wiki.indexing import pending_pages
    assert put(client, token, "lavoir", "# Le lavoir\n\nOn y battait le linge.\n").status_code == 201
    first = put(client, token, "moulin", "# Le moulin\n\nIl tourne au bord du ruisseau.\n").get_json()
    with app.test_request_context():
        delete_page("lavoir")           # a deletion that cannot reach the index either
    assert pending_pages(app) == ["lavoir", "moulin"]
    assert _search(client, "ruisseau") == []

    index_writer.cancel()               # the other writer is done
    assert pending_pages(app) == ["lavoir", "moulin"]
    r = put(client, token, "moulin", "# Le moulin\n\nIl tourne au bord de l'Oust.\n", base=first["revision"])
    assert r.status_code == 200
    assert pending_pages(app) == []
    assert _search(client, "oust") == ["moulin"] and _search(client, "ruisseau") == []
    assert _search(client, "linge") == []                  # the trashed page left the index
    r = put(client, token, "four", "# Le four\n\nLe pain cuit.\n")
    assert r.status_code == 201 and _search(client, "pain") == ["four"]


def test_a_locked_index_does_not_break_the_html_form(app, client, index_writer):
    from wiki.indexing import pending_pages
    csrf = csrf_token(client, "/wiki/verger/edit")
    r = client.post("/wiki/verger/edit", data={"source": "# Verger\n\nDes pommiers.\n", "base_revision": "",
                                               "csrf_token": csrf})
    assert r.status_code == 302
    assert client.get("/wiki/verger").status_code == 200
    assert pending_pages(app) == ["verger"]


def test_reindex_clears_the_pending_pages(app, client, token, index_writer):
    from wiki.indexing import pending_pages, reindex
    put(client, token, "haies", "# Les haies\n\nDes haies bocagères.\n")
    assert pending_pages(app) == ["haies"]
    index_writer.cancel()
    with app.app_context():
        assert reindex() == 1
    assert pending_pages(app) == []
    assert _search(client, "bocagere") == ["haies"]


# --------------------------------------------------------------------------- languages

def _error_responses(client, token, headers):
    """A 401, 400, 404, 409 and 413 from the API, with `headers`."""
    base = put(client, token, "langue", BASE).get_json()["revision"]
    put(client, token, "langue", BASE.replace("se partagent", "se prêtent"), base=base)
    return {
        401: client.put("/api/pages/langue", json={"source": "x"}, headers=headers),
        400: client.put("/api/pages/Bad Name!", json={"source": "x"}, headers=auth(token, **headers)),
        404: client.get("/api/pages/absente", headers=headers),
        409: put(client, token, "langue", BASE.replace("se partagent", "se donnent"), base=base,
                 headers=headers),
        413: put(client, token, "langue", "a" * (600 * 1024), headers=headers),
    }


def test_errors_are_in_english_when_asked(client, token):
    for status, r in _error_responses(client, token, EN).items():
        assert r.status_code == status
        message = error_of(r)
        assert ENGLISH_WORDS.search(message), (status, message)


def test_errors_are_in_french_by_default(client, token):
    for status, r in _error_responses(client, token, {}).items():
        assert r.status_code == status
        message = error_of(r)
        assert not ENGLISH_WORDS.search(message), (status, message)
        assert re.search(r"[éèàùêç]|\b(la|le|les|une|des|est|pas)\b", message), (status, message)


def test_409_keeps_its_fields_in_english(client, token):
    r = _error_responses(client, token, EN)[409]
    assert {"error", "current", "yours", "merged"} <= set(r.get_json())
    assert "changed" in r.get_json()["error"]


def test_other_api_errors_are_json(client):
    r = client.get("/api/nulle-part")
    assert r.status_code == 404 and r.is_json
    r = client.delete("/api/pages/essai")
    assert r.status_code == 405 and r.is_json
    r = client.post("/api/pages/essai", json={"source": "x"})
    assert r.status_code == 405 and r.is_json


# --------------------------------------------------------------------------- search

def test_search_finds_a_page_created_through_put(client, token):
    source = ("# Mobilité douce\n\nLe covoiturage et le vélo pour la mobilité rurale.\n\n"
              "Comparaison : 3 < 4 & 5 > 2. <img src=x onerror=alert(1)>\n")
    assert put(client, token, "mobilite-douce", source).status_code == 201
    put(client, token, "autre-sujet", "# Les haies\n\nPlanter des haies bocagères.\n")

    for query in ("mobilite", "Mobilité", "MOBILITES", "covoiturage"):
        r = client.get("/api/search", query_string={"q": query})
        assert r.status_code == 200
        data = r.get_json()
        assert [h["name"] for h in data["results"]] == ["mobilite-douce"], query
        assert data["total"] == 1 and data["query"] == query
        hit = data["results"][0]
        assert hit["title"] == "Mobilité douce"
        assert hit["url"].endswith("/wiki/mobilite-douce")
        assert "<mark>" in hit["excerpt"]
        # the excerpt is escaped text: the only markup is <mark>
        assert "<" not in re.sub(r"</?mark>", "", hit["excerpt"]), hit["excerpt"]


def test_search_follows_updates(client, token):
    first = put(client, token, "four", "# Le four\n\nOn y cuit le pain de seigle.\n").get_json()
    assert client.get("/api/search?q=seigle").get_json()["total"] == 1
    put(client, token, "four", "# Le four\n\nOn y cuit des galettes de sarrasin.\n", base=first["revision"])
    assert [h["name"] for h in client.get("/api/search?q=sarrasin").get_json()["results"]] == ["four"]
    assert client.get("/api/search?q=seigle").get_json()["total"] == 0


def test_search_sees_updates_from_a_new_process_view(app, client, token):
    """What the index holds after an update, read with a new searcher (as another worker would)."""
    first = put(client, token, "four", "# Le four\n\nOn y cuit le pain de seigle.\n").get_json()
    put(client, token, "four", "# Le four\n\nOn y cuit des galettes de sarrasin.\n", base=first["revision"])
    from wiki.search import SearchIndex
    index = SearchIndex(app.extensions["bocage.instance"].search_dir)
    try:
        assert index.search("seigle").total == 0
        assert [h.name for h in index.search("sarrasin").hits] == ["four"]
    finally:
        index.close()


def test_searching_an_empty_wiki_twice_then_creating_a_page(client, token):
    assert client.get("/api/search?q=haie").status_code == 200
    assert client.get("/api/search?q=haie").status_code == 200   # (whoosh's refresh() crashed here)
    put(client, token, "haies", "# Les haies\n\nPlanter une haie.\n")
    r = client.get("/api/search?q=haie")
    assert r.status_code == 200 and r.get_json()["total"] == 1
    assert client.get("/search?q=haie").status_code == 200


def test_search_empty_query_gives_no_results(client, token):
    put(client, token, "quelque-chose", "# Quelque chose\n")
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "\t\n"}):
        r = client.get("/api/search", query_string=params)
        assert r.status_code == 200
        assert r.get_json()["results"] == [] and r.get_json()["total"] == 0


WEIRD_QUERIES = ["*", "?", "a*", "*:*", "text:*", "title:(", "((((", ")", '"non fermé', "AND", "OR NOT",
                 "NOT", "a AND", "[a TO", "{a TO b}", "~", "mot~2", "mot^", "^2", "\\", "'", "l'été",
                 "%", "%00", "\x00", "<script>", "🙂", "名前", "a" * 2000, "mot " * 400, "kind:page",
                 "name:x*", "updated:[2020 TO 2030]", "updated:>2020", "title:", ":", "=", "-", "--x",
                 "+", "!", "|", "&&", "\u202e", "\ufeff"]


def test_weird_queries_never_500(client, token):
    put(client, token, "ete", "# L'été\n\nmot mot mot\n")
    for query in WEIRD_QUERIES:
        r = client.get("/api/search", query_string={"q": query, "page": "abc", "limit": "-1"})
        assert r.status_code == 200, (query, r.get_data(as_text=True)[:300])
        data = r.get_json()
        assert isinstance(data["results"], list) and data["total"] >= 0
    assert client.get("/api/search?q=mot").get_json()["total"] == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None)
@given(q=st.text(max_size=80), page=st.one_of(st.none(), st.integers(-5, 10 ** 6).map(str), st.text(max_size=5)))
def test_search_property_never_500(client, token, q, page):
    random.seed()   # see test_put_property_never_500
    # some text for the excerpts (saved by the first example, unchanged afterwards)
    put(client, token, "verger", "# L'été au verger\n\nŒuvre commune : maïs, café-théâtre, l’apéro, "
        "3 < 4 & mobilité *douce* [[haies]].\n")
    params = {"q": q} if page is None else {"q": q, "page": page}
    r = client.get("/api/search", query_string=params)
    assert r.status_code == 200


# --------------------------------------------------------------------------- OpenAPI

def _spec(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and r.is_json
    return r.get_json()


def test_openapi_document_is_valid(client):
    spec = _spec(client)
    validate_openapi(spec)
    assert spec["openapi"].startswith("3.")
    assert "Territoire de test" in spec["info"]["title"]


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield path, method.lower()


def test_every_api_route_is_described(app, client):
    paths = _spec(client)["paths"]
    routes = set(_api_rules(app))
    assert len(routes) >= 5
    missing = [(p, m) for p, m in routes if m not in paths.get(p, {})]
    assert not missing, f"routes missing from openapi.json: {missing}"


def test_every_described_operation_exists(app, client):
    paths = _spec(client)["paths"]
    routes = set(_api_rules(app))
    described = {(p, m) for p, ops in paths.items() for m in ops
                 if m in ("get", "put", "post", "delete", "patch")}
    assert described == routes
    adapter = app.url_map.bind("localhost")
    for path, method in described:
        endpoint, _ = adapter.match(path.replace("{name}", "exemple"), method=method.upper())
        assert endpoint.startswith("api.")


def _validator(spec, ref):
    schema = {"$ref": f"#/components/schemas/{ref}", "components": spec["components"]}
    return Draft202012Validator(schema)


def test_responses_match_the_described_schemas(client, token):
    spec = _spec(client)
    created = put(client, token, "schema", "# Schéma\n\nmobilité\n")
    _validator(spec, "SaveResult").validate(created.get_json())
    base = created.get_json()["revision"]
    put(client, token, "schema", "# Schéma\n\nmobilité douce\n", base=base)
    conflict = put(client, token, "schema", "# Schéma\n\nmobilité dure\n", base=base)
    assert conflict.status_code == 409
    _validator(spec, "Conflict").validate(conflict.get_json())
    _validator(spec, "Page").validate(client.get("/api/pages/schema").get_json())
    for revision in revisions_of(client, "schema"):
        _validator(spec, "Revision").validate(revision)
    for summary in client.get("/api/pages").get_json()["pages"]:
        _validator(spec, "PageSummary").validate(summary)
    _validator(spec, "SearchResults").validate(client.get("/api/search?q=mobilite").get_json())
    for r in (client.get("/api/pages/absente"), client.put("/api/pages/schema", json={})):
        _validator(spec, "Error").validate(r.get_json())


# --------------------------------------------------------------------------- property test on PUT bodies

any_text = st.text(st.characters(exclude_categories=()), max_size=40)   # lone surrogates too
json_scalars = (st.none() | st.booleans() | st.integers()
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40) | any_text)
json_values = st.recursive(json_scalars, lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.text(max_size=8), children, max_size=3), max_leaves=8)
put_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={"source": json_values | st.text(max_size=200) | any_text,
                                        "base_revision": json_values | st.integers(0, 50),
                                        "comment": json_values}),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None)
@given(body=put_bodies, name=st.sampled_from(["essai", "accueil", "Pas Valide", "x" * 101]))
def test_put_property_never_500(client, token, body, name):
    # Hypothesis seeds the global `random` identically for every example, and whoosh names its new
    # segment files with it: without this, two examples write the same segment name (AssertionError).
    random.seed()
    r = client.put(f"/api/pages/{name}", data=json.dumps(body), content_type="application/json",
                   headers=auth(token))
    assert r.status_code in (200, 201, 400, 409, 413), (r.status_code, r.get_data(as_text=True)[:300])
    assert r.is_json
    if r.status_code >= 400:
        assert isinstance(r.get_json()["error"], str)
