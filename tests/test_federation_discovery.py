"""Federation, milestone 1: actors, keys, WebFinger, NodeInfo, content negotiation."""
import tomllib
from pathlib import Path

import pytest

from wiki import create_app
from wiki.content.pages import delete_page, save_page
from wiki.db import database
from wiki.instance import init_instance

AS = "application/activity+json"
BASE = "https://wiki.test"
TERRITORY = f"{BASE}/ap/actors/territoire-de-test"
ROOT = Path(__file__).resolve().parent.parent


def ap(client, path, accept=AS):
    return client.get(path, headers={"Accept": accept})


def test_federation_is_an_extension_declared_as_an_entry_point(app):
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert declared["project"]["entry-points"]["bocage.extensions"] == {"federation": "federation:init_app"}
    assert "federation:init_app" in app.extensions["bocage.extensions"]
    assert "federation" in app.blueprints
    wiki_sources = "\n".join(p.read_text() for p in (ROOT / "wiki").rglob("*.py"))
    assert "import federation" not in wiki_sources and "from federation" not in wiki_sources


def test_the_private_key_is_parsed_once_not_at_each_signature(tmp_path, monkeypatch):
    from bovine.crypto.types import CryptographicSecret

    from federation import keys
    pair = keys.load_or_create(tmp_path)
    monkeypatch.setattr(CryptographicSecret, "from_pem", None)     # ~40 ms each: never again
    territory, form = pair.secret(f"{TERRITORY}#main-key"), pair.secret(f"{BASE}/ap/actors/agenda#main-key")
    assert territory.private_key is form.private_key and form.key_id.endswith("/agenda#main-key")
    assert pair == keys.KeyPair(pair.public_pem, pair.private_pem)      # the parsed key is not compared


def test_keys_are_made_at_first_start_and_kept_private(tmp_path, monkeypatch):
    folder = tmp_path / "ancien"
    init_instance(folder, "Ancien territoire", "ancien.test")
    key = folder / "data" / "federation-key.pem"
    assert not key.exists()
    app = create_app(folder)
    try:
        assert key.is_file() and key.stat().st_mode & 0o077 == 0
        assert "PRIVATE KEY" in key.read_text()
        first = app.extensions["bocage.federation"].keys.public_pem
        again = create_app(folder)
        assert again.extensions["bocage.federation"].keys.public_pem == first    # kept, not remade
    finally:
        database.obj.close_all()
        app.extensions["bocage.search"].close()


def test_the_territory_actor(client):
    response = ap(client, "/ap/actors/territoire-de-test")
    assert response.status_code == 200 and response.content_type == AS
    actor = response.get_json()
    assert actor["id"] == TERRITORY and actor["type"] == "Group"
    assert actor["preferredUsername"] == "territoire-de-test"
    assert actor["name"] == "Territoire de test" and actor["summary"].startswith("Le wiki partagé de Territoire de test")
    for box in ("inbox", "outbox", "followers", "following"):
        assert actor[box] == f"{TERRITORY}/{box}"
    assert actor["endpoints"]["sharedInbox"] == f"{BASE}/ap/inbox"
    assert actor["publicKey"] == {"id": f"{TERRITORY}#main-key", "owner": TERRITORY,
                                  "publicKeyPem": actor["publicKey"]["publicKeyPem"]}
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert actor["url"] == f"{BASE}/" and actor["icon"]["url"].startswith(BASE)
    assert "PRIVATE" not in response.get_data(as_text=True)
    assert client.get(actor["icon"]["url"].removeprefix(BASE)).status_code == 200


def test_each_form_is_an_actor_and_browsers_get_html(client):
    agenda = ap(client, "/ap/actors/agenda").get_json()
    assert agenda["id"] == f"{BASE}/ap/actors/agenda" and agenda["preferredUsername"] == "agenda"
    assert agenda["url"] == f"{BASE}/fiches/agenda" and agenda["endpoints"]["sharedInbox"]
    browser = ap(client, "/ap/actors/agenda", accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert browser.status_code == 302 and browser.location.endswith("/fiches/agenda")
    assert ap(client, "/ap/actors/nobody").status_code == 404


def test_webfinger_round_trips(client):
    for name in ("territoire-de-test", "agenda"):
        response = client.get(f"/.well-known/webfinger?resource=acct:{name}@wiki.test")
        assert response.status_code == 200 and response.content_type == "application/jrd+json"
        jrd = response.get_json()
        assert jrd["subject"] == f"acct:{name}@wiki.test"
        self_link = next(link for link in jrd["links"] if link["rel"] == "self")
        assert self_link["type"] == AS
        actor = ap(client, self_link["href"].removeprefix(BASE)).get_json()
        assert f"acct:{actor['preferredUsername']}@wiki.test" == jrd["subject"]
    assert client.get("/.well-known/webfinger?resource=acct:agenda@other.test").status_code == 404
    assert client.get("/.well-known/webfinger?resource=acct:nobody@wiki.test").status_code == 404
    assert client.get("/.well-known/webfinger").status_code == 400


def test_nodeinfo_links_the_document_and_the_application_actor(client):
    links = {link["rel"]: link["href"] for link in client.get("/.well-known/nodeinfo").get_json()["links"]}
    document = client.get(links["http://nodeinfo.diaspora.software/ns/schema/2.1"].removeprefix(BASE)).get_json()
    assert document["version"] == "2.1" and document["software"]["name"] == "bocage"
    assert document["protocols"] == ["activitypub"]
    application = ap(client, links["https://www.w3.org/ns/activitystreams#Application"].removeprefix(BASE)).get_json()
    assert application["type"] == "Application" and application["publicKey"]["owner"] == application["id"]


def test_a_page_is_an_article_to_federating_clients_and_html_to_browsers(client, within):
    with within():
        save_page("jardin", "# Jardin partagé\n\nUn [[potager]] ouvert à **tous**.\n")
    article = ap(client, "/wiki/jardin", accept='application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
    assert article.status_code == 200 and article.content_type.startswith("application/ld+json")
    doc = article.get_json()
    assert doc["type"] == "Article" and doc["id"] == f"{BASE}/wiki/jardin" == doc["url"]
    assert doc["name"] == "Jardin partagé" and doc["attributedTo"] == TERRITORY
    assert doc["summary"] == "Un potager ouvert à tous."
    assert "<strong>tous</strong>" in doc["content"] and f'href="{BASE}/wiki/potager"' in doc["content"]
    assert doc["source"] == {"content": "# Jardin partagé\n\nUn [[potager]] ouvert à **tous**.\n",
                             "mediaType": "text/markdown"}
    assert doc["license"] == "CC BY-SA 4.0" and doc["published"].endswith("Z") and doc["updated"]
    html = client.get("/wiki/jardin", headers={"Accept": "text/html"})
    assert html.content_type.startswith("text/html") and "Accept" in html.headers["Vary"]
    assert ap(client, "/wiki/absente").status_code == 404


def test_a_trashed_page_is_a_410_tombstone(client, within):
    with within():
        save_page("vieille", "# Vieille page\n\ntexte")
        delete_page("vieille")
    response = ap(client, "/wiki/vieille")
    assert response.status_code == 410
    assert response.get_json()["type"] == "Tombstone" and response.get_json()["formerType"] == "Article"


def test_an_event_follows_fep_8a8e_without_its_private_fields(client, add):
    name = add("agenda", titre="Repair café", dates={"debut": "2027-03-06T14:00", "fin": "2027-03-06T18:00"},
               lieu={"adresse": "Place du marché, Redon", "lat": "47.65", "lon": "-2.08"},
               description="On répare *ensemble*.", contact="secret@example.org")
    response = ap(client, f"/wiki/{name}")
    text = response.get_data(as_text=True)
    doc = response.get_json()
    assert doc["type"] == "Event" and doc["name"] == "Repair café"
    assert doc["startTime"] == "2027-03-06T14:00:00+01:00" and doc["endTime"] == "2027-03-06T18:00:00+01:00"
    assert doc["timezone"] == "Europe/Paris"
    assert doc["location"] == {"type": "Place", "name": "Place du marché, Redon",
                               "address": "Place du marché, Redon", "latitude": 47.65, "longitude": -2.08}
    assert "2027" in doc["summary"] and "Place du marché" in doc["summary"] and "<" not in doc["summary"]
    assert "<em>ensemble</em>" in doc["content"] and "On répare ensemble." in doc["summary"]
    assert "secret@example.org" not in text and "secret" not in text
    assert doc["cc"] == [f"{TERRITORY}/followers", f"{BASE}/ap/actors/agenda/followers"]


def test_a_place_is_a_page_with_a_location(client, add):
    name = add("lieux", titre="Le Grain", categorie="Tiers-lieu", lieu={"adresse": "Redon", "lat": "47.6", "lon": "-2.1"})
    doc = ap(client, f"/wiki/{name}").get_json()
    assert doc["type"] == "Page" and doc["location"]["type"] == "Place"
    assert doc["location"]["latitude"] == 47.6 and doc["summary"].startswith("Redon")
    initiative = add("initiatives", titre="Covoiturage", description="Partager la route.", contact="x@y.org")
    doc = ap(client, f"/wiki/{initiative}").get_json()
    assert doc["type"] == "Page" and "location" not in doc and "x@y.org" not in str(doc)
    assert doc["summary"] == "Partager la route."


def test_a_fiche_waiting_for_moderation_is_not_public(app, client, within):
    from wiki.fiches import entries
    with within():
        name = entries.save_entry(entries.catalogue().form("agenda"),
                                  {"titre": "Secret", "dates": {"debut": "2027-01-01"}}, status="pending").page.name
    assert ap(client, f"/wiki/{name}").status_code == 404


def test_the_outbox_is_a_paginated_ordered_collection(client):
    box = ap(client, "/ap/actors/territoire-de-test/outbox").get_json()
    assert box["type"] == "OrderedCollection" and box["totalItems"] == 0
    first = ap(client, box["first"].removeprefix(BASE)).get_json()
    assert first["type"] == "OrderedCollectionPage" and first["orderedItems"] == []
    followers = ap(client, "/ap/actors/agenda/followers").get_json()
    assert followers["type"] == "OrderedCollection" and followers["totalItems"] == 0


def test_the_federation_tables_match_their_migration(ctx):
    from federation.models import ALL_MODELS
    db = database.obj
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {c.name for c in db.get_columns(table)}
        assert columns == {f.column_name for f in model._meta.sorted_fields}, table
        indexes = {tuple(i.columns) for i in db.get_indexes(table)}
        for fields, _unique in model._meta.indexes:
            assert tuple(model._meta.fields[f].column_name for f in fields) in indexes, table


@pytest.mark.parametrize("setting", ['scheme = "ftp"', 'accept_follows = "maybe"'])
def test_bad_federation_settings_are_refused(tmp_path, setting):
    from federation.config import SettingsError, load
    folder = tmp_path / "t"
    instance = init_instance(folder, "T", "t.test")
    (folder / "instance.toml").write_text((folder / "instance.toml").read_text() + f"\n[federation]\n{setting}\n")
    with pytest.raises(SettingsError):
        load(instance)


def test_serving_pages_does_not_load_bovine(instance_dir):
    """Importing any of bovine loads aiohttp and pyld (39 MB): a worker that serves pages only
    must not pay it (bench/run.py's memory target); federation requests load it. Fresh
    processes, as gunicorn workers."""
    import subprocess
    import sys
    code = ("import sys; from wiki import create_app; app = create_app(sys.argv[1]); c = app.test_client(); "
            "[c.get(p, headers={'Accept': sys.argv[2]}) for p in sys.argv[3:]]; "
            "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('bovine', 'aiohttp', 'pyld'))}))")

    def loaded(accept, *paths):
        out = subprocess.run([sys.executable, "-c", code, str(instance_dir), accept, *paths],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout.strip().splitlines()[-1]
    assert loaded("text/html", "/wiki/accueil", "/fiches/lieux", "/recent", "/recherche?q=x") == "[]"
    assert "bovine" in loaded("application/activity+json", "/ap/actors/territoire-de-test")
