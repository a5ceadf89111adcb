"""Federation end to end: two real instances (`bocage serve`, gunicorn, each with its delivery
worker process) on 127.0.0.1. Redon follows Lormes by its settings; Lormes follows Redon with
`bocage follow` and gets what Redon had already published; Redon publishes a page and a fiche
and edits the page; Lormes keeps them as commons, shows them on /communs, and unfollows."""
import pytest
import requests

import conftest
from federation_helpers import Territory, eventually

AS = {"Accept": "application/activity+json"}
pytestmark = pytest.mark.skipif(bool(conftest.POSTGRES), reason="two servers, two SQLite databases")


@pytest.fixture
def territories(tmp_path, federation_key):
    lormes = Territory(tmp_path, "Lormes", federation_key)
    # Redon follows Lormes by its settings (as the demo does), Lormes follows Redon by command
    redon = Territory(tmp_path, "Pays de Redon", federation_key, follow=[f"@lormes@{lormes.host}"])
    try:
        yield redon.start(), lormes.start()
    finally:
        for territory in (redon, lormes):
            territory.stop()
            print(f"--- {territory.slug} ---\n{territory.output()}")


def test_lormes_follows_redon_and_keeps_its_commons(territories):
    redon, lormes = territories
    redon.api("PUT", "/api/pages/avant", json={"source": "# Écrit avant\n\nDéjà là.", "base_revision": None})
    done = lormes.bocage("follow", str(lormes.folder), f"@{redon.slug}@{redon.host}")
    assert done.returncode == 0, done.stderr
    redon_actor = f"{redon.url}/ap/actors/{redon.slug}"
    lormes_actor = f"{lormes.url}/ap/actors/{lormes.slug}"

    def followers():
        doc = requests.get(f"{redon_actor}/followers?page=1", headers=AS, timeout=5).json()
        return doc["orderedItems"]
    assert eventually(followers, "Redon to record its follower") == [lormes_actor]

    def following():
        return requests.get(f"{lormes_actor}/following?page=1", headers=AS, timeout=5).json()["orderedItems"]
    assert eventually(following, "Lormes to receive the Accept") == [redon_actor]
    assert eventually(lambda: requests.get(f"{redon_actor}/following?page=1", headers=AS, timeout=5).json()["orderedItems"],
                      "Redon to follow Lormes by its settings") == [lormes_actor]

    redon.api("PUT", "/api/pages/mobilite", json={
        "source": "# Mobilité partagée\n\nLe **covoiturage** du territoire. <img src=x onerror=alert(1)>",
        "base_revision": None})
    entry = redon.api("POST", "/api/forms/agenda/entries", json={"values": {
        "titre": "Fête du vélo", "dates": {"debut": "2027-06-05T10:00", "fin": "2027-06-05T18:00"},
        "lieu": {"adresse": "Quai Duguay-Trouin, Redon", "lat": 47.65, "lon": -2.08},
        "contact": "secret@example.org"}})
    eventually(lambda: f"{redon.url}/wiki/avant" in lormes.commons(), "what Redon had published before")
    page_id = f"{redon.url}/wiki/mobilite"
    entry_id = f"{redon.url}/wiki/{entry['name']}"
    commons = eventually(lambda: (c := lormes.commons()) and page_id in c and entry_id in c and c,
                         "the page and the fiche to reach Lormes")
    page, event = commons[page_id], commons[entry_id]
    assert page["type"] == "Article" and page["name"] == "Mobilité partagée"
    assert page["origin"] == redon_actor and page["attributed_to"] == redon_actor
    assert page["licence"] == "CC BY-SA 4.0" and "<strong>covoiturage</strong>" in page["content"]
    assert "onerror" not in page["content"]
    assert event["type"] == "Event" and event["lat"] == 47.65 and event["starts"].startswith("2027-06-05 08:00")
    assert "secret@example.org" not in event["document"]

    revision = redon.api("GET", "/api/pages/mobilite")["revision"]
    redon.api("PUT", "/api/pages/mobilite", json={"source": "# Mobilité partagée\n\nEt le **train**.",
                                                  "base_revision": revision})
    eventually(lambda: "train" in lormes.commons()[page_id]["content"], "the Update")
    shown = requests.get(f"{lormes.url}/communs", timeout=10).text
    assert "Mobilité partagée" in shown and "Fête du vélo" in shown and "Pays de Redon" in shown

    # the commons are Lormes' pages and fiches, marked with their territory
    page_name, fiche_name = "pays-de-redon-mobilite-partagee", "pays-de-redon-fete-du-velo"
    assert eventually(lambda: lormes.commons()[page_id]["page"] == page_name, "the local page")
    assert lormes.commons()[entry_id]["page"] == fiche_name
    badge = '<span class="territory-badge" title="Commun reçu de Pays de Redon">Pays de Redon</span>'
    listed = requests.get(f"{lormes.url}/fiches/agenda", timeout=10).text
    assert "Fête du vélo" in listed and badge in listed and 'name="territoire" value="Pays de Redon"' in listed
    only_ours = requests.get(f"{lormes.url}/fiches/agenda", params={"territoire": "Lormes"}, timeout=10).text
    assert "Fête du vélo" not in only_ours
    features = requests.get(f"{lormes.url}/api/forms/agenda/entries.geojson", params={"territoire": "Pays de Redon"},
                            timeout=10).json()["features"]
    assert [(f["properties"]["name"], f["properties"]["territoire"]) for f in features] == [(fiche_name, "Pays de Redon")]
    agenda = requests.get(f"{lormes.url}/fiches/agenda/agenda", params={"mois": "2027-06"}, timeout=10).text
    assert "Fête du vélo" in agenda and badge in agenda
    found = requests.get(f"{lormes.url}/search", params={"q": "train"}, timeout=10).text
    assert "Mobilité partagée" in found and badge in found
    recent = requests.get(f"{lormes.url}/recent", timeout=10).text
    assert "Reçu de Pays de Redon" in recent and badge in recent
    shown = requests.get(f"{lormes.url}/wiki/{page_name}", timeout=10).text
    assert "Commun reçu de Pays de Redon" in shown and f'href="{page_id}"' in shown
    assert "secret@example.org" not in requests.get(f"{lormes.url}/wiki/{fiche_name}", timeout=10).text

    # a volunteer in Lormes adopts the page; Redon changes it: a notice and the diff, not an overwrite
    browser = requests.Session()
    assert f'href="/wiki/{page_name}/adopt"' in browser.get(f"{lormes.url}/wiki/{page_name}", timeout=10).text
    form = browser.get(f"{lormes.url}/wiki/{page_name}/adopt", timeout=10).text
    csrf = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert browser.post(f"{lormes.url}/wiki/{page_name}/adopt", data={"csrf_token": csrf}, timeout=10).status_code == 200
    assert "Repris de Pays de Redon" in browser.get(f"{lormes.url}/wiki/{page_name}", timeout=10).text
    revision = redon.api("GET", "/api/pages/mobilite")["revision"]
    redon.api("PUT", "/api/pages/mobilite", json={"source": "# Mobilité partagée\n\nEt le **car** du dimanche.",
                                                  "base_revision": revision})
    eventually(lambda: "car" in lormes.commons()[page_id]["content"], "the Update after adoption")
    assert "train" in lormes.api("GET", f"/api/pages/{page_name}")["source"]        # not overwritten
    shown = requests.get(f"{lormes.url}/wiki/{page_name}", timeout=10).text
    assert "L’original a changé depuis que vous l’avez repris" in shown
    diff = requests.get(f"{lormes.url}/wiki/{page_name}/original", timeout=10).text
    assert "car" in diff and "train" in diff
    # Lormes publishes the adopted page as its own, with its origin; Redon never gets its own page back
    doc = requests.get(f"{lormes.url}/wiki/{page_name}", headers=AS, timeout=10).json()
    assert doc["attributedTo"] == lormes_actor and doc["bocage:adoptedFrom"]["href"] == page_id

    done = lormes.bocage("unfollow", str(lormes.folder), redon_actor)
    assert done.returncode == 0, done.stderr
    eventually(lambda: followers() == [] or None, "Redon to drop its follower after the Undo")


def test_one_territory_fans_out_to_several_and_a_dead_one_holds_up_nobody(tmp_path, federation_key):
    """Three real instances: Lormes and the Morvan follow Pays de Redon (by their settings);
    Redon's page reaches both, its edit too; with the Morvan down, the next edit still reaches
    Lormes at once (the Morvan's delivery waits for its retry)."""
    redon = Territory(tmp_path, "Pays de Redon", federation_key)
    handle = f"@{redon.slug}@{redon.host}"
    lormes = Territory(tmp_path, "Lormes", federation_key, follow=[handle])
    morvan = Territory(tmp_path, "Morvan", federation_key, follow=[handle])
    try:
        for territory in (redon, lormes, morvan):
            territory.start()
        actor = f"{redon.url}/ap/actors/{redon.slug}"
        assert sorted(eventually(lambda: requests.get(f"{actor}/followers?page=1", headers=AS, timeout=5)
                                 .json()["orderedItems"] if len(requests.get(f"{actor}/followers?page=1", headers=AS,
                                                                             timeout=5).json()["orderedItems"]) == 2
                                 else None, "two followers")) == sorted(
            f"{t.url}/ap/actors/{t.slug}" for t in (lormes, morvan))
        for territory in (lormes, morvan):      # each has Redon's Accept
            eventually(lambda t=territory: requests.get(f"{t.url}/ap/actors/{t.slug}/following?page=1", headers=AS,
                                                        timeout=5).json()["orderedItems"] == [actor] or None,
                       f"{territory.slug} to get the Accept")
        page_id = f"{redon.url}/wiki/marche"
        redon.api("PUT", "/api/pages/marche", json={"source": "# Marché\n\nLe samedi.", "base_revision": None})
        for territory in (lormes, morvan):
            eventually(lambda t=territory: page_id in t.commons(), f"the page at {territory.slug}")
        revision = redon.api("GET", "/api/pages/marche")["revision"]
        redon.api("PUT", "/api/pages/marche", json={"source": "# Marché\n\nLe samedi, place du bourg.",
                                                    "base_revision": revision})
        for territory in (lormes, morvan):
            eventually(lambda t=territory: "bourg" in t.commons()[page_id]["content"], f"the edit at {territory.slug}")
        morvan.stop()
        revision = redon.api("GET", "/api/pages/marche")["revision"]
        redon.api("PUT", "/api/pages/marche", json={"source": "# Marché\n\nLe samedi matin.", "base_revision": revision})
        eventually(lambda: "matin" in lormes.commons()[page_id]["content"], "the edit at Lormes, the Morvan down",
                   timeout=20)
    finally:
        for territory in (redon, lormes, morvan):
            territory.stop()
            print(f"--- {territory.slug} ---\n{territory.output()[-3000:]}")
