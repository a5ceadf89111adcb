"""The fiches API: forms, entries with filters, writing with a token, moderation, GeoJSON, CSV."""
import csv
import io

AUTH = "Authorization"


def _post(client, token, form, values, **extra):
    return client.post(f"/api/forms/{form}/entries", json={"values": values, **extra},
                       headers={AUTH: f"Bearer {token}"})


MARKET = {"titre": "Marché de Redon", "dates": {"debut": "2027-03-16T08:00", "fin": "2027-03-16T13:00"},
          "recurrence": "FREQ=WEEKLY;BYDAY=TU", "themes": ["Alimentation"],
          "lieu": {"adresse": "Place de la République", "lat": 47.6519, "lon": -2.0847},
          "contact": "marche@example.org"}


def test_forms_and_fields_are_described(client):
    forms = client.get("/api/forms").get_json()["forms"]
    assert {f["id"] for f in forms} >= {"initiatives", "agenda", "lieux"}
    agenda = client.get("/api/forms/agenda").get_json()
    fields = {f["id"]: f for f in agenda["fields"]}
    assert fields["dates"]["type"] == "dates" and fields["dates"]["required"] is True
    assert "Mobilité" in fields["themes"]["choices"]
    assert fields["contact"]["private"] is True
    assert client.get("/api/forms/nope").status_code == 404


def test_create_read_and_private_fields(client, token):
    r = _post(client, token, "agenda", MARKET, comment="depuis l'API")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["name"] == "marche-de-redon" and body["values"]["contact"] == "marche@example.org"
    public = client.get("/api/entries/marche-de-redon").get_json()
    assert "contact" not in public["values"] and public["values"]["lieu"]["lat"] == 47.6519
    private = client.get("/api/entries/marche-de-redon", headers={AUTH: f"Bearer {token}"}).get_json()
    assert private["values"]["contact"] == "marche@example.org"
    listing = client.get("/api/forms/agenda/entries").get_json()
    assert listing["total"] == 1 and "contact" not in listing["entries"][0]["values"]


def test_writing_needs_a_token(client):
    assert client.post("/api/forms/agenda/entries", json={"values": MARKET}).status_code == 401
    assert client.put("/api/entries/x", json={"values": MARKET}).status_code == 401


def test_invalid_values_give_a_message_per_field(client, token):
    bad = dict(MARKET, dates={"debut": "2027-03-16", "fin": "2027-03-10"}, lieu={"lat": 200, "lon": 0},
               themes=["Pas un thème"])
    r = _post(client, token, "agenda", bad)
    assert r.status_code == 400
    errors = r.get_json()["errors"]
    assert set(errors) == {"dates", "lieu", "themes"}
    assert _post(client, token, "agenda", dict(MARKET, inconnu="x")).status_code == 400
    assert client.post("/api/forms/agenda/entries", data="pas du json", content_type="application/json",
                       headers={AUTH: f"Bearer {token}"}).status_code == 400


def test_put_updates_merges_and_conflicts(client, token):
    first = _post(client, token, "agenda", MARKET).get_json()
    base = first["revision"]
    headers = {AUTH: f"Bearer {token}"}
    mine = dict(MARKET, prix="Gratuit")
    r = client.put("/api/entries/marche-de-redon", json={"values": mine, "base_revision": base}, headers=headers)
    assert r.status_code == 200 and r.get_json()["values"]["prix"] == "Gratuit"
    # someone else started from the same base and changed another field: merged
    other = dict(MARKET, organisateur="Ville de Redon")
    r = client.put("/api/entries/marche-de-redon", json={"values": other, "base_revision": base}, headers=headers)
    assert r.status_code == 200, r.get_json()
    values = r.get_json()["values"]
    assert r.get_json()["merged"] and values["prix"] == "Gratuit" and values["organisateur"] == "Ville de Redon"
    # the same field changed differently: 409 with both versions
    clash = dict(MARKET, prix="5 €", organisateur="Ville de Redon")
    r = client.put("/api/entries/marche-de-redon", json={"values": clash, "base_revision": base}, headers=headers)
    assert r.status_code == 409
    assert r.get_json()["current"]["prix"] == "Gratuit" and r.get_json()["yours"]["prix"] == "5 €"
    assert client.put("/api/entries/marche-de-redon", json={"values": MARKET, "base_revision": "x"},
                      headers=headers).status_code == 400
    assert client.put("/api/entries/nope", json={"values": MARKET}, headers=headers).status_code == 404


def test_filters(client, token):
    _post(client, token, "agenda", MARKET)
    _post(client, token, "agenda", dict(MARKET, titre="Navette du bourg", themes=["Mobilité"],
                                        recurrence="", dates={"debut": "2027-05-02"},
                                        lieu={"lat": 47.29, "lon": 3.82}))
    names = lambda q: [e["name"] for e in client.get(f"/api/forms/agenda/entries?{q}").get_json()["entries"]]
    assert names("themes=Mobilité") == ["navette-du-bourg"]
    assert sorted(names("themes=Mobilité&themes=Alimentation")) == ["marche-de-redon", "navette-du-bourg"]
    assert names("q=navette") == ["navette-du-bourg"]
    assert names("q=marche") == ["marche-de-redon"]            # accents ignored
    assert names("from=2027-04-01&to=2027-06-01") == ["marche-de-redon", "navette-du-bourg"]  # weekly repeats
    assert names("bbox=3,47,4,48") == ["navette-du-bourg"]
    for bad in ("from=hier", "bbox=1,2,3", "bbox=10,0,5,1"):
        r = client.get(f"/api/forms/agenda/entries?{bad}")
        assert r.status_code == 400 and r.get_json()["error"], bad


def test_geojson_and_colours(client, token):
    _post(client, token, "lieux", {"titre": "La Fabrik", "categorie": "Tiers-lieu",
                                   "lieu": {"adresse": "Quai", "lat": 47.65, "lon": -2.08}})
    _post(client, token, "lieux", {"titre": "Sans position", "categorie": "Commerce",
                                   "lieu": {"adresse": "Quelque part"}})
    r = client.get("/api/forms/lieux/entries.geojson")
    assert r.mimetype == "application/geo+json"
    features = r.get_json()["features"]
    assert len(features) == 1
    assert features[0]["geometry"]["coordinates"] == [-2.08, 47.65]
    assert features[0]["properties"]["categorie"] == "Tiers-lieu"
    assert features[0]["properties"]["url"] == "/wiki/la-fabrik"
    assert client.get("/api/forms/lieux/entries.geojson?bbox=0,0,1,1").get_json()["features"] == []


def test_csv_export_round_trips(client, token):
    _post(client, token, "agenda", MARKET)
    public = client.get("/api/forms/agenda/entries.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(public)))
    assert rows[0]["titre"] == "Marché de Redon" and rows[0]["lieu.lat"] == "47.6519"
    assert rows[0]["themes"] == "Alimentation" and "contact" not in rows[0]
    private = client.get("/api/forms/agenda/entries.csv", headers={AUTH: f"Bearer {token}"}).get_data(as_text=True)
    assert next(csv.DictReader(io.StringIO(private)))["contact"] == "marche@example.org"


def test_moderation_queue_and_approval(app, client, token):
    from wiki.fiches import entries
    with app.test_request_context():
        form = entries.catalogue().form("agenda")
        entries.save_entry(form, {"titre": "Fête de la châtaigne", "dates": {"debut": "2027-10-24"}},
                           status="pending")
    assert client.get("/api/forms/agenda/entries").get_json()["total"] == 0
    assert client.get("/api/entries/fete-de-la-chataigne").status_code == 404
    assert "Fête de la châtaigne" not in client.get("/recent").get_data(as_text=True)
    assert client.get("/api/search?q=chataigne").get_json()["results"] == []
    assert client.get("/api/forms/agenda/entries?status=pending").status_code == 401
    headers = {AUTH: f"Bearer {token}"}
    queue = client.get("/api/forms/agenda/entries?status=pending", headers=headers).get_json()
    assert [e["name"] for e in queue["entries"]] == ["fete-de-la-chataigne"]
    r = client.post("/api/entries/fete-de-la-chataigne/approve", headers=headers)
    assert r.status_code == 200 and r.get_json()["approved"] is True and r.get_json()["status"] == "published"
    assert client.get("/api/forms/agenda/entries").get_json()["total"] == 1
    assert [h["name"] for h in client.get("/api/search?q=chataigne").get_json()["results"]] == ["fete-de-la-chataigne"]
    assert client.post("/api/entries/fete-de-la-chataigne/approve", headers=headers).get_json()["approved"] is False


def test_html_list_filters_by_date_range(client, token):
    _post(client, token, "agenda", dict(MARKET, titre="Fête du printemps", recurrence="",
                                        dates={"debut": "2027-04-10"}))
    _post(client, token, "agenda", dict(MARKET, titre="Fête d'automne", recurrence="",
                                        dates={"debut": "2027-10-10"}))
    html = client.get("/fiches/agenda?from=2027-04-01&to=2027-04-30").get_data(as_text=True)
    assert "Fête du printemps" in html and "Fête d&#39;automne" not in html
    html = client.get("/fiches/agenda?from=2027-04-11").get_data(as_text=True)
    assert "Fête du printemps" not in html and "Fête d&#39;automne" in html
    assert client.get("/fiches/agenda?from=pas-une-date").status_code == 200   # ignored, not a 500
