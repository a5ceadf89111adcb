"""The map view: GeoJSON, the map pages (/fiches/<form>/carte, /carte), {{carte}} in a page, /vendor/.

What is checked is what a browser gets: the HTML that works without JavaScript (legend, list),
the data-* attributes map.js reads, the GeoJSON it loads, the library files it asks for. An
English browser (the `lang` cookie) so that texts can be compared.
"""
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests_helpers import make_page
from wiki.instance import InstanceError, init_instance, load_instance
from wiki.views import maps as map_views
from wiki.views import vendor

HOSTILE = 'Le "Grain\' <script>alert(1)</script> & <b>co</b>'
HOSTILE_CATEGORY = 'Bar "<i>x</i>" & co'
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"


@pytest.fixture
def instance_dir(tmp_path):
    path = tmp_path / "territoire"
    init_instance(path, "Territoire de test", "wiki.test")
    (path / "lists.toml").write_text(
        '[communes]\nvalues = ["Redon", "Allaire", "Peillac"]\n\n'
        "[categories-lieux]\nvalues = [\"Tiers-lieu\", \"Service public\", \"France services\", \"Santé\", "
        f"\"Covoiturage et mobilité\", \"Commerce\", {json.dumps(HOSTILE_CATEGORY)}]\n", encoding="utf-8")
    (path / "forms").mkdir()
    (path / "forms" / "notes.toml").write_text(      # a form without a place: no map
        'id = "notes"\ntitle = "titre"\n[[fields]]\nid = "titre"\ntype = "text"\nlabel = "Titre"\n',
        encoding="utf-8")
    return path


@pytest.fixture
def en(client):
    client.set_cookie("lang", "en")
    return client




def place(add, title, category, commune, lat=None, lon=None, address="1 place de l'Église"):
    where = {"adresse": address}
    if lat is not None:
        where |= {"lat": str(lat), "lon": str(lon)}
    return add("lieux", titre=title, categorie=category, commune=commune, lieu=where)


@pytest.fixture
def places(add):
    return {
        "grain": place(add, "Le Grain", "Tiers-lieu", "Redon", 47.6519, -2.0847, "5 rue du Port"),
        "mairie": place(add, "Mairie d'Allaire", "Service public", "Allaire", 47.6370, -2.1620),
        "commerce": place(add, "Épicerie Peillac", "Commerce", "Peillac", 47.7130, -2.2180),
        "cabinet": place(add, "Cabinet médical", "Santé", "Redon"),           # no position
    }


def get(client, path, status=200):
    r = client.get(path)
    assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[:800])
    return r.get_data(as_text=True)


def geojson(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert r.mimetype == "application/geo+json"
    return r.get_json(force=True)


class Tags(HTMLParser):
    """Every start tag of a page with its attributes (parsed as a browser would)."""

    def __init__(self):
        super().__init__()
        self.tags, self._in_script, self.script_text = [], False, ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text += data


def tags(html):
    parser = Tags()
    parser.feed(html)
    return parser


def the(html, cls):
    """The attributes of the one element with class `cls`."""
    found = [a for t, a in tags(html).tags if cls in (a.get("class") or "").split()]
    assert len(found) == 1, (cls, found)
    return found[0]


def layers(html):
    return [a for t, a in tags(html).tags if "map-layer" in (a.get("class") or "").split()]


def legend(html):
    """(value, colour index, count) of the legend items that carry a value."""
    return re.findall(r'<li data-value="([^"]*)" data-colour="(\d+)">.*?\((\d+)\)</span></li>', html, re.S)


def listed(html):
    return re.findall(r'<tr><td><a href="/wiki/([a-z0-9-]+)">', html)


# -- GeoJSON -----------------------------------------------------------------------------------
def test_geojson_has_the_places_with_a_position_and_their_category(places, en):
    data = geojson(en, "/api/forms/lieux/entries.geojson")
    assert data["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in data["features"]}
    assert sorted(by_name) == sorted([places["grain"], places["mairie"], places["commerce"]])
    grain = by_name[places["grain"]]
    assert grain["geometry"] == {"type": "Point", "coordinates": [-2.0847, 47.6519]}   # lon, lat
    assert grain["properties"] == {"name": places["grain"], "title": "Le Grain",
                                   "url": f"/wiki/{places['grain']}", "categorie": "Tiers-lieu"}


def test_geojson_bbox_and_facet_filters(places, en):
    around_redon = "-2.10,47.64,-2.05,47.66"
    data = geojson(en, f"/api/forms/lieux/entries.geojson?bbox={around_redon}")
    assert [f["properties"]["name"] for f in data["features"]] == [places["grain"]]
    everything = geojson(en, "/api/forms/lieux/entries.geojson?bbox=-3,47,-1,48")
    assert len(everything["features"]) == 3
    allaire = geojson(en, "/api/forms/lieux/entries.geojson?commune=Allaire&bbox=-3,47,-1,48")
    assert [f["properties"]["name"] for f in allaire["features"]] == [places["mairie"]]
    assert en.get("/api/forms/lieux/entries.geojson?bbox=1,2,3").status_code == 400
    assert en.get("/api/forms/lieux/entries.geojson?bbox=10,47,-10,48").status_code == 400   # west > east


def test_geojson_of_a_form_without_colour_field_has_no_colour_property(add, en):
    add("initiatives", titre="Vélo-école", lieu={"adresse": "Redon", "lat": "47.65", "lon": "-2.08"})
    data = geojson(en, "/api/forms/initiatives/entries.geojson")
    assert set(data["features"][0]["properties"]) == {"name", "title", "url"}


# -- a form's map page ---------------------------------------------------------------------------
def test_map_page_data_attributes_for_map_js(app, places, en):
    html = get(en, "/fiches/lieux/carte")
    block = the(html, "fiches-map")
    assert block["data-tiles"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert block["data-attribution"] == "© OpenStreetMap contributors"
    assert block["data-attribution-url"] == "https://www.openstreetmap.org/copyright"
    south, west, north, east = map(float, block["data-bounds"].split(","))   # the fiches' bounding box
    assert (south, west, north, east) == (47.637, -2.218, 47.713, -2.0847)
    assert block["data-centre"] == "46.6,2.4" and block["data-zoom"] == "6"
    [layer] = layers(html)
    assert layer["data-geojson"] == "/api/forms/lieux/entries.geojson"
    assert layer["data-colour-field"] == "categorie" and layer["data-name"] == "Places"
    with app.app_context():
        npm_done = vendor.available()
    if npm_done:
        assert block["data-js"].split() == ["/vendor/leaflet/dist/leaflet.js?v=1.9.4",
                                            "/vendor/leaflet.markercluster/dist/leaflet.markercluster.js?v=1.5.3"]
        assert len(block["data-css"].split()) == 3
    scripts = [a for t, a in tags(html).tags if t == "script"]
    assert {"src": "/static/map.js", "defer": None} in scripts
    assert '<link rel="stylesheet" href="/static/map.css">' in html


def test_map_page_has_no_inline_script_and_no_inline_style(places, en):
    r = en.get("/fiches/lieux/carte")
    html = r.get_data(as_text=True)
    page = tags(html)
    for tag, attrs in page.tags:
        assert tag != "script" or attrs.get("src") or attrs.get("type") == "application/ld+json", attrs
        assert "style" not in attrs and not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert tag != "style"
    assert page.script_text.strip() == ""
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    img = next(part for part in csp.split(";") if part.strip().startswith("img-src"))
    assert "https:" in img.split()           # the tile server


def test_legend_colours_follow_the_list_order(places, en):
    html = get(en, "/fiches/lieux/carte")
    # categories-lieux: Tiers-lieu 0, Service public 1, France services 2, Santé 3, ..., Commerce 5;
    # Santé has no place with a position: not in the legend (the map shows nothing of that colour)
    assert legend(html) == [("Tiers-lieu", "0", "1"), ("Service public", "1", "1"), ("Commerce", "5", "1")]
    assert 'class="map-swatch map-shape-2 map-colour-5"' in html
    assert '<a href="/fiches/lieux/carte?categorie=Commerce">Commerce</a>' in html   # a filter, no JS


def test_colour_is_stable_whatever_the_filter(places, en):
    html = get(en, "/fiches/lieux/carte?commune=Peillac")
    assert legend(html) == [("Commerce", "5", "1")]


def test_without_javascript_the_list_of_places(places, en):
    html = get(en, "/fiches/lieux/carte")
    assert sorted(listed(html)) == sorted(places.values())       # the one without position too
    assert "4 fiches, 3 of them on the map" in html
    row = re.search(r'<tr><td><a href="/wiki/%s">Le Grain</a></td>(.*?)</tr>' % places["grain"], html, re.S)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]
    assert cells == ["Tiers-lieu", "5 rue du Port", "Redon"]    # category, address, commune
    headers = re.findall(r'<th scope="col">([^<]+)</th>', html)
    assert headers == ["Name of the place", "Category", "Address and position", "Commune"]
    cabinet = re.search(r'<a href="/wiki/%s">Cabinet médical</a>([^<]*<small[^>]*>[^<]*)' % places["cabinet"], html)
    assert "not on the map" in cabinet.group(1)


def test_list_is_paginated(places, en, monkeypatch):
    monkeypatch.setattr(map_views, "PER_PAGE", 3)
    first = get(en, "/fiches/lieux/carte?commune=Redon&commune=Allaire&commune=Peillac")
    assert len(listed(first)) == 3 and "Page 1 of 2" in first
    link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "commune=Redon" in link and "page=2" in link
    second = get(en, link)
    assert len(listed(second)) == 1 and "Page 2 of 2" in second
    assert sorted(listed(first) + listed(second)) == sorted(places.values())
    assert "page=" not in layers(second)[0]["data-geojson"]      # the map has every page's fiches


def test_query_string_filters_reach_the_geojson_and_the_list(places, en):
    html = get(en, "/fiches/lieux/carte?commune=Redon&q=grain&layout=table")
    [layer] = layers(html)
    assert layer["data-geojson"] == "/api/forms/lieux/entries.geojson?commune=Redon&q=grain"
    assert listed(html) == [places["grain"]]
    assert "Commune: Redon" in html and "Words: grain" in html
    assert '<a href="/fiches/lieux/carte">Clear the filters</a>' in html
    assert '<a href="/fiches/lieux?commune=Redon&amp;q=grain">' in html       # to the list page
    data = geojson(en, layer["data-geojson"])
    assert [f["properties"]["name"] for f in data["features"]] == [places["grain"]]
    bounds = the(html, "fiches-map")["data-bounds"]
    assert bounds == "47.651900,-2.084700,47.651900,-2.084700"


def test_empty_map_opens_on_the_configured_centre(en):
    html = get(en, "/fiches/lieux/carte")
    block = the(html, "fiches-map")
    assert "data-bounds" not in block and block["data-centre"] == "46.6,2.4"
    assert "No fiche with a position yet." in html and "No fiche yet." in html


def test_map_settings_from_instance_toml(instance_dir, tmp_path):
    settings = instance_dir / "instance.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + (
        '\n[map]\ntiles = "https://tuiles.example.org/{z}/{x}/{y}.png"\nattribution = "© IGN"\n'
        'attribution_url = ""\ncentre = [47.65, -2.08]\nzoom = 10\n'), encoding="utf-8")
    loaded = load_instance(instance_dir)
    assert (loaded.map_tiles, loaded.map_attribution, loaded.map_attribution_url) == (
        "https://tuiles.example.org/{z}/{x}/{y}.png", "© IGN", "")
    assert loaded.map_centre == (47.65, -2.08) and loaded.map_zoom == 10 and loaded.map_max_zoom == 19
    for bad in ('tiles = "https://example.org/tile.png"', "centre = [147, 2]", "zoom = 40",
                'attribution_url = "javascript:alert(1)"'):
        other = tmp_path / bad[:4]
        init_instance(other, "Autre", "wiki.test")
        (other / "instance.toml").write_text((other / "instance.toml").read_text(encoding="utf-8")
                                             + f"\n[map]\n{bad}\n", encoding="utf-8")
        with pytest.raises(InstanceError, match=r"\[map\]"):
            load_instance(other)


def test_map_page_uses_the_instance_tiles(instance_dir, monkeypatch, en, app):
    instance = app.extensions["bocage.instance"]
    monkeypatch.setattr(instance, "map_tiles", "https://tuiles.example.org/{z}/{x}/{y}.png")
    monkeypatch.setattr(instance, "map_attribution", "© IGN & co")
    html = get(en, "/fiches/lieux/carte")
    block = the(html, "fiches-map")
    assert block["data-tiles"] == "https://tuiles.example.org/{z}/{x}/{y}.png"
    assert block["data-attribution"] == "© IGN & co" and 'data-attribution="© IGN &amp; co"' in html


def test_unknown_form_or_form_without_places_is_404(en):
    assert en.get("/fiches/nope/carte").status_code == 404
    assert en.get("/fiches/notes/carte").status_code == 404
    assert "This address does not lead to anything here." in get(en, "/fiches/nope/carte", 404)


def test_links_to_the_maps(places, en):
    assert '<a href="/fiches/lieux/carte?commune=Redon">' in get(en, "/fiches/lieux?commune=Redon")
    assert '<a href="/carte">' in get(en, "/fiches")


# -- the map of every form -------------------------------------------------------------------------
def test_all_forms_map_has_one_layer_per_form_with_fiches(places, add, en):
    add("initiatives", titre="Vélo-école", themes=["Mobilité"], commune="Redon",
        lieu={"adresse": "Redon", "lat": "47.66", "lon": "-2.09"})
    add("notes", titre="Une note")
    html = get(en, "/carte")
    found = {a["data-name"]: a for a in layers(html)}
    assert sorted(found) == ["Initiatives", "Places"]            # no event yet; notes have no place
    assert found["Initiatives"]["data-shape"] != found["Places"]["data-shape"]
    assert "data-colour-field" not in found["Initiatives"]
    assert set(listed(html)) == set(places.values()) | {"velo-ecole"}
    assert "map-layer-title" in html                               # a legend heading per form


def test_all_forms_map_filters_and_forms_that_cannot_take_them(places, add, en):
    add("initiatives", titre="Vélo-école", themes=["Mobilité"], commune="Redon",
        lieu={"adresse": "Redon", "lat": "47.66", "lon": "-2.09"})
    add("initiatives", titre="Jardin", themes=["Alimentation"], commune="Redon",
        lieu={"adresse": "Redon", "lat": "47.67", "lon": "-2.10"})
    html = get(en, "/carte?themes=Mobilit%C3%A9")
    assert [a["data-geojson"] for a in layers(html)] == [
        "/api/forms/initiatives/entries.geojson?themes=Mobilit%C3%A9"]
    assert listed(html) == ["velo-ecole"]
    assert "Not shown here, because they cannot be filtered this way: Places." in html
    both = get(en, "/carte?commune=Redon")
    assert sorted(a["data-name"] for a in layers(both)) == ["Initiatives", "Places"]


# -- {{carte}} in a page ------------------------------------------------------------------------------
def test_carte_action_in_a_page(places, add, en):
    make_page(en, "nos-tiers-lieux", '# Nos tiers-lieux\n\n{{carte form="lieux" categorie="tiers-lieu"}}\n')
    html = get(en, "/wiki/nos-tiers-lieux")
    [layer] = layers(html)
    assert layer["data-geojson"] == "/api/forms/lieux/entries.geojson?categorie=Tiers-lieu"
    assert listed(html) == [places["grain"]]
    assert the(html, "fiches-map")["data-embedded"] == "1"
    assert '<script src="/static/map.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/map.css">' in html
    # the page is cached as a whole; a new fiche is a content event that refreshes it
    other = place(add, "La Fabrique", "Tiers-lieu", "Allaire", 47.64, -2.15)
    assert sorted(listed(get(en, "/wiki/nos-tiers-lieux"))) == sorted([places["grain"], other])


def test_map_alias_several_forms_and_filters(places, add, en):
    add("initiatives", titre="Vélo-école", themes=["Mobilité"], commune="Redon",
        lieu={"adresse": "Redon", "lat": "47.66", "lon": "-2.09"})
    make_page(en, "redon", '# Redon\n\n{{map commune="Redon" nb="1"}}\n\n'     # the words of {{liste}}
                           '{{carte formulaire="initiatives" thème="Mobilité, alimentation"}}\n')
    html = get(en, "/wiki/redon")
    urls = [a["data-geojson"] for a in layers(html)]
    assert "/api/forms/lieux/entries.geojson?commune=Redon" in urls
    assert "/api/forms/initiatives/entries.geojson?commune=Redon" in urls
    assert "/api/forms/initiatives/entries.geojson?themes=Mobilit%C3%A9&themes=Alimentation" in urls
    assert "See all 2 fiches on their own map" in html           # nb="1", 2 places in Redon
    assert html.count('src="/static/map.js"') == 2               # map.js runs once (it checks)


@pytest.mark.parametrize("action, message", [
    ('{{carte form="nope"}}', "there is no form “nope” with places for a map"),
    ('{{carte form="notes"}}', "there is no form “notes” with places for a map"),
    ('{{carte form="lieux" theme="Mobilité"}}', "unknown parameter “theme”"),
    ('{{carte form="lieux" categorie="Boulangerie"}}', "“Boulangerie” is not one of the choices of “categorie”"),
    ('{{carte form="lieux,initiatives" categorie="Santé"}}', "the form “initiatives” has no field “categorie”"),
    ('{{carte form="lieux" limit="beaucoup"}}', "“limit” must be a whole number"),
])
def test_carte_action_mistakes_are_said_in_place(en, action, message):
    make_page(en, "essai", f"# Essai\n\n{action}\n")
    html = get(en, "/wiki/essai")
    error = re.search(r'<p class="action-error">(.*?)</p>', html).group(1)
    assert message in error.replace("&#34;", '"')
    assert "fiches-map" not in html


# -- hostile values -----------------------------------------------------------------------------------
def test_hostile_titles_values_and_query_strings_stay_text(add, en):
    name = place(add, HOSTILE, HOSTILE_CATEGORY, "Redon", 47.65, -2.08)
    hostile_q = '"><script>alert(2)</script>'
    make_page(en, "piege", f'# Piège\n\n{{{{carte form="lieux" categorie=\'{HOSTILE_CATEGORY}\'}}}}\n')
    for path in ("/fiches/lieux/carte", "/carte", "/wiki/piege",
                 "/fiches/lieux/carte?q=" + hostile_q.replace("&", "%26")):
        html = get(en, path)
        assert "<script>alert" not in html and "<b>co</b>" not in html and "<i>x</i>" not in html, path
        page = tags(html)
        assert not [t for t, a in page.tags if t in ("b", "i", "style")], path
        assert all(t != "script" or a.get("src") for t, a in page.tags), path
        assert all(not any(k.startswith("on") for k in a) for t, a in page.tags), path
        values = [a["data-value"] for t, a in page.tags if "data-value" in a]
        assert HOSTILE_CATEGORY in values or "?q=" in path, path     # survives as text, exactly
    html = get(en, "/fiches/lieux/carte?q=" + hostile_q)
    assert layers(html)[0]["data-geojson"].startswith("/api/forms/lieux/entries.geojson?q=%22%3E%3Cscript")
    assert "Words: &#34;&gt;&lt;script&gt;" in html
    data = geojson(en, "/api/forms/lieux/entries.geojson")
    assert data["features"][0]["properties"]["title"] == HOSTILE        # JSON: text, map.js uses textContent
    assert name in get(en, "/fiches/lieux/carte")


def test_map_js_never_parses_data_as_html():
    source = (Path(__file__).resolve().parent.parent / "themes/default/static/map.js").read_text("utf-8")
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "eval(" not in source
    assert "textContent" in source


# -- /vendor/ -----------------------------------------------------------------------------------------
needs_npm = pytest.mark.skipif(not (NODE_MODULES / "leaflet" / "dist" / "leaflet.js").is_file(),
                               reason="node_modules/leaflet is missing: run `npm ci` (.ci/run does)")


@needs_npm
@pytest.mark.parametrize("path, mimetype", [
    ("leaflet/dist/leaflet.js", "text/javascript"),
    ("leaflet/dist/leaflet.css", "text/css"),
    ("leaflet/dist/images/layers.png", "image/png"),
    ("leaflet/dist/images/marker-icon-2x.png", "image/png"),
    ("leaflet.markercluster/dist/leaflet.markercluster.js", "text/javascript"),
    ("leaflet.markercluster/dist/MarkerCluster.css", "text/css"),
    ("leaflet.markercluster/dist/MarkerCluster.Default.css", "text/css"),
])
def test_vendor_serves_the_allowed_files(client, path, mimetype):
    r = client.get(f"/vendor/{path}?v=1")
    assert r.status_code == 200
    assert r.mimetype == mimetype
    assert r.data == (NODE_MODULES / path).read_bytes()
    assert r.headers["Cache-Control"] == "public, max-age=604800"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(f"/vendor/{path}", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


@needs_npm
def test_vendor_serves_leaflet_itself(client):
    body = client.get("/vendor/leaflet/dist/leaflet.js").get_data(as_text=True)
    assert "Leaflet" in body[:300]


@pytest.mark.parametrize("path", [
    "leaflet/package.json", "leaflet/dist/leaflet-src.js", "leaflet/dist/../package.json",
    "leaflet/dist/images/../../package.json", "leaflet.markercluster/src/index.js", ".package-lock.json",
    "leaflet/dist/images/evil.svg", "%2e%2e/package.json", "..%2fpackage.json",
])
def test_vendor_serves_nothing_else(client, path):
    assert client.get(f"/vendor/{path}").status_code == 404


def test_without_npm_the_vendor_urls_are_404_and_the_map_page_is_a_list(app, places, en, tmp_path):
    app.config["BOCAGE_NODE_MODULES"] = str(tmp_path / "no-node-modules")
    assert en.get("/vendor/leaflet/dist/leaflet.js").status_code == 404
    html = get(en, "/fiches/lieux/carte?commune=Redon")
    block = the(html, "fiches-map")
    assert "data-js" not in block and "data-css" not in block     # map.js has nothing to load
    assert sorted(listed(html)) == sorted([places["grain"], places["cabinet"]])


def test_map_js_and_css_are_served(client):
    js = client.get("/static/map.js")
    assert js.status_code == 200 and "javascript" in js.mimetype
    css = client.get("/static/map.css")
    assert css.status_code == 200 and ".map-colour-11" in css.get_data(as_text=True)
