"""Commons received from other wikis (wiki/content/provenance.py): saved as pages and fiches with
their origin, read-only through every write path until adopted, then ours with a notice and a
diff when the original changes."""
import io
import re

import pytest

from conftest import csrf_token
from wiki.content import pages as content
from wiki.content import provenance
from wiki.content.provenance import Origin
from wiki.db import database
from wiki.models import Provenance, Revision

LORMES = Origin(url="https://wiki.lormes.fr/wiki/fete-du-pain", name="Lormes", site="https://wiki.lormes.fr",
                licence="CC BY-SA 4.0", attribution="Lormes, les habitants")


def _receive(app, name="lormes-fete-du-pain", source="# Fête du pain\n\nLe four est chaud.", **kw):
    with app.test_request_context():
        database.connect(reuse_if_open=True)
        try:
            return provenance.save_received(name, source, origin=kw.pop("origin", LORMES), **kw)
        finally:
            database.close()


def _token_header(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_received_page_is_a_page_with_its_origin(app, client):
    result = _receive(app)
    assert result.created
    with app.app_context():
        row = Provenance.get()
        assert (row.source_name, row.licence, row.adopted) == ("Lormes", "CC BY-SA 4.0", False)
        rev = Revision.get()
        assert rev.author == "Lormes" and rev.comment == "Reçu de Lormes"
    html = client.get("/wiki/lormes-fete-du-pain").get_data(as_text=True)
    assert "Commun reçu de Lormes" in html and "licence CC BY-SA 4.0" in html
    assert 'href="https://wiki.lormes.fr/wiki/fete-du-pain"' in html and "Reprendre chez nous" in html
    assert "csrf_token" not in html           # page views are cached for everyone: the button is a link
    assert "/wiki/lormes-fete-du-pain/delete" not in html     # its territory withdraws it, not us
    assert 'method="post"' in client.get("/wiki/lormes-fete-du-pain/adopt").get_data(as_text=True)
    badge = '<span class="territory-badge"'
    found = client.get("/search?q=four").get_data(as_text=True)
    assert "Fête du pain" in found and badge in found and ">Lormes</span>" in found
    recent = client.get("/recent").get_data(as_text=True)
    assert "Fête du pain" in recent and ">Lormes</span>" in recent and "Reçu de Lormes" in recent


def test_hostile_received_html_is_sanitized_like_local_content(app, client):
    _receive(app, source='<p>Bonjour <img src="x" onerror="alert(1)"><script>alert(2)</script>'
                         '<a href="javascript:alert(3)">lien</a></p>')
    html = client.get("/wiki/lormes-fete-du-pain").get_data(as_text=True)
    assert "Bonjour" in html
    assert "onerror" not in html and "alert(2)" not in html and "javascript:" not in html


def test_a_common_is_read_only_through_every_write_path(app, client, token):
    _receive(app)
    name = "lormes-fete-du-pain"
    assert client.get(f"/wiki/{name}/edit").status_code == 403
    r = client.post(f"/wiki/{name}/edit", data={"csrf_token": csrf_token(client), "source": "# Volé",
                                                "base_revision": "", "action": "save"})
    assert r.status_code == 403 and "reçu de Lormes" in r.get_data(as_text=True)
    r = client.put(f"/api/pages/{name}", json={"source": "# Volé", "base_revision": None},
                   headers=_token_header(token))
    assert r.status_code == 403
    with app.app_context():
        first = Revision.get().id
    r = client.post(f"/wiki/{name}/revisions/{first}/restore", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 403
    r = client.post(f"/wiki/{name}/delete", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 403
    r = client.post(f"/wiki/{name}/files", data={"csrf_token": csrf_token(client),
                    "file": (io.BytesIO(b"hello"), "a.txt")}, content_type="multipart/form-data")
    assert r.status_code == 403
    with app.app_context():
        assert Revision.select().count() == 1
    assert "Le four est chaud" in client.get(f"/api/pages/{name}").get_json()["source"]


def test_a_received_fiche_keeps_values_the_local_lists_lack_and_is_read_only_on_import(app, client, token):
    values = {"titre": "Marché de Lormes", "dates": {"debut": "2027-05-01T08:00", "fin": "2027-05-01T12:00",
                                                       "fuseau": "Europe/Paris"},
              "commune": "Lormes", "lieu": {"adresse": "Place du marché, Lormes", "lat": 47.29, "lon": 3.82},
              "description": "Le marché **du samedi**.", "contact": "privé@example.org"}
    _receive(app, name="lormes-marche", source=values, kind="agenda")
    got = client.get("/api/entries/lormes-marche").get_json()["values"]
    assert got["commune"] == "Lormes" and got["lieu"]["lat"] == 47.29
    assert "contact" not in got
    csv = "name,titre,dates.debut\nlormes-marche,Marché volé,2027-05-01T08:00\n"
    r = client.post("/fiches/agenda/import", data={"csrf_token": csrf_token(client, "/fiches/agenda/import"),
                    "file": (io.BytesIO(csv.encode()), "agenda.csv"), "action": "import"},
                    content_type="multipart/form-data")
    assert client.get("/api/entries/lormes-marche").get_json()["values"]["titre"] == "Marché de Lormes"
    r = client.put("/api/entries/lormes-marche", json={"values": {**values, "titre": "Volé", "commune": ""}},
                   headers=_token_header(token))
    assert r.status_code == 403, r.get_data(as_text=True)


def test_a_local_page_is_never_overwritten_by_a_received_one(app, ctx):
    content.save_page("fete", "# Fête\n\nLocale.", author="Ana")
    with pytest.raises(content.ContentError):
        provenance.save_received("fete", "# Fête\n\nReçue.", origin=LORMES)
    assert "Locale" in content.current_revision(content.get_page("fete")).source


def test_adopt_then_a_change_of_the_original_is_a_notice_with_a_diff(app, client):
    _receive(app)
    name = "lormes-fete-du-pain"
    r = client.post(f"/wiki/{name}/adopt", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 302
    with app.app_context():
        assert Provenance.get().adopted
        assert Revision.select().order_by(Revision.id.desc()).first().comment == "Repris de Lormes"
    html = client.get(f"/wiki/{name}").get_data(as_text=True)
    assert "Repris de Lormes" in html and "Reprendre chez nous" not in html
    r = client.put(f"/api/pages/{name}", json={"source": "# Fête du pain\n\nLe four est chaud. Chez nous.",
                                               "base_revision": client.get(f"/api/pages/{name}").get_json()["revision"]},
                   headers={})
    assert r.status_code in (401, 403)      # the API needs a token; the form does not
    page = client.get(f"/wiki/{name}/edit").get_data(as_text=True)
    base = re.search(r'name="base_revision" value="([^"]*)"', page).group(1)
    r = client.post(f"/wiki/{name}/edit", data={"csrf_token": csrf_token(client), "base_revision": base,
                    "source": "# Fête du pain\n\nLe four est chaud. Chez nous.", "action": "save"})
    assert r.status_code == 302

    assert _receive(app, source="# Fête du pain\n\nLe four est froid.") is None
    assert "Chez nous" in client.get(f"/api/pages/{name}").get_json()["source"]
    html = client.get(f"/wiki/{name}").get_data(as_text=True)
    assert "L’original a changé depuis que vous l’avez repris" in html
    diff = client.get(f"/wiki/{name}/original").get_data(as_text=True)
    assert "froid" in diff and "Chez nous" in diff
    r = client.post(f"/wiki/{name}/original/apply", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 302
    assert "froid" in client.get(f"/api/pages/{name}").get_json()["source"]
    assert client.get(f"/wiki/{name}/original").status_code == 404


def test_dismissing_the_notice_and_a_withdrawn_original(app, client):
    _receive(app)
    name = "lormes-fete-du-pain"
    client.post(f"/wiki/{name}/adopt", data={"csrf_token": csrf_token(client)})
    _receive(app, source="# Fête du pain\n\nAutre.")
    client.post(f"/wiki/{name}/original/dismiss", data={"csrf_token": csrf_token(client)})
    assert "changé depuis" not in client.get(f"/wiki/{name}").get_data(as_text=True)
    with app.test_request_context():
        provenance.trash_received(name)
    html = client.get(f"/wiki/{name}").get_data(as_text=True)
    assert client.get(f"/wiki/{name}").status_code == 200 and "supprimé" in html


def test_a_withdrawn_common_goes_to_the_trash(app, client):
    _receive(app)
    with app.test_request_context():
        provenance.trash_received("lormes-fete-du-pain")
    assert client.get("/wiki/lormes-fete-du-pain").status_code == 404
    with app.app_context():
        assert Revision.select().order_by(Revision.id.desc()).first().comment == "Retiré par Lormes"
    assert _receive(app, source="# Fête du pain\n\nDe retour.") is not None   # the origin sends it again
    assert client.get("/wiki/lormes-fete-du-pain").status_code == 200


def test_lists_map_agenda_and_api_mark_commons_and_filter_by_territory(app, client, token):
    local = {"titre": "Marché de Redon", "dates": {"debut": "2027-05-02T08:00", "fin": "2027-05-02T12:00"},
             "lieu": {"adresse": "Redon", "lat": 47.65, "lon": -2.08}}
    r = client.post("/api/forms/agenda/entries", json={"values": local}, headers=_token_header(token))
    assert r.status_code == 201, r.get_data(as_text=True)
    html = client.get("/fiches/agenda").get_data(as_text=True)
    assert 'name="territoire"' not in html           # no commons yet: no territory facet
    _receive(app, name="lormes-marche", kind="agenda", source={
        "titre": "Marché de Lormes", "dates": {"debut": "2027-05-01T08:00", "fin": "2027-05-01T12:00"},
        "lieu": {"adresse": "Lormes", "lat": 47.29, "lon": 3.82}})
    html = client.get("/fiches/agenda").get_data(as_text=True)
    assert 'name="territoire" value="Lormes"' in html and 'value="Territoire de test"' in html
    assert re.search(r'Marché de Lormes</a> <span class="territory-badge"[^>]*>Lormes</span>', html), re.findall(r"Marché de Lormes.{0,120}", html)
    assert not re.search(r'Marché de Redon</a> <span class="territory-badge"', html)
    only = client.get("/fiches/agenda?territoire=Lormes").get_data(as_text=True)
    assert "Marché de Lormes" in only and "Marché de Redon" not in only
    ours = client.get("/fiches/agenda?territoire=Territoire+de+test").get_data(as_text=True)
    assert "Marché de Redon" in ours and "Marché de Lormes" not in ours
    titles = lambda q: sorted(e["title"] for e in client.get(f"/api/forms/agenda/entries{q}").get_json()["entries"])  # noqa: E731
    assert titles("?territoire=Lormes") == ["Marché de Lormes"]
    assert titles("") == ["Marché de Lormes", "Marché de Redon"]
    features = client.get("/api/forms/agenda/entries.geojson").get_json()["features"]
    assert {f["properties"]["title"]: f["properties"].get("territoire") for f in features} == {
        "Marché de Lormes": "Lormes", "Marché de Redon": None}
    assert len(client.get("/api/forms/agenda/entries.geojson?territoire=Lormes").get_json()["features"]) == 1
    agenda = client.get("/fiches/agenda/agenda?from=2027-04-01&mois=2027-05").get_data(as_text=True)
    assert re.search(r'Marché de Lormes</a> <span class="territory-badge"', agenda), agenda[:3000]
    client.post("/wiki/lormes-marche/adopt", data={"csrf_token": csrf_token(client)})
    assert 'name="territoire"' not in client.get("/fiches/agenda").get_data(as_text=True)   # ours now


def test_an_adopted_fiche_gets_the_original_s_change_as_a_diff_and_can_apply_it(app, client):
    values = {"titre": "Marché de Lormes", "dates": {"debut": "2027-05-01T08:00", "fin": "2027-05-01T12:00"},
              "commune": "Lormes"}
    _receive(app, name="lormes-marche", kind="agenda", source=values)
    client.post("/wiki/lormes-marche/adopt", data={"csrf_token": csrf_token(client)})
    assert _receive(app, name="lormes-marche", kind="agenda", source={**values, "prix": "Gratuit"}) is None
    assert "prix" not in client.get("/api/entries/lormes-marche").get_json()["values"]
    diff = client.get("/wiki/lormes-marche/original").get_data(as_text=True)
    assert "Gratuit" in diff
    client.post("/wiki/lormes-marche/original/apply", data={"csrf_token": csrf_token(client)})
    got = client.get("/api/entries/lormes-marche").get_json()["values"]
    assert got["prix"] == "Gratuit" and got["commune"] == "Lormes"


def test_recent_changes_filter_by_territory(app, client):
    from tests_helpers import make_page
    make_page(client, "lavoir", "# Le lavoir d'ici\n\nTexte.")
    assert 'name="territoire"' not in client.get("/recent").get_data(as_text=True)
    _receive(app)
    everything = client.get("/recent").get_data(as_text=True)
    assert "Fête du pain" in everything and "Le lavoir d&#39;ici" in everything
    assert 'name="territoire"' in everything and "<option>Lormes</option>" in everything
    theirs = client.get("/recent?territoire=Lormes").get_data(as_text=True)
    assert "Fête du pain" in theirs and "Le lavoir d&#39;ici" not in theirs
    ours = client.get("/recent?territoire=Territoire de test").get_data(as_text=True)
    assert "Fête du pain" not in ours and "Le lavoir d&#39;ici" in ours


def test_search_results_can_be_limited_to_a_territory(app, client):
    from tests_helpers import make_page
    _receive(app)                                               # Lormes' "four" page
    make_page(client, "four-communal", "# Four communal\n\nLe four du bourg.")
    every = client.get("/search?q=four").get_data(as_text=True)
    assert "Fête du pain" in every and "Four communal" in every and 'name="territoire"' in every
    theirs = client.get("/search?q=four&territoire=Lormes").get_data(as_text=True)
    assert "Fête du pain" in theirs and "Four communal" not in theirs and "1 résultat" in theirs
    ours = client.get("/search?q=four&territoire=Territoire+de+test").get_data(as_text=True)
    assert "Four communal" in ours and "Fête du pain" not in ours
    nobody = client.get("/search?q=four&territoire=Ailleurs").get_data(as_text=True)
    assert "Four communal" not in nobody and "Fête du pain" not in nobody
    api = client.get("/api/search?q=four&territoire=Lormes").get_json()
    assert [(r["name"], r["territory"]) for r in api["results"]] == [("lormes-fete-du-pain", "Lormes")]
