from conftest import robot_token
"""A real server: `bocage serve DIR --workers 2` (gunicorn) in a subprocess, driven with `requests`
like a browser and like an API client.

On PostgreSQL (BOCAGE_TEST_POSTGRES set) the server gets its own schema through BOCAGE_DATABASE_URL.
"""
import contextlib
import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

import conftest
from wiki import create_app
from wiki.db import database
from wiki.instance import init_instance

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = conftest.POSTGRES
START_TIMEOUT = 30
T = 10   # seconds, for every HTTP request

ENGLISH_UI = ["Recent changes", "Search the wiki", "Skip to content", "All pages", "Text of the page"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, folder, env, log):
        self.folder, self.env, self.log = folder, env, log
        self.proc = None
        self.url = None

    def start(self):
        for _attempt in range(3):     # a free port may be taken meanwhile: try another one
            port = _free_port()
            self.url = f"http://127.0.0.1:{port}"
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "wiki.cli", "serve", str(self.folder), "--host", "127.0.0.1",
                     "--port", str(port), "--workers", "2"],
                    cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(self.url + "/api/openapi.json", timeout=1).status_code == 200:
                        return self
                time.sleep(0.1)
            if self.proc.poll() is None:
                self.stop()
                raise AssertionError(f"the server did not answer within {START_TIMEOUT} s:\n{self.output()}")
            if "already in use" not in self.output():
                raise AssertionError(f"the server stopped at start:\n{self.output()}")
        raise AssertionError(f"no free port found:\n{self.output()}")

    def stop(self, timeout=20):
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
                raise AssertionError(f"the server ignored SIGTERM for {timeout} s:\n{self.output()}")
        return self.proc.returncode

    def output(self):
        return Path(self.log).read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A fresh instance served on a free port; yields (server, API token)."""
    folder = tmp_path / "territoire"
    init_instance(folder, "Bocage de test", "127.0.0.1")
    monkeypatch.delenv("BOCAGE_DATABASE_URL", raising=False)
    env = {k: v for k, v in os.environ.items() if k != "BOCAGE_DATABASE_URL"}
    # gunicorn's control socket defaults to one per user: keep ours apart from other servers
    env["XDG_RUNTIME_DIR"] = str(tmp_path)
    schema = None
    if POSTGRES:
        schema, url = conftest._postgres_schema_url()
        env["BOCAGE_DATABASE_URL"] = url
        monkeypatch.setenv("BOCAGE_DATABASE_URL", url)

    app = create_app(folder)                 # migrates, and gives us a token
    with app.app_context():
        token = robot_token("robot")
    app.extensions["bocage.search"].close()
    if not database.is_closed():
        database.close()
    if hasattr(database.obj, "close_all"):
        database.obj.close_all()

    srv = Server(folder, env, tmp_path / "server.log")
    try:
        yield srv.start(), token
    finally:
        srv.stop()
        print(f"--- server output ({srv.url}) ---\n{srv.output()}")   # shown by pytest on failure
        if schema:
            import psycopg2
            with psycopg2.connect(conftest._dsn(POSTGRES)) as conn, conn.cursor() as cur:
                cur.execute(f"DROP SCHEMA {schema} CASCADE")


def _field(page_html, name):
    m = re.search(rf'name="{name}" value="([^"]*)"', page_html)
    assert m, f"no {name} field in the form"
    return html.unescape(m.group(1))


def _textarea(page_html):
    m = re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', page_html, re.S)
    assert m, "no source textarea"
    return html.unescape(m.group(1))


def _csp(response):
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _edit_like_a_browser(session, url, name, source):
    form = session.get(f"{url}/wiki/{name}/edit", timeout=T)
    assert form.status_code == 200, form.text[:500]
    r = session.post(f"{url}/wiki/{name}/edit", timeout=T, allow_redirects=False, data={
        "csrf_token": _field(form.text, "csrf_token"), "base_revision": _field(form.text, "base_revision"),
        "title": _field(form.text, "title"), "source": source, "comment": "depuis le navigateur",
        "author": "Camille", "action": "save"})
    assert r.status_code == 302, r.text[:500]
    assert urlsplit(r.headers["Location"]).path == f"/wiki/{name}"
    return _field(form.text, "base_revision")


def test_served_wiki_end_to_end(server):
    srv, token = server
    url = srv.url
    browser = requests.Session()

    # -- the home page, created then edited through the HTML form like a browser
    first = "# Accueil\n\nBienvenue sur le wiki du bocage : la haie champêtre est notre sujet.\n"
    assert _edit_like_a_browser(browser, url, "accueil", first) == ""        # a new page: no base
    second = first + "\n## Agenda\n\nChantier de plantation samedi.\n"
    base = _edit_like_a_browser(browser, url, "accueil", second)
    assert base.isdigit()                                                   # the edit started from it
    shown = browser.get(f"{url}/wiki/accueil", timeout=T)
    assert shown.status_code == 200, shown.text[:500]
    assert "haie champêtre" in shown.text and "Chantier de plantation samedi." in shown.text

    # -- GET /: French HTML, strict CSP, no inline script
    home = requests.get(url + "/", timeout=T)
    assert home.status_code == 200, home.text[:500]
    assert home.headers["Content-Type"].startswith("text/html")
    assert re.search(r'<html[^>]* lang="fr"', home.text)
    assert "haie champêtre" in home.text
    for english in ENGLISH_UI:
        assert english not in home.text, english
    csp = _csp(home)
    assert "script-src" in csp and "default-src" in csp, home.headers.get("Content-Security-Policy")
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(csp["script-src"]), csp["script-src"]
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", home.text))
    assert home.headers.get("X-Content-Type-Options") == "nosniff"
    english_home = requests.get(url + "/", headers={"Accept-Language": "en"}, timeout=T)
    assert "Recent changes" in english_home.text

    # -- a POST without CSRF token: refused, in French, and the text is kept
    precious = "# Brouillon\n\nMon texte précieux <à garder> & co.\n"
    r = requests.post(f"{url}/wiki/brouillon/edit", timeout=T, allow_redirects=False,
                      data={"source": precious, "base_revision": ""})
    assert r.status_code == 400, r.text[:500]
    assert _textarea(r.text) == precious
    error = re.search(r'<p class="flash error"[^>]*>(.*?)</p>', r.text, re.S)
    assert error, r.text[:1000]
    message = html.unescape(error.group(1))
    assert not re.search(r"\b(the|your|was|is|not|again)\b", message, re.I), message
    assert re.search(r"[éèàêç]", message), message
    assert requests.get(f"{url}/api/pages/brouillon", timeout=T).status_code == 404

    # -- the API, with a token (and without)
    source = "# Mobilité\n\nLa navette hippomobile relie les bourgs le mardi.\n"
    body = {"source": source, "base_revision": None, "comment": "par l'API"}
    r = requests.put(f"{url}/api/pages/mobilite", json=body, timeout=T)
    assert r.status_code == 401 and r.json()["error"]
    r = requests.put(f"{url}/api/pages/mobilite", json=body, timeout=T,
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    page = requests.get(f"{url}/api/pages/mobilite", timeout=T).json()
    assert page["source"] == source and page["author"] == "robot"
    assert "hippomobile" in browser.get(f"{url}/wiki/mobilite", timeout=T).text

    # -- search: both workers share the index (new connection each time: gunicorn sync workers
    #    close it, so the requests spread over the workers)
    for _ in range(8):
        found = requests.get(f"{url}/api/search", params={"q": "mobilite"}, timeout=T)
        assert found.status_code == 200, found.text[:500]
        assert [h["name"] for h in found.json()["results"]] == ["mobilite"], found.json()
        assert "<mark>" in found.json()["results"][0]["excerpt"]
        assert [h["name"] for h in requests.get(f"{url}/api/search", params={"q": "champetre"},
                                                timeout=T).json()["results"]] == ["accueil"]
        html_search = requests.get(f"{url}/search", params={"q": "hippomobile"}, timeout=T)
        assert html_search.status_code == 200, html_search.text[:500]
        assert "/wiki/mobilite" in html_search.text

    # -- a clean stop
    assert srv.stop() == 0
    output = srv.output()
    assert "Traceback" not in output, output
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/", timeout=2)
