"""The geo field's address search: off by default; BAN and Nominatim answered by a real HTTP
server started here on 127.0.0.1; the form without JavaScript, /api/geocode, the map's settings;
wiki/outbound.py's refusals (loopback, other schemes, oversized answers).
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import csrf_token
from tests_helpers import field_block, form_state, get, territory
from wiki import outbound
from wiki.instance import InstanceError, load_instance
from wiki.models import Page

BAN = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-2.084713, 47.651917]},
     "properties": {"label": "Place du Parlement 35600 Redon", "score": 0.92}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-2.0639, 47.6433]},
     "properties": {"label": "Rue du Port 44460 Saint-Nicolas-de-Redon", "score": 0.5}}]}
NOMINATIM = [{"place_id": 1, "display_name": "Redon, Ille-et-Vilaine, Bretagne, France",
              "lat": "47.6519171", "lon": "-2.0847133", "type": "administrative"},
             {"place_id": 2, "display_name": "Redon, Morbihan, France", "lat": "47.70", "lon": "-2.10"}]


class Provider(BaseHTTPRequestHandler):
    """A geocoding provider: the answer depends on the path (see ANSWERS)."""
    seen = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        Provider.seen.append({"path": parts.path, "query": parse_qs(parts.query),
                              "agent": self.headers.get("User-Agent", "")})
        status, kind, body, *headers = ANSWERS[parts.path](self)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _slow(handler):
    time.sleep(1.5)
    return 200, "application/json", json.dumps(BAN).encode()


ANSWERS = {
    "/ban/search/": lambda h: (200, "application/json", json.dumps(BAN).encode()),
    "/nominatim/search": lambda h: (200, "application/json", json.dumps(NOMINATIM).encode()),
    "/ban-empty/": lambda h: (200, "application/json", b'{"type": "FeatureCollection", "features": []}'),
    "/nominatim-empty": lambda h: (200, "application/json", b"[]"),
    "/garbage/": lambda h: (200, "text/html", b"<html>Service en maintenance</html>"),
    "/wrong-shape/": lambda h: (200, "application/json", b'{"features": [{"geometry": null}]}'),
    "/error/": lambda h: (500, "text/plain", b"oops"),
    "/slow/": _slow,
    "/big/": lambda h: (200, "application/json", b"[" + b" " * 600_000 + b"]"),
    "/moved/": lambda h: (302, "text/plain", b""),
}


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def seen(server):
    Provider.seen.clear()
    return Provider.seen


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def geocoding():
    """The [geocoding] section of the test instance (None: none at all); tests parametrize it.
    A "url" starting with / is on the test server."""
    return None


@pytest.fixture
def instance_dir(tmp_path, geocoding, server):
    path = territory(tmp_path)
    if geocoding is not None:
        lines = ["\n[geocoding]"]
        for key, value in geocoding.items():
            if key == "url" and value.startswith("/"):
                value = server + value
            lines.append(f"{key} = {json.dumps(value)}")
        with open(path / "instance.toml", "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return path


@pytest.fixture
def en(client):
    client.set_cookie("lang", "en")
    return client


def on(provider, url, **more):
    return {"provider": provider, "url": url, "allow_private_addresses": True, **more}


BAN_ON = on("ban", "/ban/search/")
NOMINATIM_ON = on("nominatim", "/nominatim/search")
PLACE = {"f-titre": "Le Grain", "f-categorie": "Tiers-lieu", "f-lieu.adresse": "place du parlement redon",
         "f-lieu.lat": "", "f-lieu.lon": "", "f-commune": "Redon", "f-telephone": "02 99 71 06 04",
         "comment": "mon commentaire", "author": "Anouk"}


def geocode_form(client, **changes):
    data = {"csrf_token": csrf_token(client, "/fiches/lieux/new"), **PLACE, "geocode": "lieu", **changes}
    return client.post("/fiches/lieux/new", data=data)


def fiches():
    return Page.select().where(Page.kind != "page").count()


# -- off by default ----------------------------------------------------------------------------
def test_geocoding_is_off_by_default(app, en, seen):
    assert app.extensions["bocage.instance"].geocoding_provider == ""
    html = get(en, "/fiches/lieux/new")
    assert 'name="geocode"' not in html and "Find the position" not in html and "data-geocode" not in html
    r = en.get("/api/geocode?q=Redon")
    assert r.status_code == 404 and r.get_json() == {"error": "Address search is not set up on this wiki."}
    # the button submitted all the same (an old page): nothing asked, nothing saved, a message
    r = geocode_form(en)
    assert r.status_code == 200 and fiches() == 0 and not seen
    assert "Address search is not set up on this wiki." in field_block(r.get_data(as_text=True), "lieu")


@pytest.mark.parametrize("geocoding", [BAN_ON])
def test_the_form_carries_the_map_picker_and_its_settings(en, geocoding):
    html = get(en, "/fiches/lieux/new")
    block = field_block(html, "lieu")
    assert 'class="geo-picker"' in block and 'data-lat="f-lieu.lat"' in block and 'data-lon="f-lieu.lon"' in block
    assert 'data-address="f-lieu.adresse"' in block and 'data-geocode="/api/geocode"' in block
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in block
    assert 'data-centre="46.6,2.4"' in block and 'data-zoom="6"' in block
    assert 'data-js="/vendor/leaflet/dist/leaflet.js' in block      # npm ci was run for the tests
    assert '<script src="/static/map.js" defer></script>' in html and "/static/map.css" in html
    assert '<script src="/static/editor.js" defer></script>' in html and 'id="fiche-form"' in html
    assert ('<button type="submit" class="geocode-button" name="geocode" value="lieu" formnovalidate>'
            "Find the position from the address</button>") in block
    # Enter in a field still saves: the first submit button of the form is a (hidden) Save
    first = html.index("<button", html.index('id="fiche-form"'))
    assert html[first:].startswith('<button type="submit" class="visually-hidden"')
    assert not form_state(html).get("geocode")


def test_the_picker_opens_on_the_territory(add, en):
    add("lieux", titre="A", categorie="Tiers-lieu", lieu={"adresse": "Redon", "lat": "47.6", "lon": "-2.1"})
    add("lieux", titre="B", categorie="Tiers-lieu", lieu={"adresse": "Allaire", "lat": "47.7", "lon": "-2.0"})
    block = field_block(get(en, "/fiches/agenda/new"), "lieu")
    assert 'data-bounds="47.600000,-2.100000,47.700000,-2.000000"' in block
    assert "data-geocode" not in block and "geocode-button" not in block


def test_a_form_without_a_geo_field_has_no_map_script(app, en):
    (app.extensions["bocage.instance"].path / "forms").mkdir()
    html = get(en, "/wiki/accueil/edit")          # the page editor: no geo field, no map
    assert "map.js" not in html and "geo-picker" not in html


# -- the form without JavaScript ---------------------------------------------------------------
@pytest.mark.parametrize("geocoding, label, lat, lon", [
    (BAN_ON, "Place du Parlement 35600 Redon", "47.651917", "-2.084713"),
    (NOMINATIM_ON, "Redon, Ille-et-Vilaine, Bretagne, France", "47.651917", "-2.084713")])
def test_the_button_fills_the_position_and_saves_nothing(en, seen, values_of, geocoding, label, lat, lon):
    r = geocode_form(en)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and fiches() == 0
    state = form_state(html)
    assert state["f-lieu.lat"] == [lat] and state["f-lieu.lon"] == [lon]
    for name, value in PLACE.items():
        if name not in ("f-lieu.lat", "f-lieu.lon"):
            assert state[name] == [value], name
    note = f"Position found: “{label}”. Check the latitude and longitude, then save."
    assert f'role="status">{note}</p>' in field_block(html, "lieu")
    assert 'data-typed="1"' in html          # editor.js: the draft is what is shown
    [request] = seen
    assert request["query"]["q"] == ["place du parlement redon"] and request["query"]["limit"] == ["5"]
    if geocoding["provider"] == "nominatim":
        assert request["query"]["format"] == ["jsonv2"]
    assert request["agent"].startswith("Bocage/") and "Territoire de test; +https://wiki.test/" in request["agent"]
    # what the browser sends back then saves the fiche with its position
    data = {k: v[0] if len(v) == 1 else v for k, v in state.items() if v and k != "geocode"}
    r = en.post("/fiches/lieux/new", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert values_of("le-grain")["lieu"] == {"adresse": "place du parlement redon",
                                             "lat": float(lat), "lon": float(lon)}


@pytest.mark.parametrize("geocoding", [BAN_ON])
def test_the_button_on_the_edit_form_saves_nothing(add, en, seen, values_of, geocoding):
    name = add("lieux", titre="Le Grain", categorie="Tiers-lieu", lieu={"adresse": "Redon"})
    before = Page.get(Page.name == name).revision
    html = get(en, f"/wiki/{name}/edit")
    data = {k: v[0] for k, v in form_state(html).items() if len(v) == 1}
    data["f-lieu.adresse"] = "Place du Parlement, Redon"
    r = en.post(f"/wiki/{name}/edit", data={**data, "geocode": "lieu"})
    assert r.status_code == 200
    state = form_state(r.get_data(as_text=True))
    assert state["f-lieu.adresse"] == ["Place du Parlement, Redon"] and state["f-lieu.lat"] == ["47.651917"]
    assert state["base_revision"] == [str(before)]
    assert Page.get(Page.name == name).revision == before and values_of(name)["lieu"] == {"adresse": "Redon"}


@pytest.mark.parametrize("geocoding", [on("ban", "/ban-empty/"), on("nominatim", "/nominatim-empty")])
def test_no_result(en, seen, geocoding):
    r = geocode_form(en, **{"f-lieu.lat": "47,1", "f-lieu.lon": "-2"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and fiches() == 0 and len(seen) == 1
    block = field_block(html, "lieu")
    assert ('role="alert">No position found for this address. Check it, or type the latitude and '
            "longitude.</p>") in block
    state = form_state(html)
    assert state["f-lieu.lat"] == ["47,1"] and state["f-lieu.lon"] == ["-2"]     # left as typed
    assert state["f-lieu.adresse"] == [PLACE["f-lieu.adresse"]] and state["f-titre"] == ["Le Grain"]


UNREACHABLE = "The address search service cannot be reached just now."
UNREADABLE = "The address search service gave an answer that cannot be read."


@pytest.mark.parametrize("geocoding, message", [
    (on("ban", f"http://127.0.0.1:{closed_port()}/search/"), UNREACHABLE),     # down
    (on("ban", "/slow/", timeout=0.5), UNREACHABLE),                            # too slow
    (on("ban", "/error/"), UNREACHABLE),                                        # HTTP 500
    (on("ban", "/garbage/"), UNREADABLE),
    (on("ban", "/wrong-shape/"), UNREADABLE),
    (on("nominatim", "/ban/search/"), UNREADABLE),                              # not its format
    (on("ban", "/nominatim/search"), UNREADABLE),
    (on("nominatim", "/big/"), UNREACHABLE),                                    # more than the cap
    ({"provider": "ban", "url": "/ban/search/"}, UNREACHABLE),                  # loopback refused
])
def test_provider_failures_give_a_message_and_keep_the_input(en, seen, geocoding, message):
    started = time.monotonic()
    r = geocode_form(en)
    assert time.monotonic() - started < 5
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and fiches() == 0
    assert message in field_block(html, "lieu") and 'class="geocode-note geocode-error"' in html
    state = form_state(html)
    assert state["f-lieu.lat"] == [""] and state["f-titre"] == ["Le Grain"]
    assert state["f-lieu.adresse"] == [PLACE["f-lieu.adresse"]] and state["author"] == ["Anouk"]
    api = en.get("/api/geocode?q=place+du+parlement")
    assert api.status_code == 502 and message in api.get_json()["error"]
    if "allow_private_addresses" not in geocoding:
        assert not seen          # refused before any connection


# -- the JSON endpoint -------------------------------------------------------------------------
@pytest.mark.parametrize("geocoding, expected", [
    (BAN_ON, [{"label": "Place du Parlement 35600 Redon", "lat": 47.651917, "lon": -2.084713},
              {"label": "Rue du Port 44460 Saint-Nicolas-de-Redon", "lat": 47.6433, "lon": -2.0639}]),
    (NOMINATIM_ON, [{"label": "Redon, Ille-et-Vilaine, Bretagne, France", "lat": 47.651917, "lon": -2.084713},
                    {"label": "Redon, Morbihan, France", "lat": 47.7, "lon": -2.1}])])
def test_the_endpoint(en, seen, geocoding, expected):
    r = en.get("/api/geocode", query_string={"q": "  place du   Parlement "})
    assert r.status_code == 200 and r.is_json
    assert r.get_json() == {"query": "place du Parlement", "results": expected}
    again = en.get("/api/geocode", query_string={"q": "Place du parlement"})     # from the cache
    assert again.get_json()["results"] == expected and len(seen) == 1


@pytest.mark.parametrize("geocoding", [BAN_ON])
@pytest.mark.parametrize("q, message", [
    ("x" * 201, "This address is too long (at most 200 characters)."),
    ("   ", "Type an address first."), (None, "Type an address first.")])
def test_the_endpoint_refuses_bad_queries(en, seen, geocoding, q, message):
    r = en.get("/api/geocode", query_string={"q": q} if q is not None else {})
    assert r.status_code == 400 and r.get_json() == {"error": message} and not seen


@pytest.mark.parametrize("geocoding", [BAN_ON])
def test_the_endpoint_has_a_rate_limit(en, seen, geocoding):
    for i in range(30):
        assert en.get("/api/geocode?q=Redon").status_code == 200, i
    r = en.get("/api/geocode?q=Redon")
    assert r.status_code == 429 and "Too many requests" in r.get_json()["error"]
    assert len(seen) == 1


@pytest.mark.parametrize("geocoding", [BAN_ON])
def test_the_endpoint_in_french(client, geocoding):
    r = client.get("/api/geocode?q=" + "x" * 300)
    assert r.get_json() == {"error": "Cette adresse est trop longue (200\u00a0caractères au plus)."}


# -- settings ----------------------------------------------------------------------------------
@pytest.mark.parametrize("section, message", [
    ('provider = "google"', "provider must be"),
    ('provider = "ban"\nurl = "ftp://x"', "url must be"),
    ('provider = "ban"\nallow_private_addresses = "yes"', "allow_private_addresses"),
    ('provider = "ban"\ntimeout = 0', "timeout"),
])
def test_bad_settings_are_refused(tmp_path, section, message):
    path = territory(tmp_path)
    with open(path / "instance.toml", "a", encoding="utf-8") as f:
        f.write(f"\n[geocoding]\n{section}\n")
    with pytest.raises(InstanceError, match=message):
        load_instance(path)


def test_settings_are_read(tmp_path):
    path = territory(tmp_path)
    with open(path / "instance.toml", "a", encoding="utf-8") as f:
        f.write('\n[geocoding]\nprovider = "nominatim"\nurl = "https://geo.example.org/search"\ntimeout = 2\n')
    instance = load_instance(path)
    assert (instance.geocoding_provider, instance.geocoding_url, instance.geocoding_allow_private,
            instance.geocoding_timeout) == ("nominatim", "https://geo.example.org/search", False, 2.0)


# -- wiki/outbound.py --------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://127.0.0.1:1/", "http://localhost/", "http://10.1.2.3/",
                                 "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
                                 "http://100.64.0.1/", "http://224.0.0.1/"])
def test_outbound_refuses_local_addresses(url):
    with pytest.raises(outbound.OutboundError) as exc:
        outbound.fetch(url, user_agent="test")
    assert exc.value.reason == "refused"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/", "gopher://x/", "http:///x"])
def test_outbound_only_speaks_http(url):
    with pytest.raises(outbound.OutboundError) as exc:
        outbound.fetch(url, user_agent="test")
    assert exc.value.reason == "invalid"


def test_outbound_public_addresses():
    assert outbound.public_address("93.184.215.14") and outbound.public_address("2606:4700::1111")
    assert not outbound.public_address("::ffff:10.0.0.1") and not outbound.public_address("fe80::1")


def test_outbound_caps_the_size_and_follows_redirections_checked(server, seen):
    with pytest.raises(outbound.OutboundError) as exc:
        outbound.fetch(server + "/big/", user_agent="test", allow_private=True, max_bytes=100_000)
    assert exc.value.reason == "too_large"
    r = outbound.fetch(server + "/ban/search/?q=x", user_agent="Bocage/test", allow_private=True)
    assert r.status == 200 and json.loads(r.body) == BAN and seen[-1]["agent"] == "Bocage/test"


def test_outbound_redirections_are_checked_again(server, seen):
    try:
        ANSWERS["/moved/"] = lambda h: (302, "text/plain", b"", ("Location", server + "/ban/search/"))
        r = outbound.fetch(server + "/moved/", user_agent="t", allow_private=True)
        assert r.status == 200 and json.loads(r.body) == BAN and [s["path"] for s in seen] == ["/moved/", "/ban/search/"]
        ANSWERS["/moved/"] = lambda h: (302, "text/plain", b"", ("Location", "file:///etc/passwd"))
        with pytest.raises(outbound.OutboundError) as exc:
            outbound.fetch(server + "/moved/", user_agent="t", allow_private=True)
        assert exc.value.reason == "invalid"
        with pytest.raises(outbound.OutboundError) as exc:
            outbound.fetch(server + "/moved/", user_agent="t", allow_private=True, max_redirects=0)
        assert exc.value.reason == "status"
    finally:
        ANSWERS["/moved/"] = lambda h: (302, "text/plain", b"")


# -- in a real browser (headless Chromium, when installed) -------------------------------------
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.fixture
def served(app):
    """The test app on a real port, for the browser."""
    from werkzeug.serving import make_server
    httpd = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def browser_dom(url, tmp_path) -> str:
    """The page's DOM once its scripts have run."""
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'chromium'}", "--virtual-time-budget=8000",
                          "--dump-dom", url], capture_output=True, text=True, timeout=90)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (apt-get install chromium)")
@pytest.mark.parametrize("geocoding", [{**BAN_ON}])
def test_in_a_browser_the_geo_field_gets_its_map_and_search_button(add, served, tmp_path, geocoding):
    name = add("lieux", titre="Le Grain", categorie="Tiers-lieu",
               lieu={"adresse": "Redon", "lat": "47.65", "lon": "-2.08"})
    dom = browser_dom(f"{served}/wiki/{name}/edit?lang=fr", tmp_path)
    block = dom[dom.index('class="geo-picker'):]
    assert "map-ready" in block[:40] and "leaflet-container" in block      # Leaflet drew the map
    assert "leaflet-marker-icon" in block                                 # at the typed position
    assert re.search(r'<button type="button" class="geo-search">Chercher</button>', dom)
    assert re.search(r'<button type="submit" class="geocode-button" name="geocode" value="lieu" '
                     r'formnovalidate="" hidden="">', dom)                # the no-JS one is hidden
    new = browser_dom(f"{served}/fiches/lieux/new?lang=fr", tmp_path)
    assert "leaflet-container" in new and "leaflet-marker-icon" not in new   # nothing typed: no marker


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe):
    fd 3 takes commands, fd 4 gives answers, each a JSON message ended by a NUL byte."""

    def __init__(self, tmp_path):
        to_chrome, self._send = os.pipe()
        self._receive, from_chrome = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
             "os.execv(sys.argv[3], sys.argv[3:])", str(to_chrome), str(from_chrome), CHROMIUM, "--headless",
             "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe",
             "--window-size=1000,2000", f"--user-data-dir={tmp_path / 'chromium-cdp'}", "about:blank"],
            pass_fds=(to_chrome, from_chrome), stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / "chromium.log", "wb"))
        os.close(to_chrome)
        os.close(from_chrome)
        self._ids, self._buffer, self.session = 0, b"", None
        page = next(t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]

    def call(self, method, **params):
        self._ids += 1
        message = {"id": self._ids, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._receive, 1 << 16)
                assert chunk, "Chromium closed the pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._ids:
                assert "error" not in answer, answer
                return answer["result"]

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def wait(self, expression, seconds=10):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"never true: {expression}")

    def open(self, url):
        self.call("Page.navigate", url=url)
        time.sleep(0.2)
        self.wait("document.readyState === 'complete' && !!document.body")

    def click_at(self, x, y):
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def close(self):
        self.proc.kill()
        self.proc.wait()
        os.close(self._send)
        os.close(self._receive)


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path)
    yield b
    b.close()


TYPE = """(function (id, value) { var el = document.getElementById(id); el.value = value;
  el.dispatchEvent(new Event('input', {bubbles: true})); return true; })"""


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (apt-get install chromium)")
@pytest.mark.parametrize("geocoding", [{**BAN_ON}])
def test_in_a_browser_map_search_and_draft(served, browser, seen, values_of, geocoding):
    page = f"{served}/fiches/lieux/new?lang=fr"
    browser.open(page)
    browser.wait("document.querySelector('.geo-picker .leaflet-container') !== null")
    # a click on the map places the point: latitude and longitude, 6 decimals at most
    browser.js("document.querySelector('.geo-picker-canvas').scrollIntoView()")
    box = browser.js("(function () { var r = document.querySelector('.geo-picker-canvas')"
                     ".getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    browser.click_at(*box)
    lat = browser.wait("document.getElementById('f-lieu.lat').value")
    lon = browser.js("document.getElementById('f-lieu.lon').value")
    assert abs(float(lat) - 46.6) < 1 and abs(float(lon) - 2.4) < 1            # France's centre
    assert len(lat.partition(".")[2]) <= 6 and len(lon.partition(".")[2]) <= 6
    assert browser.js("document.querySelectorAll('.geo-picker .leaflet-marker-icon').length") == 1
    # "Chercher" asks /api/geocode and offers the candidates; choosing one fills the position
    browser.js(f"{TYPE}('f-lieu.adresse', 'place du parlement redon')")
    browser.js("document.querySelector('.geo-search').click()")
    browser.wait("document.querySelectorAll('.geo-candidates button').length === 2")
    assert browser.js("document.querySelector('.geo-candidates button').textContent") == BAN["features"][0]["properties"]["label"]
    browser.js("document.querySelector('.geo-candidates button').click()")
    assert browser.js("[document.getElementById('f-lieu.lat').value, document.getElementById('f-lieu.lon').value]") == ["47.651917", "-2.084713"]
    assert [r["query"]["q"] for r in seen] == [["place du parlement redon"]]
    # the draft: typed values come back after the page is left, until they are saved
    browser.js(f"{TYPE}('f-titre', 'Le Grain')")
    browser.js("document.getElementById('f-categorie').value = 'Tiers-lieu'; "
               "document.getElementById('f-categorie').dispatchEvent(new Event('change', {bubbles: true}))")
    time.sleep(0.6)
    browser.open(page)
    browser.wait("document.querySelector('.draft-notice') !== null")
    assert browser.js("document.getElementById('f-titre').value") == ""
    browser.js("document.querySelector('.draft-notice button').click()")
    assert browser.js("[document.getElementById('f-titre').value, document.getElementById('f-categorie').value,"
                      " document.getElementById('f-lieu.lat').value]") == ["Le Grain", "Tiers-lieu", "47.651917"]
    assert browser.js("document.querySelector('.draft-notice')") is None
    browser.wait("document.querySelectorAll('.geo-picker .leaflet-marker-icon').length === 1")
    browser.js("document.getElementById('fiche-form').requestSubmit()")
    browser.wait("location.pathname === '/wiki/le-grain' && document.readyState === 'complete'")
    assert values_of("le-grain")["lieu"] == {"adresse": "place du parlement redon", "lat": 47.651917, "lon": -2.084713}
    assert browser.js("localStorage.getItem('bocage-draft:/fiches/lieux/new')") is None
    browser.open(page)
    time.sleep(0.3)
    assert browser.js("document.querySelector('.draft-notice')") is None


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (apt-get install chromium)")
def test_in_a_browser_the_page_editor_keeps_its_draft_and_toolbar(served, browser):
    page = f"{served}/wiki/accueil/edit?lang=fr"
    browser.open(page)
    assert browser.js("document.querySelectorAll('.editor-toolbar button').length") == 6
    assert browser.js("document.querySelector('.geo-picker')") is None
    browser.js(f"{TYPE}('source', '# Accueil\\n\\nMon brouillon')")
    time.sleep(0.6)
    browser.open(page)
    browser.wait("document.querySelector('.draft-notice') !== null")
    assert "de cette page" in browser.js("document.querySelector('.draft-notice').textContent")
    browser.js("document.querySelector('.draft-notice button').click()")
    assert browser.js("document.getElementById('source').value") == "# Accueil\n\nMon brouillon"
